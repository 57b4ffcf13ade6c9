-- The previous image of each container that was updated or recreated, kept under a tag of
-- its own (`<repository>:squirrel-rollback-<container>`) for a manual roll back until
-- `keep_until` (Unix milliseconds), when the tag is removed.
CREATE TABLE kept_images (
    device_uuid TEXT NOT NULL,
    tag         TEXT NOT NULL,
    container   TEXT NOT NULL,
    image_id    TEXT NOT NULL,
    reference   TEXT NOT NULL,
    kept_at     INTEGER NOT NULL,
    keep_until  INTEGER NOT NULL,
    PRIMARY KEY (device_uuid, tag)
);
