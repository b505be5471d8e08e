//! `deskshift plan`: what a migration would do, found before it does it.
//!
//! The destination runs every source record through the confirmed map and
//! its own validators — the very functions its writer calls before sending
//! a record — without writing anything, and tells a [`PlanTally`] the
//! verdict of each record: created (perhaps repaired), matched to a record
//! the destination already holds, or rejected with a reason. The binary
//! adds the preflight of side effects and the projected calls and duration
//! (both from [`crate::deliverables`]) and writes `reports/plan.{json,md}`
//! ([`PlanReport`]).
//!
//! Why a tally and not a list: a plan of 100,000 tickets must not hold
//! 100,000 verdicts. Reasons are grouped (same object kind, outcome, field
//! and wording once record ids and numbers are blanked out) and each group
//! keeps a count and a few example record ids, which is what a person reads.

mod markdown;

pub use markdown::render_markdown;

use crate::deliverables::eta::Projection;
use crate::deliverables::preflight::Preflight;
use crate::model::{ObjectKind, Timestamp};
use crate::source::Reject;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

/// How many example record ids a reason keeps.
pub const EXAMPLES: usize = 5;

/// What would happen to one source record.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Written as a new destination record (with any repairs reported alongside).
    Create,
    /// Left as it is: the destination already holds it (the reason says how
    /// it was recognised, e.g. `e-mail matches Gorgias customer 17`).
    Match(String),
    /// Deliberately not written (e.g. an agent without a destination user
    /// goes to the reconciliation queue): why.
    Skip(String),
    /// Not written; the reason and what to do.
    Reject {
        field: String,
        reason: String,
        hint: String,
    },
}

/// How a reason group counts: the record's verdict, or a note on a record
/// that is still written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Reject,
    Repair,
    /// A record deliberately not written, or a value the map does not
    /// carry over (a `drop` or `inventory` row).
    Skip,
    Match,
}

/// Counts of one object kind. `source = create + matched + rejected + skipped`;
/// `repaired` counts the created records that needed a repair.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindPlan {
    pub source: u64,
    pub create: u64,
    pub repaired: u64,
    pub matched: u64,
    pub rejected: u64,
    pub skipped: u64,
    /// Field values not carried over, by the map's decision.
    pub skipped_values: u64,
}

impl KindPlan {
    /// Whether every record read has exactly one verdict.
    pub fn adds_up(&self) -> bool {
        self.source == self.create + self.matched + self.rejected + self.skipped
    }
}

/// What a tally comes to.
pub struct Finished {
    pub objects: BTreeMap<ObjectKind, KindPlan>,
    pub reasons: Vec<ReasonGroup>,
    pub notes: Vec<String>,
}

/// Records of one kind with the same outcome for the same reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonGroup {
    pub kind: ObjectKind,
    pub outcome: Outcome,
    pub field: String,
    /// The first record's wording.
    pub reason: String,
    /// What to do (empty for matches and repairs that need nothing).
    pub hint: String,
    pub count: u64,
    /// Up to [`EXAMPLES`] source record ids.
    pub examples: Vec<String>,
}

/// Collects verdicts from a destination's plan; shareable between tasks.
#[derive(Debug, Default)]
pub struct PlanTally {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    kinds: BTreeMap<ObjectKind, KindPlan>,
    reasons: BTreeMap<(ObjectKind, Outcome, String, String), ReasonGroup>,
    notes: Vec<String>,
}

impl PlanTally {
    pub fn new() -> PlanTally {
        PlanTally::default()
    }

    /// One record's verdict, with the repairs (`(field, what was done)`)
    /// that a created record needs.
    pub fn record(
        &self,
        kind: ObjectKind,
        id: &str,
        verdict: Verdict,
        repairs: &[(String, String)],
    ) {
        let mut inner = self.lock();
        let counts = inner.kinds.entry(kind).or_default();
        counts.source += 1;
        match &verdict {
            Verdict::Create => {
                counts.create += 1;
                counts.repaired += u64::from(!repairs.is_empty());
            }
            Verdict::Match(_) => counts.matched += 1,
            Verdict::Skip(_) => counts.skipped += 1,
            Verdict::Reject { .. } => counts.rejected += 1,
        }
        match verdict {
            Verdict::Create => {
                for (field, detail) in repairs {
                    inner.note(kind, Outcome::Repair, id, field, detail, "");
                }
            }
            Verdict::Match(why) => inner.note(kind, Outcome::Match, id, "", &why, ""),
            Verdict::Skip(why) => inner.note(kind, Outcome::Skip, id, "", &why, ""),
            Verdict::Reject {
                field,
                reason,
                hint,
            } => inner.note(kind, Outcome::Reject, id, &field, &reason, &hint),
        }
    }

    /// A record the source itself could not give (malformed): a reject.
    pub fn source_reject(&self, reject: &Reject) {
        let id = reject.source_id.clone().unwrap_or_else(|| "(no id)".into());
        self.record(
            reject.kind,
            &id,
            Verdict::Reject {
                field: reject.field.clone(),
                reason: reject.reason.clone(),
                hint: reject.hint.clone(),
            },
            &[],
        );
    }

    /// Records of `kind` a refused ticket takes with it (its messages, its
    /// status events, …): each rejected, naming the ticket.
    pub fn reject_carried(
        &self,
        kind: ObjectKind,
        ids: impl IntoIterator<Item = String>,
        ticket_id: &str,
    ) {
        for id in ids {
            let verdict = Verdict::Reject {
                field: "ticket_id".into(),
                reason: format!("its ticket {ticket_id} would be rejected"),
                hint: "fix the ticket's reject (see its reason)".into(),
            };
            self.record(kind, &id, verdict, &[]);
        }
    }

    /// A value of record `id` that the map does not carry over.
    pub fn skip_value(&self, kind: ObjectKind, id: &str, field: &str, reason: &str) {
        let mut inner = self.lock();
        inner.kinds.entry(kind).or_default().skipped_values += 1;
        inner.note(kind, Outcome::Skip, id, field, reason, "");
    }

    /// A remark on the plan as a whole (what it could not check, and why).
    pub fn note(&self, text: impl Into<String>) {
        self.lock().notes.push(text.into());
    }

    /// The counts so far of `kind`.
    pub fn kind(&self, kind: ObjectKind) -> KindPlan {
        self.lock().kinds.get(&kind).copied().unwrap_or_default()
    }

    /// Every kind's counts and every reason group, rejects first, then by
    /// size.
    pub fn finish(self) -> Finished {
        let inner = self.inner.into_inner().unwrap_or_else(|p| p.into_inner());
        let mut reasons: Vec<ReasonGroup> = inner.reasons.into_values().collect();
        reasons.sort_by(|a, b| {
            (a.outcome, std::cmp::Reverse(a.count), a.kind).cmp(&(
                b.outcome,
                std::cmp::Reverse(b.count),
                b.kind,
            ))
        });
        Finished {
            objects: inner.kinds,
            reasons,
            notes: inner.notes,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves plain counters
        // behind, still meaningful: keep going.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    fn note(
        &mut self,
        kind: ObjectKind,
        outcome: Outcome,
        id: &str,
        field: &str,
        reason: &str,
        hint: &str,
    ) {
        let key = (kind, outcome, field.to_string(), shape_of(reason));
        let group = self.reasons.entry(key).or_insert_with(|| ReasonGroup {
            kind,
            outcome,
            field: field.to_string(),
            reason: reason.to_string(),
            hint: hint.to_string(),
            count: 0,
            examples: Vec::new(),
        });
        group.count += 1;
        if group.examples.len() < EXAMPLES && !group.examples.iter().any(|e| e == id) {
            group.examples.push(id.to_string());
        }
    }
}

/// A reason's wording with every number (record ids among them) blanked
/// out, so `ticket 12: subject cut from 300 to 255` and `ticket 40: subject
/// cut from 280 to 255` fall into one group.
fn shape_of(reason: &str) -> String {
    let mut shape = String::with_capacity(reason.len());
    let mut in_number = false;
    for ch in reason.chars() {
        if ch.is_ascii_digit() {
            if !in_number {
                shape.push('#');
            }
            in_number = true;
        } else {
            in_number = false;
            shape.push(ch);
        }
    }
    shape
}

/// `reports/plan.json`. Field names are a contract: add, never rename.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanReport {
    pub generated_at: Timestamp,
    pub destination: String,
    /// The hash of the confirmed map the plan applied.
    pub map_hash: String,
    pub objects: BTreeMap<ObjectKind, KindPlan>,
    pub reasons: Vec<ReasonGroup>,
    /// What the plan could not check, and why.
    pub notes: Vec<String>,
    pub preflight: Preflight,
    pub projection: Projection,
}

impl PlanReport {
    pub fn assemble(
        destination: &str,
        map_hash: &str,
        tally: PlanTally,
        preflight: Preflight,
        projection: Projection,
    ) -> PlanReport {
        let finished = tally.finish();
        PlanReport {
            generated_at: chrono::Utc::now(),
            destination: destination.to_string(),
            map_hash: map_hash.to_string(),
            objects: finished.objects,
            reasons: finished.reasons,
            notes: finished.notes,
            preflight,
            projection,
        }
    }

    /// Records that would be rejected, over every kind.
    pub fn rejected(&self) -> u64 {
        self.objects.values().map(|k| k.rejected).sum()
    }

    /// Writes `plan.json` and `plan.md` into `reports_dir`.
    pub fn write(&self, reports_dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(reports_dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(reports_dir.join("plan.json"), json + "\n")?;
        std::fs::write(reports_dir.join("plan.md"), render_markdown(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reject(field: &str, reason: &str) -> Verdict {
        Verdict::Reject {
            field: field.into(),
            reason: reason.into(),
            hint: "fix it".into(),
        }
    }

    #[test]
    fn every_record_has_one_verdict_and_counts_add_up() {
        let tally = PlanTally::new();
        let k = ObjectKind::Tickets;
        tally.record(k, "1", Verdict::Create, &[]);
        tally.record(
            k,
            "2",
            Verdict::Create,
            &[("subject".into(), "cut to 255".into())],
        );
        tally.record(k, "3", Verdict::Match("same external id".into()), &[]);
        tally.record(
            k,
            "4",
            reject("status", "ticket 4: status `odd` has no value"),
            &[],
        );
        tally.skip_value(k, "1", "custom.legacy", "dropped by the map");
        let counts = tally.kind(k);
        assert_eq!(
            counts,
            KindPlan {
                source: 4,
                create: 2,
                repaired: 1,
                matched: 1,
                rejected: 1,
                skipped: 0,
                skipped_values: 1
            }
        );
        assert!(counts.adds_up());
    }

    #[test]
    fn reasons_group_by_shape_and_keep_a_few_examples() {
        let tally = PlanTally::new();
        for id in 10..20 {
            tally.record(
                ObjectKind::Tickets,
                &id.to_string(),
                reject(
                    "subject",
                    &format!("ticket {id}: subject is {} long", id * 30),
                ),
                &[],
            );
        }
        tally.record(ObjectKind::Tickets, "99", reject("status", "unmapped"), &[]);
        let reasons = tally.finish().reasons;
        assert_eq!(reasons.len(), 2);
        assert_eq!(reasons[0].count, 10, "the largest group first");
        assert_eq!(reasons[0].examples, ["10", "11", "12", "13", "14"]);
        assert_eq!(reasons[0].reason, "ticket 10: subject is 300 long");
        assert_eq!(reasons[1].field, "status");
    }

    #[test]
    fn rejects_sort_before_repairs_and_matches() {
        let tally = PlanTally::new();
        tally.record(
            ObjectKind::Customers,
            "a",
            Verdict::Match("e-mail".into()),
            &[],
        );
        tally.record(
            ObjectKind::Customers,
            "b",
            Verdict::Match("e-mail".into()),
            &[],
        );
        tally.record(
            ObjectKind::Customers,
            "c",
            reject("email", "not an e-mail"),
            &[],
        );
        let reasons = tally.finish().reasons;
        assert_eq!(reasons[0].outcome, Outcome::Reject);
        assert_eq!(reasons[1].outcome, Outcome::Match);
        assert_eq!(reasons[1].count, 2);
    }

    #[test]
    fn a_source_reject_counts_as_a_read_and_rejected_record() {
        let tally = PlanTally::new();
        tally.source_reject(&Reject::new(
            ObjectKind::Customers,
            Some("c9".into()),
            "email",
            "not an e-mail address",
            "correct it in Stames",
        ));
        let counts = tally.kind(ObjectKind::Customers);
        assert_eq!((counts.source, counts.rejected), (1, 1));
    }
}
