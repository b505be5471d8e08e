//! Reconciliation counters for one run: per object kind, how every source
//! record ended (invariant 1: source = created + matched + rejected + skipped).

use super::Written;
use crate::model::ObjectKind;
use crate::summary::ObjectSummary;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Shared by all workers of a run.
#[derive(Debug, Default)]
pub struct Counts {
    inner: Mutex<BTreeMap<ObjectKind, ObjectSummary>>,
}

impl Counts {
    fn update(&self, kind: ObjectKind, f: impl FnOnce(&mut ObjectSummary)) {
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(map.entry(kind).or_default());
    }

    /// One source record of `kind` entered the run.
    pub fn source(&self, kind: ObjectKind, n: u64) {
        self.update(kind, |s| s.source += n);
    }

    /// Tallies how one record ended. A record done by an earlier run counts
    /// as created or matched again, so a resumed run reports the whole job.
    pub fn written(&self, kind: ObjectKind, written: &Written, was_matched: bool) {
        self.update(kind, |s| match written {
            Written::Created(_) => s.created += 1,
            Written::Matched(_) => s.matched += 1,
            Written::AlreadyDone(_) if was_matched => s.matched += 1,
            Written::AlreadyDone(_) => s.created += 1,
            Written::Rejected(_) => s.rejected += 1,
        });
    }

    pub fn rejected(&self, kind: ObjectKind, n: u64) {
        self.update(kind, |s| s.rejected += n);
    }

    /// A record already in the destination was changed by this run (delta).
    pub fn updated(&self, kind: ObjectKind, n: u64) {
        self.update(kind, |s| s.updated += n);
    }

    pub fn skipped(&self, kind: ObjectKind, n: u64) {
        self.update(kind, |s| s.skipped += n);
    }

    pub fn verified(&self, kind: ObjectKind, verified: u64, mismatched: u64) {
        self.update(kind, |s| {
            s.verified += verified;
            s.mismatched += mismatched;
        });
    }

    pub fn snapshot(&self) -> BTreeMap<ObjectKind, ObjectSummary> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Kinds whose outcomes do not add up to their source count, as lines an
    /// operator can read.
    pub fn discrepancies(&self) -> Vec<String> {
        self.snapshot()
            .into_iter()
            .filter(|(_, s)| s.source != s.created + s.matched + s.rejected + s.skipped)
            .map(|(kind, s)| {
                format!(
                    "{kind}: source {} ≠ created {} + matched {} + rejected {} + skipped {}",
                    s.source, s.created, s.matched, s.rejected, s.skipped
                )
            })
            .collect()
    }
}
