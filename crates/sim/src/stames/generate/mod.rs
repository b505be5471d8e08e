//! The deterministic workspace generator.
//!
//! `(seed, tickets, malformed, account id)` fully determine the output: one
//! `ChaCha8Rng` (portable, stable across platforms and `rand` patch releases)
//! is drawn from in a fixed order, collections are `Vec`s built in order, and
//! every timestamp is computed from a fixed [`anchor`] rather than from "now".
//! The same inputs therefore give byte-identical JSON on every machine, which is
//! what lets tests assert exact counts against a workspace they never stored.
//!
//! The data is deliberately messy in the ways real helpdesks are (see the
//! module docs of `people`, `tickets` and `schema`); the few records that
//! are *invalid* rather than merely messy are injected separately by
//! `malformed`, only when asked for.

mod malformed;
mod people;
mod retyped;
mod schema;
mod text;
mod tickets;
mod vocab;

use super::data::StamesData;
use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
use rand::Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The account id used when none is given; the same as the emulator's default
/// credentials, so a default workspace and default credentials fit together.
pub const DEFAULT_ACCOUNT_ID: &str = "demo-account";

/// The instant generated data ends at: every generated timestamp lies in the
/// two-ish years before it (a few reminders lie up to two weeks after it).
/// Fixed, not "now", so output does not depend on when it was generated.
pub fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 30, 0, 0, 0)
        .single()
        .expect("a valid constant date")
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    pub seed: u64,
    /// Number of tickets; every other volume scales from it.
    pub tickets: usize,
    /// Number of invalid records to inject (see [`StamesData::malformed`]);
    /// 0 for a clean workspace.
    pub malformed: usize,
    /// The workspace's account id (`GET /account`'s `id`, and part of every
    /// attachment URL).
    pub account_id: String,
}

impl GenerateOptions {
    pub fn new(seed: u64, tickets: usize) -> GenerateOptions {
        GenerateOptions {
            seed,
            tickets,
            malformed: 0,
            account_id: DEFAULT_ACCOUNT_ID.to_string(),
        }
    }
}

impl StamesData {
    /// A workspace with `tickets` tickets and `malformed` invalid records,
    /// under the default account id [`DEFAULT_ACCOUNT_ID`].
    pub fn generate(seed: u64, tickets: usize, malformed: usize) -> StamesData {
        StamesData::generate_with(&GenerateOptions {
            malformed,
            ..GenerateOptions::new(seed, tickets)
        })
    }

    /// A workspace as described by `options`.
    pub fn generate_with(options: &GenerateOptions) -> StamesData {
        let mut g = Gen::new(options.seed);
        let account = people::account(&mut g, &options.account_id);
        let agents = people::agents(&mut g, options.tickets, &account);
        let mut custom_fields = schema::custom_fields();
        let mut customers = people::customers(&mut g, options.tickets, &custom_fields);
        let mut generated = tickets::generate(
            &mut g,
            &tickets::Context {
                count: options.tickets,
                account: &account,
                agents: &agents,
                customers: &customers,
                fields: &custom_fields,
            },
        );
        people::settle_customer_dates(&mut g, &mut customers, &generated.tickets);
        let tags = schema::tags(&mut g, &generated.tickets);
        let custom_objects = vec![schema::warranty_object()];
        let custom_object_records =
            schema::warranty_records(&mut g, &generated.tickets, &customers.records);
        let automations = schema::automations(&mut g, &agents);
        retyped::fill(options.seed, &mut generated.tickets, &mut customers.records);
        custom_fields.extend(retyped::custom_fields());
        let mut data = StamesData {
            seed: options.seed,
            account: account.wire,
            agents: agents.records,
            customers: customers.records,
            tags,
            custom_fields,
            custom_objects,
            custom_object_records,
            automations,
            tickets: generated.tickets,
            malformed: Vec::new(),
        };
        malformed::inject(&mut data, options.malformed);
        data
    }
}

/// The wire form of a timestamp: RFC 3339, UTC, whole seconds, `Z` suffix.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The random source and the small sampling vocabulary every part of the
/// generator shares.
pub(crate) struct Gen {
    rng: ChaCha8Rng,
    anchor: DateTime<Utc>,
}

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen {
            rng: ChaCha8Rng::seed_from_u64(seed),
            anchor: anchor(),
        }
    }

    /// A second, independent stream for a later phase, so that phase can change
    /// without shifting everything generated before it.
    fn fork(seed: u64, phase: u64) -> Gen {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(phase);
        Gen {
            rng,
            anchor: anchor(),
        }
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p.clamp(0.0, 1.0))
    }

    /// Uniform in `lo..=hi` (`lo` when `hi < lo`).
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            self.rng.gen_range(lo..=hi)
        }
    }

    /// Uniform index into a collection of `len` items (`len` > 0).
    fn index(&mut self, len: usize) -> usize {
        debug_assert!(len > 0, "index into an empty collection");
        // Sampled as u64 so the stream is the same on 32- and 64-bit targets.
        if len <= 1 {
            0
        } else {
            self.rng.gen_range(0..len as u64) as usize
        }
    }

    /// One item of a non-empty list.
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// `count` distinct indices from `from..len`, without replacement, in the
    /// order drawn (fewer when the range is smaller).
    fn sample_indices(&mut self, from: usize, len: usize, count: usize) -> Vec<usize> {
        let mut pool: Vec<usize> = (from..len).collect();
        let count = count.min(pool.len());
        for i in 0..count {
            let j = i + self.index(pool.len() - i);
            pool.swap(i, j);
        }
        pool.truncate(count);
        pool
    }

    /// One value by weight (weights need not sum to anything in particular).
    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| *w).sum();
        let mut roll = self.range(0, u64::from(total.saturating_sub(1)));
        for (item, weight) in items {
            let weight = u64::from(*weight);
            if roll < weight {
                return *item;
            }
            roll -= weight;
        }
        items[items.len() - 1].0
    }

    /// Uniform instant in `[from, to]` at whole-second resolution.
    fn time_between(&mut self, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
        let span = (to - from).num_seconds().max(0);
        from + Duration::seconds(self.range(0, span.unsigned_abs()) as i64)
    }

    /// A duration of `lo..=hi` seconds, log-uniform so that short gaps are
    /// common and long ones rare, as between real replies.
    fn log_secs(&mut self, lo: u64, hi: u64) -> Duration {
        let lo = lo.max(1) as f64;
        let hi = (hi.max(1) as f64).max(lo);
        let x: f64 = self.rng.gen_range(0.0..=1.0);
        let secs = (lo.ln() + x * (hi.ln() - lo.ln())).exp();
        Duration::seconds(secs.round() as i64)
    }

    /// Log-uniform integer in `lo..=hi`, for file sizes and amounts.
    fn log_range(&mut self, lo: u64, hi: u64) -> u64 {
        self.log_secs(lo, hi)
            .num_seconds()
            .unsigned_abs()
            .clamp(lo, hi.max(lo))
    }

    fn anchor(&self) -> DateTime<Utc> {
        self.anchor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_respects_zero_weights() {
        let mut g = Gen::new(1);
        for _ in 0..200 {
            assert_ne!(g.weighted(&[("a", 0), ("b", 3), ("c", 1)]), "a");
        }
    }

    #[test]
    fn log_range_stays_in_bounds() {
        let mut g = Gen::new(2);
        for _ in 0..500 {
            let v = g.log_range(5_000, 900_000);
            assert!((5_000..=900_000).contains(&v));
        }
    }
}
