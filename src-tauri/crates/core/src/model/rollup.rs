//! The rollup policy: which finished buckets of which tier are rolled up from which finer
//! tier, and where each tier's retention cuts. Pure: the store executes the plan in SQL.

use crate::model::{StatsRetention, StatsTier};

/// Minutes are rolled up once they ended this many seconds ago, so that a round stored a
/// little late still lands in its minute.
pub const ROLLUP_GRACE_SECS: i64 = 30;

/// The tiers that are rolled up, finest first: each from the next finer one.
pub const ROLLED_TIERS: [StatsTier; 3] = [StatsTier::Minute, StatsTier::Quarter, StatsTier::Hour];

/// Roll `tier`'s buckets in `[from, until)` up from `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollupStep {
    pub tier: StatsTier,
    pub source: StatsTier,
    pub from: i64,
    pub until: i64,
}

/// Delete `tier`'s rows older than `before`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionCut {
    pub tier: StatsTier,
    pub before: i64,
}

/// One pass of the rollup job: the steps, in order, then the cuts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupPlan {
    pub steps: Vec<RollupStep>,
    pub cuts: Vec<RetentionCut>,
}

impl RollupPlan {
    /// The pass at `now` (Unix seconds), given how far each rolled tier got before
    /// (`done_until(tier)`, `None` on the first run).
    ///
    /// Each tier is rolled from the next finer one as far as that one is complete: minutes
    /// that ended [`ROLLUP_GRACE_SECS`] ago from raw samples, quarter-hours from whole
    /// minutes, hours from whole quarter-hours. A first run starts where the source tier's
    /// data can begin. Each tier is then cut by its own retention; raw samples go only once
    /// they are rolled up.
    pub fn at(
        now: i64,
        retention: &StatsRetention,
        done_until: impl Fn(StatsTier) -> Option<i64>,
    ) -> Self {
        let mut steps = Vec::new();
        let mut source_done = now.saturating_sub(ROLLUP_GRACE_SECS);
        let mut raw_rolled = i64::MIN;
        for tier in ROLLED_TIERS {
            let width = tier.width();
            let source = tier.finer().unwrap_or(StatsTier::Raw);
            let until = source_done.div_euclid(width) * width;
            let from = done_until(tier).unwrap_or_else(|| {
                now.saturating_sub(retention.keep_secs(source))
                    .div_euclid(width)
                    * width
            });
            if until > from {
                steps.push(RollupStep {
                    tier,
                    source,
                    from,
                    until,
                });
            }
            source_done = until.max(from);
            if tier == StatsTier::Minute {
                raw_rolled = source_done;
            }
        }
        let cuts = [
            StatsTier::Raw,
            StatsTier::Minute,
            StatsTier::Quarter,
            StatsTier::Hour,
        ]
        .into_iter()
        .map(|tier| {
            let mut before = now.saturating_sub(retention.keep_secs(tier));
            if tier == StatsTier::Raw {
                before = before.min(raw_rolled);
            }
            RetentionCut { tier, before }
        })
        .collect();
        Self { steps, cuts }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    /// Midnight, where every tier's buckets line up.
    const BASE: i64 = 20_000 * DAY;
    /// Ten minutes and forty seconds later.
    const NOW: i64 = BASE + 640;

    fn plan(done: [Option<i64>; 3]) -> RollupPlan {
        RollupPlan::at(NOW, &StatsRetention::default(), |t| match t {
            StatsTier::Minute => done[0],
            StatsTier::Quarter => done[1],
            StatsTier::Hour => done[2],
            StatsTier::Raw => None,
        })
    }

    #[test]
    fn minutes_wait_out_the_grace_period_and_coarser_tiers_wait_for_whole_buckets() {
        let p = plan([Some(BASE), Some(BASE), Some(BASE)]);
        // 10:40 past midnight, less 30 s of grace: minutes up to 10:00 are done.
        assert_eq!(
            p.steps,
            vec![RollupStep {
                tier: StatsTier::Minute,
                source: StatsTier::Raw,
                from: BASE,
                until: BASE + 600,
            }]
        );
    }

    #[test]
    fn a_tier_never_rolls_past_its_source() {
        let three_hours_ago = Some(BASE - 3 * 3600);
        let p = plan([three_hours_ago, three_hours_ago, three_hours_ago]);
        let minute = p.steps[0];
        let quarter = p.steps[1];
        let hour = p.steps[2];
        assert_eq!(minute.until, BASE + 600);
        assert!(quarter.until <= minute.until && quarter.until % 900 == 0);
        assert!(hour.until <= quarter.until && hour.until % 3600 == 0);
        assert_eq!(
            (quarter.source, hour.source),
            (StatsTier::Minute, StatsTier::Quarter)
        );
    }

    #[test]
    fn the_first_run_starts_where_the_source_data_can_begin() {
        let r = StatsRetention::default();
        let p = plan([None, None, None]);
        assert_eq!(
            p.steps[0].from,
            (NOW - r.keep_secs(StatsTier::Raw)).div_euclid(60) * 60
        );
        assert_eq!(
            p.steps[1].from,
            (NOW - r.keep_secs(StatsTier::Minute)).div_euclid(900) * 900
        );
    }

    #[test]
    fn each_tier_is_cut_by_its_own_retention_and_raw_only_once_rolled() {
        let r = StatsRetention {
            raw_hours: 2,
            minute_days: 3,
            hour_days: 90,
        };
        let p = RollupPlan::at(NOW, &r, |_| Some(BASE));
        let cut = |tier| p.cuts.iter().find(|c| c.tier == tier).map(|c| c.before);
        assert_eq!(cut(StatsTier::Raw), Some(NOW - 2 * 3600));
        assert_eq!(cut(StatsTier::Minute), Some(NOW - 3 * DAY));
        assert_eq!(cut(StatsTier::Quarter), Some(NOW - 31 * DAY));
        assert_eq!(cut(StatsTier::Hour), Some(NOW - 90 * DAY));
        // A clock set back behind the watermarks rolls nothing up again.
        let behind = RollupPlan::at(BASE - DAY, &r, |_| Some(BASE));
        let raw = behind
            .cuts
            .iter()
            .find(|c| c.tier == StatsTier::Raw)
            .map(|c| c.before);
        assert_eq!(raw, Some(BASE - DAY - 2 * 3600));
        assert!(behind.steps.is_empty());
    }

    #[test]
    fn nothing_to_do_when_every_tier_is_up_to_date() {
        let p = plan([Some(BASE + 600), Some(BASE), Some(BASE)]);
        assert!(p.steps.is_empty());
    }
}
