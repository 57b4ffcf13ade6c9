-- The id of the new container once it is created: a recreate cut short removes that one
-- only, never a container someone made under the same name since.
ALTER TABLE recreate_journal ADD COLUMN new_id TEXT;
