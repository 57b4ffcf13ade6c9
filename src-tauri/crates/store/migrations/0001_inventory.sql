-- Devices and the inventory Squirrel keeps of each.

CREATE TABLE devices (
    uuid                 TEXT PRIMARY KEY NOT NULL,
    name                 TEXT NOT NULL,
    -- JSON of squirrel_core::model::DeviceConnection (no secrets: those live in the keyring)
    connection           TEXT NOT NULL,
    enabled              INTEGER NOT NULL DEFAULT 1,
    resync_interval_secs INTEGER NOT NULL,
    created_at           INTEGER NOT NULL
);

CREATE TABLE containers (
    uuid         TEXT PRIMARY KEY NOT NULL,
    device_uuid  TEXT NOT NULL REFERENCES devices(uuid) ON DELETE CASCADE,
    engine_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    display_name TEXT,
    image        TEXT NOT NULL,
    image_id     TEXT NOT NULL,
    command      TEXT NOT NULL,
    state        TEXT NOT NULL,
    exit_code    INTEGER,
    health       TEXT,
    created      INTEGER NOT NULL,
    ports        TEXT NOT NULL,   -- JSON
    labels       TEXT NOT NULL,   -- JSON
    networks     TEXT NOT NULL,   -- JSON
    mounts       TEXT NOT NULL,   -- JSON
    updated_at   INTEGER NOT NULL,
    UNIQUE (device_uuid, engine_id)
);

CREATE TABLE images (
    device_uuid TEXT NOT NULL REFERENCES devices(uuid) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    repo_tags   TEXT NOT NULL,    -- JSON
    size        INTEGER NOT NULL,
    created     INTEGER NOT NULL,
    PRIMARY KEY (device_uuid, id)
);

CREATE TABLE volumes (
    device_uuid TEXT NOT NULL REFERENCES devices(uuid) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    driver      TEXT NOT NULL,
    mountpoint  TEXT NOT NULL,
    labels      TEXT NOT NULL,    -- JSON
    PRIMARY KEY (device_uuid, name)
);

CREATE TABLE networks (
    device_uuid TEXT NOT NULL REFERENCES devices(uuid) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    driver      TEXT NOT NULL,
    scope       TEXT NOT NULL,
    internal    INTEGER NOT NULL,
    PRIMARY KEY (device_uuid, id)
);
