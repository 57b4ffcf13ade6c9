-- Containers of other kinds than Docker's: Proxmox VE LXC containers and QEMU virtual
-- machines. `guest` is the JSON of their facts (node, VMID, tags, sizes), NULL for Docker.
ALTER TABLE containers ADD COLUMN kind TEXT NOT NULL DEFAULT 'docker';
ALTER TABLE containers ADD COLUMN guest TEXT;
