-- A recreate in progress, written before the old container is stopped and deleted when the
-- recreate ends, however it ends. A row left behind means Squirrel quit (or the machine went
-- down) in the middle: at the next start the old container is put back as it was.
CREATE TABLE recreate_journal (
    device_uuid  TEXT NOT NULL,
    container    TEXT NOT NULL,
    engine_id    TEXT NOT NULL,
    running      INTEGER NOT NULL,
    image        TEXT NOT NULL,
    image_id     TEXT NOT NULL,
    retag        INTEGER NOT NULL,
    kept_tag     TEXT,
    earlier_kept TEXT,
    started_at   INTEGER NOT NULL,
    PRIMARY KEY (device_uuid, container)
);
