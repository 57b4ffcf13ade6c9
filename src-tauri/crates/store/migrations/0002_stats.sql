-- Container statistics in tiers: raw samples, one-minute, fifteen-minute and one-hour rollups.
--
-- Compact by design (hundreds of containers, a year of history): integer columns only
-- (SQLite stores small integers in 1 to 4 bytes), WITHOUT ROWID tables clustered by
-- series and time so a chart is one range scan, and an integer series id instead of the
-- container's text uuid in every row. CPU is in hundredths of a percent of one core,
-- memory in bytes, rates in bytes per second, times in Unix seconds.

ALTER TABLE devices ADD COLUMN stats_interval_secs INTEGER NOT NULL DEFAULT 10;

CREATE TABLE stats_series (
    id             INTEGER PRIMARY KEY,
    container_uuid TEXT NOT NULL UNIQUE REFERENCES containers(uuid) ON DELETE CASCADE
);

CREATE TABLE stats_raw (
    series_id INTEGER NOT NULL REFERENCES stats_series(id) ON DELETE CASCADE,
    ts        INTEGER NOT NULL,
    cpu       INTEGER NOT NULL,
    mem       INTEGER NOT NULL,
    mem_limit INTEGER NOT NULL,
    net_rx    INTEGER NOT NULL,
    net_tx    INTEGER NOT NULL,
    blk_read  INTEGER NOT NULL,
    blk_write INTEGER NOT NULL,
    pids      INTEGER NOT NULL,
    PRIMARY KEY (series_id, ts)
) WITHOUT ROWID;

-- tier: bucket width in seconds (60, 900 or 3600); ts: start of the bucket; n: raw samples in it.
CREATE TABLE stats_rollup (
    series_id     INTEGER NOT NULL REFERENCES stats_series(id) ON DELETE CASCADE,
    tier          INTEGER NOT NULL,
    ts            INTEGER NOT NULL,
    n             INTEGER NOT NULL,
    cpu_min       INTEGER NOT NULL,
    cpu_avg       INTEGER NOT NULL,
    cpu_max       INTEGER NOT NULL,
    mem_min       INTEGER NOT NULL,
    mem_avg       INTEGER NOT NULL,
    mem_max       INTEGER NOT NULL,
    mem_limit     INTEGER NOT NULL,
    net_rx_avg    INTEGER NOT NULL,
    net_rx_max    INTEGER NOT NULL,
    net_tx_avg    INTEGER NOT NULL,
    net_tx_max    INTEGER NOT NULL,
    blk_read_avg  INTEGER NOT NULL,
    blk_read_max  INTEGER NOT NULL,
    blk_write_avg INTEGER NOT NULL,
    blk_write_max INTEGER NOT NULL,
    pids_max      INTEGER NOT NULL,
    PRIMARY KEY (series_id, tier, ts)
) WITHOUT ROWID;

-- Each device's summed load per round (tier 0) and its rollups (60, 900, 3600). Columns are
-- sums over the rounds in the bucket so that buckets add up: the fleet's average CPU is
-- SUM(cpu) / SUM(containers) over any set of rows.
CREATE TABLE device_stats (
    device_uuid TEXT NOT NULL REFERENCES devices(uuid) ON DELETE CASCADE,
    tier        INTEGER NOT NULL,
    ts          INTEGER NOT NULL,
    rounds      INTEGER NOT NULL,
    containers  INTEGER NOT NULL,
    cpu         INTEGER NOT NULL,
    mem         INTEGER NOT NULL,
    mem_pct     INTEGER NOT NULL,
    PRIMARY KEY (device_uuid, tier, ts)
) WITHOUT ROWID;

-- How far each rollup tier has got: every bucket that starts before done_until is rolled up.
CREATE TABLE stats_rollup_state (
    tier       INTEGER PRIMARY KEY,
    done_until INTEGER NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL -- JSON
);
