/** Names of environment variables whose values are hidden until revealed, one by one. */
const SECRET_NAME = /PASSWORD|PASSWD|TOKEN|SECRET|KEY/i;

/** What a hidden value shows instead of itself (its length is not given away). */
export const MASK = "•••••";

/** Whether the variable `name` looks like it holds a secret (`DB_PASSWORD`, `api_key`, ...). */
export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}
