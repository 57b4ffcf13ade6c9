-- Registries the user added. The password or token is in the OS keyring only: `secret` is
-- where (a JSON SecretRef), never the secret.
CREATE TABLE registries (
    uuid       TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    provider   TEXT NOT NULL,
    host       TEXT NOT NULL UNIQUE,
    username   TEXT,
    secret     TEXT,
    created_at INTEGER NOT NULL
);
