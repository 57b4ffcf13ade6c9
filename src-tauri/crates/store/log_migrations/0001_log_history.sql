-- Log history, in its own database file (logs.db): many lines, written all the time,
-- trimmed oldest first to a size budget, searched by word.
--
-- A timeline is every container of one name on one device: a recreated container
-- continues the timeline of the one it replaced, and a removed one's stays readable.
-- Line ids grow with every line stored (never reused: AUTOINCREMENT), so they order
-- lines by arrival, are the paging cursor, and make "the oldest lines" one range.

CREATE TABLE log_timelines (
    id             INTEGER PRIMARY KEY,
    device_uuid    TEXT NOT NULL,
    name           TEXT NOT NULL,
    container_uuid TEXT,
    image          TEXT NOT NULL DEFAULT '',
    first_ts       REAL,
    last_ts        REAL,
    lines          INTEGER NOT NULL DEFAULT 0,
    removed_at     INTEGER,
    UNIQUE (device_uuid, name)
);
CREATE INDEX log_timelines_container ON log_timelines (container_uuid);

-- flags: the output (0 stdout, 1 stderr, 2 tty) plus 4 when the line was cut.
-- ts: Unix milliseconds with the engine's fraction.
CREATE TABLE log_lines (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    timeline INTEGER NOT NULL,
    ts       REAL NOT NULL,
    flags    INTEGER NOT NULL,
    text     TEXT NOT NULL
);
CREATE INDEX log_lines_timeline ON log_lines (timeline);

-- Words of every line, by line id. Contentless (the text is in log_lines) with deletes,
-- so trimming the oldest lines is one range delete here too. `tl` holds one word, the
-- timeline's ('t' and its id): a search within one container intersects that word's
-- lines with the searched words' inside the index, instead of reading every line that
-- has the words in all containers.
CREATE VIRTUAL TABLE log_fts USING fts5 (text, tl, content = '', contentless_delete = 1);

-- Fewer, larger merges of the index as lines come (FTS5's most): faster writes.
INSERT INTO log_fts (log_fts, rank) VALUES ('automerge', 16);

CREATE TRIGGER log_lines_words AFTER INSERT ON log_lines BEGIN
    INSERT INTO log_fts (rowid, text, tl) VALUES (new.id, new.text, 't' || new.timeline);
END;

-- Whether a device's containers (name '') or one container (by name) are kept.
CREATE TABLE log_keep (
    device_uuid TEXT NOT NULL,
    name        TEXT NOT NULL,
    keep        INTEGER NOT NULL,
    PRIMARY KEY (device_uuid, name)
);

CREATE TABLE log_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
