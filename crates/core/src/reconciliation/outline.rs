//! The reconciliation report as blocks (headings, paragraphs, tables): the
//! Markdown and the HTML render the same outline, so they always say the
//! same thing.

use super::{Reconciliation, RunReport, SpotCheck};
use crate::deliverables::outline::Block;
use crate::discover::KindCount;
use crate::ledger::IdMapState;
use crate::model::ObjectKind;
use serde_json::Value;
use std::collections::BTreeMap;

/// Rows listed per table; the JSON holds them all.
pub const LISTED: usize = 500;

fn p(text: impl Into<String>) -> Block {
    Block::Paragraph(text.into())
}

fn h(text: impl Into<String>) -> Block {
    Block::Heading(text.into())
}

fn table(head: &[&'static str], rows: Vec<Vec<String>>) -> Block {
    Block::Table {
        head: head.to_vec(),
        rows,
    }
}

/// The first [`LISTED`] rows, and a line saying how many are left out.
fn listed(b: &mut Vec<Block>, head: &[&'static str], rows: Vec<Vec<String>>) {
    let total = rows.len();
    b.push(table(head, rows.into_iter().take(LISTED).collect()));
    if total > LISTED {
        b.push(p(format!(
            "… and {} more, listed in reconciliation.json.",
            total - LISTED
        )));
    }
}

pub fn outline(r: &Reconciliation) -> Vec<Block> {
    let mut b = vec![
        Block::Title(format!("Reconciliation: Stames → {}", r.destination)),
        p(format!(
            "Source: {}. Generated {}.",
            r.source,
            r.generated_at.format("%Y-%m-%d %H:%M UTC")
        )),
    ];
    summary(r, &mut b);
    phases(r, &mut b);
    ledger(r, &mut b);
    verification(r, &mut b);
    rejects(r, &mut b);
    skips(r, &mut b);
    spot_checks(r, &mut b);
    b
}

fn summary(r: &Reconciliation, b: &mut Vec<Block>) {
    let unreconciled = r.unreconciled();
    let mut lines = vec![if unreconciled.is_empty() {
        "Every run's counts add up: source = created + matched + rejected + skipped, per object."
            .to_string()
    } else {
        format!(
            "{} runs do NOT add up (see below): the next phase waits until they are run again.",
            unreconciled.len()
        )
    }];
    lines.push(match &r.verification {
        None => "Not verified yet: run `deskshift verify`.".into(),
        Some(v) if v.is_clean() => "Verification is clean: every migrated record reads back as \
                                    the map says."
            .into(),
        Some(v) => format!(
            "Verification found {} field mismatches (listed below).",
            v.mismatches.len()
        ),
    });
    lines.push(format!(
        "{} rejects and {} skips, each with its reason and what to do.",
        r.rejects.len(),
        r.skips.len()
    ));
    b.push(Block::Bullets(lines));
}

fn phases(r: &Reconciliation, b: &mut Vec<Block>) {
    b.push(h("1. Counts per object and phase"));
    b.push(p(
        "Each writing run ends with a row count per object; `adds up` checks source = created + \
         matched + rejected + skipped. `updated`: records already in the destination that the \
         run changed (delta).",
    ));
    let last_discover = r.runs.iter().rposition(|run| run.command == "discover");
    for (at, run) in r.runs.iter().enumerate() {
        b.push(Block::Subheading(run_title(run)));
        let Some(counts) = &run.counts else {
            match (run.command.as_str(), &r.discovery) {
                ("discover", Some(found)) if Some(at) == last_discover => discovery(found, b),
                ("discover", _) => b.push(p("Superseded by the latest discovery.")),
                ("verify", _) => b.push(p("Read back every record: see 3. Verification.")),
                ("rollback", _) => b.push(p(
                    "Undid what deskshift wrote: its entries are in the ledger (section 2,                      `rolled back`).",
                )),
                _ => b.push(p(format!(
                    "No counts kept: the run did not reach its end ({}).",
                    run.message.as_deref().unwrap_or(run.status.as_str())
                ))),
            }
            continue;
        };
        if !counts.finished {
            b.push(p(
                "The run stopped before its end: these counts are partial, run it again.",
            ));
        }
        let rows = counts
            .objects
            .iter()
            .map(|(kind, o)| {
                let adds_up = o.source == o.created + o.matched + o.rejected + o.skipped;
                vec![
                    kind.to_string(),
                    o.source.to_string(),
                    o.created.to_string(),
                    o.matched.to_string(),
                    o.rejected.to_string(),
                    o.skipped.to_string(),
                    o.updated.to_string(),
                    if adds_up { "yes" } else { "NO" }.to_string(),
                ]
            })
            .collect();
        b.push(table(
            &[
                "object", "source", "created", "matched", "rejected", "skipped", "updated",
                "adds up",
            ],
            rows,
        ));
        if !counts.discrepancies.is_empty() {
            b.push(Block::Bullets(counts.discrepancies.clone()));
        }
    }
}

/// Discovery's own reconciliation: source = read + rejected.
fn discovery(counts: &BTreeMap<ObjectKind, KindCount>, b: &mut Vec<Block>) {
    b.push(table(
        &["object", "source", "read", "rejected", "adds up"],
        counts
            .iter()
            .map(|(kind, c)| {
                vec![
                    kind.to_string(),
                    c.source().to_string(),
                    c.read.to_string(),
                    c.rejected.to_string(),
                    if c.unaccounted() == 0 { "yes" } else { "NO" }.to_string(),
                ]
            })
            .collect(),
    ));
}

fn run_title(run: &RunReport) -> String {
    format!(
        "Run {}: {} ({}, started {})",
        run.run,
        run.command,
        run.status,
        run.started_at.format("%Y-%m-%d %H:%M:%S UTC")
    )
}

fn ledger(r: &Reconciliation, b: &mut Vec<Block>) {
    b.push(h("2. The ledger now"));
    b.push(p(
        "Per object, what the ledger says of every record: in the destination (created by \
         deskshift, matched to a record that was there before, or a pre-existing record deskshift \
         changed), refused, failed, waiting for an outcome, or rolled back.",
    ));
    let rows = r
        .ledger
        .iter()
        .map(|(kind, s)| {
            let mut row = vec![kind.to_string()];
            row.extend(
                IdMapState::ALL
                    .iter()
                    .map(|&state| s.get(state).to_string()),
            );
            row
        })
        .collect();
    b.push(table(
        &[
            "object",
            "pending",
            "created",
            "matched",
            "updated",
            "rejected",
            "failed",
            "rolled back",
        ],
        rows,
    ));
}

fn verification(r: &Reconciliation, b: &mut Vec<Block>) {
    b.push(h("3. Verification"));
    let Some(v) = &r.verification else {
        b.push(p("No verification yet: run `deskshift verify`."));
        return;
    };
    b.push(p(if v.is_clean() {
        "Every migrated record reads back as the map says it must.".to_string()
    } else {
        format!(
            "{} field mismatches: each with what was expected and what the destination holds.",
            v.mismatches.len()
        )
    }));
    b.push(table(
        &["object", "verified", "mismatched"],
        v.counts
            .iter()
            .map(|(kind, (ok, bad))| vec![kind.to_string(), ok.to_string(), bad.to_string()])
            .collect(),
    ));
    if !v.mismatches.is_empty() {
        listed(
            b,
            &[
                "object",
                "source id",
                "destination id",
                "field",
                "expected",
                "actual",
            ],
            v.mismatches
                .iter()
                .map(|m| {
                    vec![
                        m.kind.to_string(),
                        m.source_id.clone(),
                        m.dest_id.clone().unwrap_or_else(|| "—".into()),
                        m.field.clone(),
                        m.expected.clone(),
                        m.actual.clone(),
                    ]
                })
                .collect(),
        );
    }
}

fn rejects(r: &Reconciliation, b: &mut Vec<Block>) {
    b.push(h("4. Rejects"));
    if r.rejects.is_empty() {
        b.push(p("Nothing was rejected."));
        return;
    }
    b.push(p(
        "Records that could not be taken, with the reason and the fix. Fix them in Stames (or in \
         the map) and run the phase again: it resumes.",
    ));
    listed(
        b,
        &["object", "record", "field", "reason", "what to do", "phase"],
        r.rejects
            .iter()
            .map(|x| {
                vec![
                    x.kind.to_string(),
                    x.source_id.clone().unwrap_or_else(|| "(no id)".into()),
                    x.field.clone(),
                    x.reason.clone(),
                    x.fix.clone(),
                    format!("{} (run {})", x.phase, x.run),
                ]
            })
            .collect(),
    );
}

fn skips(r: &Reconciliation, b: &mut Vec<Block>) {
    b.push(h("5. Skips and repairs"));
    if r.skips.is_empty() {
        b.push(p("Nothing was skipped."));
    } else {
        b.push(p(
            "Records deliberately not written; each reason says what to do if it must move.",
        ));
        listed(
            b,
            &["object", "record", "reason and what to do"],
            r.skips
                .iter()
                .map(|n| vec![n.kind.to_string(), n.source_id.clone(), n.text.clone()])
                .collect(),
        );
    }
    if !r.repairs.is_empty() {
        b.push(Block::Subheading("Repairs".into()));
        b.push(p(
            "Records changed so the destination accepts them; each is also noted on the record.",
        ));
        listed(
            b,
            &["object", "record", "repair"],
            r.repairs
                .iter()
                .map(|n| vec![n.kind.to_string(), n.source_id.clone(), n.text.clone()])
                .collect(),
        );
    }
}

fn spot_checks(r: &Reconciliation, b: &mut Vec<Block>) {
    b.push(h("6. Spot checks"));
    if r.spot_checks.is_empty() {
        b.push(p("No migrated ticket to check yet."));
        return;
    }
    b.push(p(format!(
        "The {} most demanding migrated tickets — longest threads, most attachments, departed \
         agents, merged customers, odd encodings — as Stames holds them and as {} holds them \
         now. Compare them side by side.",
        r.spot_checks.len(),
        r.destination
    )));
    for check in &r.spot_checks {
        spot_check(check, &r.destination, b);
    }
}

/// A field of a view, whatever a destination calls it.
fn field(view: &Value, names: &[&str]) -> String {
    names
        .iter()
        .find_map(|n| view.get(*n).filter(|v| !v.is_null()))
        .map(show)
        .unwrap_or_else(|| "—".into())
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(show).collect::<Vec<_>>().join(", "),
        Value::Null => "—".into(),
        other => other.to_string(),
    }
}

fn spot_check(check: &SpotCheck, destination: &str, b: &mut Vec<Block>) {
    b.push(Block::Subheading(format!(
        "Ticket {} → {} {}",
        check.ticket,
        destination,
        check.dest_id.as_deref().unwrap_or("—")
    )));
    b.push(p(format!("Picked for: {}.", check.why.join("; "))));
    let s = &check.source;
    let d = check.destination.clone().unwrap_or(Value::Null);
    if let Some(note) = &check.note {
        b.push(p(format!("In {destination}: {note}.")));
    }
    let fields: [(&str, &[&str], &[&str]); 8] = [
        ("subject", &["subject"], &["subject", "Subject"]),
        ("status", &["status"], &["status", "Status"]),
        ("priority", &["priority"], &["priority", "Priority"]),
        ("channel", &["channel"], &["channel", "Origin"]),
        ("assignee", &["assignee"], &["assignee", "OwnerId"]),
        ("tags", &["tags"], &["tags", "Stames_Tags__c"]),
        ("created", &["created"], &["created", "CreatedDate"]),
        ("closed", &["closed"], &["closed", "ClosedDate"]),
    ];
    let mut rows: Vec<Vec<String>> = fields
        .iter()
        .map(|(label, ours, theirs)| vec![label.to_string(), field(s, ours), field(&d, theirs)])
        .collect();
    let messages = |v: &Value| v["messages"].as_array().cloned().unwrap_or_default();
    let (ours, theirs) = (messages(s), messages(&d));
    rows.push(vec![
        "messages".into(),
        ours.len().to_string(),
        theirs.len().to_string(),
    ]);
    b.push(table(&["field", "Stames", "destination"], rows));
    let pairs = ours.len().max(theirs.len()).min(LISTED);
    let message = |m: Option<&Value>| -> String {
        let Some(m) = m else { return "—".into() };
        let mut text = format!(
            "{} · {}{}: {}",
            field(m, &["created"]),
            field(m, &["sender", "from"]),
            if m["private_note"] == Value::Bool(true) {
                " (private note)"
            } else {
                ""
            },
            field(m, &["body"])
        );
        let files = field(m, &["attachments"]);
        if files != "—" && !files.is_empty() && files != "false" {
            text.push_str(&format!(" [files: {files}]"));
        }
        text
    };
    b.push(table(
        &["#", "Stames", "destination"],
        (0..pairs)
            .map(|i| {
                vec![
                    (i + 1).to_string(),
                    message(ours.get(i)),
                    message(theirs.get(i)),
                ]
            })
            .collect(),
    ));
}
