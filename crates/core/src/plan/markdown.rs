//! `reports/plan.md`: the plan as the deliverables' blocks, so it reads like
//! the other reports and escapes source text the same way.

use super::{Outcome, PlanReport};
use crate::deliverables::markdown::page;
use crate::deliverables::outline::{duration, Block};

/// Reason groups listed per outcome; `plan.json` holds them all.
const LISTED: usize = 50;

pub fn render_markdown(plan: &PlanReport) -> String {
    page(outline(plan))
}

fn outline(plan: &PlanReport) -> Vec<Block> {
    let mut b = vec![
        Block::Title(format!("Plan: Stames → {}", plan.destination)),
        Block::Paragraph(format!(
            "Generated {} from the confirmed map `{}`. Nothing was written to {}.",
            plan.generated_at.format("%Y-%m-%d %H:%M UTC"),
            short(&plan.map_hash),
            plan.destination
        )),
        Block::Heading("Records".into()),
        Block::Table {
            head: vec![
                "object",
                "source",
                "create",
                "of which repaired",
                "matched",
                "rejected",
                "skipped",
                "values not carried",
            ],
            rows: plan
                .objects
                .iter()
                .map(|(kind, k)| {
                    vec![
                        kind.to_string(),
                        k.source.to_string(),
                        k.create.to_string(),
                        k.repaired.to_string(),
                        k.matched.to_string(),
                        k.rejected.to_string(),
                        k.skipped.to_string(),
                        k.skipped_values.to_string(),
                    ]
                })
                .collect(),
        },
    ];
    if !plan.notes.is_empty() {
        b.push(Block::Bullets(plan.notes.clone()));
    }
    for (outcome, title, none) in [
        (
            Outcome::Reject,
            "Would be rejected",
            "No record would be rejected.",
        ),
        (
            Outcome::Repair,
            "Would be repaired",
            "No record needs a repair.",
        ),
        (
            Outcome::Skip,
            "Values the map does not carry",
            "Every mapped value is carried.",
        ),
        (
            Outcome::Match,
            "Would be matched",
            "No record matches one the destination holds.",
        ),
    ] {
        b.push(Block::Heading(title.into()));
        let rows: Vec<Vec<String>> = plan
            .reasons
            .iter()
            .filter(|r| r.outcome == outcome)
            .take(LISTED)
            .map(|r| {
                vec![
                    r.kind.to_string(),
                    r.field.clone(),
                    r.count.to_string(),
                    r.reason.clone(),
                    r.hint.clone(),
                    r.examples.join(", "),
                ]
            })
            .collect();
        if rows.is_empty() {
            b.push(Block::Paragraph(none.into()));
        } else {
            b.push(Block::Table {
                head: vec![
                    "object",
                    "field",
                    "records",
                    "reason (first)",
                    "what to do",
                    "examples",
                ],
                rows,
            });
        }
    }
    b.push(Block::Heading("Preflight".into()));
    b.push(Block::Paragraph(plan.preflight.summary.clone()));
    if !plan.preflight.side_effects.is_empty() {
        b.push(Block::Bullets(
            plan.preflight
                .side_effects
                .iter()
                .map(|e| {
                    format!(
                        "{} `{}` ({}): {} — {}",
                        e.kind, e.name, e.id, e.effect, e.handling
                    )
                })
                .collect(),
        ));
    }
    let p = &plan.projection;
    b.push(Block::Heading("Projected calls and duration".into()));
    b.push(Block::Paragraph(format!(
        "{} API calls in all ({} by `migrate`) under a budget of {} calls per {} s ({}): \
         about {} ({} for `migrate`).",
        p.total_calls,
        p.migrate_calls,
        p.budget.calls,
        p.budget.per_s,
        p.budget.origin,
        duration(p.duration_s),
        duration(p.migrate_duration_s)
    )));
    if !p.assumptions.is_empty() {
        b.push(Block::Bullets(p.assumptions.clone()));
    }
    b
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
