-- Template catalogues the user added (by URL or file), with the last good copy and its HTTP
-- validators so a refresh can be conditional and the cache serves offline; and the user's
-- own templates, each stored as the parsed template's JSON.

CREATE TABLE template_sources (
    uuid          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    location      TEXT NOT NULL,           -- JSON: {"kind":"url"|"file","value":...}
    enabled       INTEGER NOT NULL DEFAULT 1,
    body          BLOB,
    etag          TEXT,
    last_modified TEXT,
    fetched_at    INTEGER,
    error         TEXT,
    created_at    INTEGER NOT NULL
);

CREATE TABLE my_templates (
    uuid       TEXT PRIMARY KEY,
    template   TEXT NOT NULL,              -- JSON of the parsed template
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
