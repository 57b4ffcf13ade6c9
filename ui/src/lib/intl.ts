/**
 * The locale for `Intl` formatters: the user's, unless the runtime cannot use it. Under
 * `LANG=C` WebKitGTK reports the language tag "C", and every `Intl` constructor given the
 * default locale then throws `RangeError: invalid language tag` (the app would not start).
 */
export function pickLocale(probe: (locale: string | undefined) => unknown = (l) => new Intl.DateTimeFormat(l)): string | undefined {
  try {
    probe(undefined);
    return undefined;
  } catch {
    return "en-US";
  }
}

export const LOCALE: string | undefined = pickLocale();
