//! The complexity grade, A (simple) to E (very high), from stated rules.
//!
//! Each rule looks at one thing that makes a migration harder and adds
//! points with the reason; the grade is the sum. The rules are plain so a
//! customer can check them against the figures in the same report.

use super::compatibility::{Compatibility, Landing};
use super::eta::Projection;
use crate::discover::ScopeReport;
use crate::model::ObjectKind;
use serde::{Deserialize, Serialize};

const HOUR_S: f64 = 3_600.0;
const DAY_S: f64 = 86_400.0;

/// What the rules look at, gathered from the other deliverables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signals {
    /// Objects that do not land 1:1 (and are migrated).
    pub objects_needing_mapping: usize,
    /// Lossy rows that carry records in this workspace.
    pub lossy_rows_with_data: usize,
    /// Tickets + messages + attachments + customers.
    pub records: u64,
    pub projected_duration_s: f64,
    pub attachments: u64,
    pub attachments_requiring_auth: u64,
    pub departed_agents_with_tickets: u64,
    pub duplicate_customer_groups: u64,
    pub discovery_rejects: u64,
    pub reconciled: bool,
}

impl Signals {
    pub fn gather(scope: &ScopeReport, c: &Compatibility, p: &Projection) -> Signals {
        let read = |kind| scope.counts.get(&kind).map_or(0, |k| k.read);
        Signals {
            objects_needing_mapping: c
                .rows
                .iter()
                .filter(|r| matches!(r.landing, Landing::OneToMany | Landing::Lossy))
                .count(),
            lossy_rows_with_data: c
                .rows
                .iter()
                .filter(|r| r.landing == Landing::Lossy && r.records > 0)
                .count(),
            records: [
                ObjectKind::Tickets,
                ObjectKind::Messages,
                ObjectKind::Attachments,
                ObjectKind::Customers,
            ]
            .into_iter()
            .map(read)
            .sum(),
            projected_duration_s: p.duration_s,
            attachments: scope.attachments.count,
            attachments_requiring_auth: scope.attachments.requires_auth,
            departed_agents_with_tickets: scope
                .agents
                .roster
                .iter()
                .filter(|a| a.departed && a.assigned_tickets > 0)
                .count() as u64,
            duplicate_customer_groups: scope.customers.duplicate_email_groups,
            discovery_rejects: scope.rejects.total,
            reconciled: scope.reconciled,
        }
    }
}

/// One rule that added points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub rule: String,
    pub points: u32,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Complexity {
    /// `A` … `E`.
    pub grade: String,
    /// `Simple`, `Low`, `Moderate`, `High`, `Very high`.
    pub label: String,
    pub points: u32,
    /// Every rule, including those that added nothing, so the reader sees
    /// what was checked.
    pub reasons: Vec<Reason>,
    /// The rules, stated once.
    pub scale: String,
}

const SCALE: &str = "A 0–2 simple · B 3–5 low · C 6–8 moderate · D 9–11 high · E 12+ very high";

/// Applies every rule.
pub fn grade(s: &Signals) -> Complexity {
    let reasons = vec![
        mapping(s),
        lossy(s),
        volume(s),
        api_time(s),
        rehosting(s),
        departed(s),
        duplicates(s),
        discovery(s),
    ];
    let points = reasons.iter().map(|r| r.points).sum();
    let (grade, label) = match points {
        0..=2 => ("A", "Simple"),
        3..=5 => ("B", "Low"),
        6..=8 => ("C", "Moderate"),
        9..=11 => ("D", "High"),
        _ => ("E", "Very high"),
    };
    Complexity {
        grade: grade.into(),
        label: label.into(),
        points,
        reasons,
        scale: SCALE.into(),
    }
}

fn reason(rule: &str, points: u32, detail: String) -> Reason {
    Reason {
        rule: rule.into(),
        points,
        detail,
    }
}

/// 1 point per two objects that need a mapping (not 1:1), at most 3.
fn mapping(s: &Signals) -> Reason {
    let n = s.objects_needing_mapping as u32;
    reason(
        "objects needing a mapping",
        n.div_ceil(2).min(3),
        format!("{n} objects do not land 1:1 (1 point per two, at most 3)"),
    )
}

/// 1 point for 1–3 lossy rows that carry data, 2 for more.
fn lossy(s: &Signals) -> Reason {
    let n = s.lossy_rows_with_data;
    let points = match n {
        0 => 0,
        1..=3 => 1,
        _ => 2,
    };
    reason(
        "lossy rows with data",
        points,
        format!("{n} lossy rows hold records here (1–3: 1 point, more: 2)"),
    )
}

/// Records: under 10,000 none; under 100,000 1; under 1 M 2; else 3.
fn volume(s: &Signals) -> Reason {
    let points = match s.records {
        0..=9_999 => 0,
        10_000..=99_999 => 1,
        100_000..=999_999 => 2,
        _ => 3,
    };
    reason(
        "data volume",
        points,
        format!(
            "{} tickets, messages, files and customers (10k: 1, 100k: 2, 1M: 3 points)",
            s.records
        ),
    )
}

/// The projected load time under the destination's budget.
fn api_time(s: &Signals) -> Reason {
    let d = s.projected_duration_s;
    let points = if d < 8.0 * HOUR_S {
        0
    } else if d < DAY_S {
        1
    } else if d < 7.0 * DAY_S {
        2
    } else {
        3
    };
    reason(
        "API constraints",
        points,
        format!(
            "the budget makes the load last {:.1} h (8 h: 1, a day: 2, a week: 3 points)",
            d / HOUR_S
        ),
    )
}

/// Files behind authentication: 1 point, 2 when over 5 % of all files.
fn rehosting(s: &Signals) -> Reason {
    let n = s.attachments_requiring_auth;
    let points = if n == 0 {
        0
    } else if n * 20 > s.attachments {
        2
    } else {
        1
    };
    reason(
        "attachments needing re-hosting",
        points,
        format!(
            "{n} of {} files need authentication to download (any: 1, over 5 %: 2 points)",
            s.attachments
        ),
    )
}

fn departed(s: &Signals) -> Reason {
    let n = s.departed_agents_with_tickets;
    reason(
        "departed agents",
        u32::from(n > 0),
        format!("{n} departed agents still hold tickets and need a stand-in (any: 1 point)"),
    )
}

fn duplicates(s: &Signals) -> Reason {
    let n = s.duplicate_customer_groups;
    reason(
        "duplicate customers",
        u32::from(n > 0),
        format!("{n} e-mail addresses are shared by several customers (any: 1 point)"),
    )
}

fn discovery(s: &Signals) -> Reason {
    let trouble = s.discovery_rejects > 0 || !s.reconciled;
    reason(
        "source data quality",
        u32::from(trouble),
        format!(
            "{} records rejected at discovery{} (any: 1 point)",
            s.discovery_rejects,
            if s.reconciled {
                ""
            } else {
                "; counts do not reconcile"
            }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean() -> Signals {
        Signals {
            reconciled: true,
            ..Signals::default()
        }
    }

    fn points(s: &Signals, rule: &str) -> u32 {
        grade(s)
            .reasons
            .iter()
            .find(|r| r.rule == rule)
            .map_or(99, |r| r.points)
    }

    #[test]
    fn an_empty_clean_workspace_is_simple() {
        let g = grade(&clean());
        assert_eq!((g.grade.as_str(), g.points), ("A", 0));
        assert_eq!(g.reasons.len(), 8, "every rule is listed");
    }

    #[test]
    fn each_rule_scores_as_stated() {
        let s = |f: &dyn Fn(&mut Signals)| {
            let mut s = clean();
            f(&mut s);
            s
        };
        assert_eq!(
            points(
                &s(&|s| s.objects_needing_mapping = 5),
                "objects needing a mapping"
            ),
            3
        );
        assert_eq!(
            points(
                &s(&|s| s.objects_needing_mapping = 9),
                "objects needing a mapping"
            ),
            3
        );
        assert_eq!(
            points(&s(&|s| s.lossy_rows_with_data = 3), "lossy rows with data"),
            1
        );
        assert_eq!(
            points(&s(&|s| s.lossy_rows_with_data = 4), "lossy rows with data"),
            2
        );
        assert_eq!(points(&s(&|s| s.records = 9_999), "data volume"), 0);
        assert_eq!(points(&s(&|s| s.records = 250_000), "data volume"), 2);
        assert_eq!(
            points(
                &s(&|s| s.projected_duration_s = 9.0 * HOUR_S),
                "API constraints"
            ),
            1
        );
        assert_eq!(
            points(
                &s(&|s| s.projected_duration_s = 8.0 * DAY_S),
                "API constraints"
            ),
            3
        );
        let few = s(&|s| {
            s.attachments = 100;
            s.attachments_requiring_auth = 5;
        });
        assert_eq!(points(&few, "attachments needing re-hosting"), 1);
        let many = s(&|s| {
            s.attachments = 100;
            s.attachments_requiring_auth = 6;
        });
        assert_eq!(points(&many, "attachments needing re-hosting"), 2);
        assert_eq!(
            points(
                &s(&|s| s.departed_agents_with_tickets = 2),
                "departed agents"
            ),
            1
        );
        assert_eq!(
            points(
                &s(&|s| s.duplicate_customer_groups = 1),
                "duplicate customers"
            ),
            1
        );
        assert_eq!(
            points(&s(&|s| s.reconciled = false), "source data quality"),
            1
        );
    }

    #[test]
    fn grade_boundaries() {
        let with_points = |mapping: usize, lossy: usize, records: u64| {
            grade(&Signals {
                objects_needing_mapping: mapping,
                lossy_rows_with_data: lossy,
                records,
                ..clean()
            })
        };
        assert_eq!(with_points(4, 0, 0).grade, "A"); // 2
        assert_eq!(with_points(6, 0, 0).grade, "B"); // 3
        assert_eq!(with_points(6, 4, 100_000).grade, "C"); // 3 + 2 + 2
        let heavy = Signals {
            objects_needing_mapping: 6,
            lossy_rows_with_data: 4,
            records: 2_000_000,
            projected_duration_s: 30.0 * DAY_S,
            ..clean()
        };
        assert_eq!(
            (grade(&heavy).grade.as_str(), grade(&heavy).points),
            ("D", 11)
        );
        let worse = Signals {
            departed_agents_with_tickets: 1,
            ..heavy
        };
        assert_eq!(
            (grade(&worse).grade.as_str(), grade(&worse).points),
            ("E", 12)
        );
    }
}
