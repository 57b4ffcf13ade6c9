-- Update checks compare a container's image with its registry: the digests registries gave
-- for each image (RepoDigests) are kept with the images, and the last whole check is kept
-- as one document (findings of a few hundred containers; read whole, written whole).
ALTER TABLE images ADD COLUMN repo_digests TEXT NOT NULL DEFAULT '[]';

CREATE TABLE update_checks (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at INTEGER NOT NULL,
    body       TEXT NOT NULL    -- JSON: squirrel_core::updates::UpdateCheck
);
