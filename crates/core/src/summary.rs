//! The summary JSON of DESIGN.md §5, printed by `demo`, `migrate`, `verify`,
//! `delta` and `status` with `--json`. Other tools and checks parse it: keys may
//! be added, never renamed or removed.

use crate::discover::ScopeReport;
use crate::engine::stages::Stage;
use crate::model::ObjectKind;
use crate::source::ApiStats;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `gorgias` or `salesforce`; `null` before a destination is involved.
    pub destination: Option<String>,
    pub objects: BTreeMap<ObjectKind, ObjectSummary>,
    pub api: ApiSummary,
    /// Customer- or agent-facing sends the destination recorded; must stay 0.
    pub sends_detected: u64,
    pub duration_s: f64,
    /// The phases this summary covers, in order (`discover`, `migrate`, …).
    pub phases: Vec<String>,
    /// Whether every kind reconciles: source = created + matched + rejected + skipped
    /// (for discovery: source = read + rejected).
    pub reconciled: bool,
    /// `migrate`: when each object kind was worked on, in seconds since the
    /// run began (what the ETA's refinement reads; see `engine::stages`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stages: BTreeMap<ObjectKind, Stage>,
}

/// Per object kind. Invariant 1: `source = created + matched + rejected + skipped`
/// once a migration has run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectSummary {
    pub source: u64,
    pub created: u64,
    pub matched: u64,
    pub rejected: u64,
    pub skipped: u64,
    pub verified: u64,
    pub mismatched: u64,
    /// Of the records created or matched, how many this run changed in the
    /// destination (delta: status, assignee, tags, new messages …). Not a
    /// term of invariant 1: an updated record is counted as created too.
    #[serde(default)]
    pub updated: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiSummary {
    pub calls: u64,
    pub rate_limited: u64,
    pub retries: u64,
    /// Fraction of the destination's budget used while loading; 0 when no
    /// destination was written to.
    pub budget_utilization: f64,
}

impl From<ApiStats> for ApiSummary {
    fn from(stats: ApiStats) -> ApiSummary {
        ApiSummary {
            calls: stats.calls,
            rate_limited: stats.rate_limited,
            retries: stats.retries,
            budget_utilization: 0.0,
        }
    }
}

impl Summary {
    /// Takes the verified and mismatched counts of a `verify` run that
    /// followed this one, kind by kind.
    pub fn add_verification(&mut self, verified: &Summary) {
        for (kind, o) in &verified.objects {
            let entry = self.objects.entry(*kind).or_default();
            (entry.verified, entry.mismatched) = (o.verified, o.mismatched);
        }
    }

    /// The summary of a discovery: source counts and rejects, nothing written yet.
    pub fn from_scope(destination: Option<String>, scope: &ScopeReport) -> Summary {
        let objects = scope
            .counts
            .iter()
            .map(|(&kind, count)| {
                let summary = ObjectSummary {
                    source: count.source(),
                    rejected: count.rejected,
                    ..ObjectSummary::default()
                };
                (kind, summary)
            })
            .collect();
        Summary {
            destination,
            objects,
            api: scope.api.into(),
            sends_detected: 0,
            duration_s: scope.duration_s,
            phases: vec!["discover".into()],
            reconciled: scope.reconciled,
            stages: BTreeMap::new(),
        }
    }
}
