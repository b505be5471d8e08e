//! The deliverables as a sequence of blocks (headings, paragraphs, lists,
//! tables). Markdown and HTML render the same outline, so both always say
//! the same thing and neither duplicates the other's wording.

use super::compatibility::Compatibility;
use super::eta::Eta;
use super::Deliverables;
use crate::discover::human_bytes;

pub enum Block {
    Title(String),
    Heading(String),
    /// A part of a section.
    Subheading(String),
    Paragraph(String),
    /// The complexity grade, shown prominently.
    Grade {
        grade: String,
        label: String,
        points: u32,
    },
    Bullets(Vec<String>),
    Table {
        head: Vec<&'static str>,
        rows: Vec<Vec<String>>,
    },
}

/// A format the outline is rendered into (Markdown, HTML).
pub trait Sink {
    fn title(&mut self, text: &str);
    fn heading(&mut self, text: &str);
    fn subheading(&mut self, text: &str);
    fn paragraph(&mut self, text: &str);
    fn grade(&mut self, grade: &str, label: &str, points: u32);
    fn bullets(&mut self, items: &[String]);
    fn table(&mut self, head: &[&str], rows: &[Vec<String>]);
}

/// Feeds every block of the deliverables' outline to `sink`.
pub fn render(d: &Deliverables, sink: &mut impl Sink) {
    render_blocks(outline(d), sink);
}

/// Feeds `blocks` to `sink`: how any report built of blocks (the
/// deliverables, the reconciliation report) becomes Markdown or HTML.
pub fn render_blocks(blocks: Vec<Block>, sink: &mut impl Sink) {
    for block in blocks {
        match block {
            Block::Title(t) => sink.title(&t),
            Block::Heading(t) => sink.heading(&t),
            Block::Subheading(t) => sink.subheading(&t),
            Block::Paragraph(t) => sink.paragraph(&t),
            Block::Grade {
                grade,
                label,
                points,
            } => sink.grade(&grade, &label, points),
            Block::Bullets(items) => sink.bullets(&items),
            Block::Table { head, rows } => sink.table(&head, &rows),
        }
    }
}

fn table(head: &[&'static str], rows: Vec<Vec<String>>) -> Block {
    Block::Table {
        head: head.to_vec(),
        rows,
    }
}

fn p(text: impl Into<String>) -> Block {
    Block::Paragraph(text.into())
}

fn h(text: &str) -> Block {
    Block::Heading(text.into())
}

fn h3(text: &str) -> Block {
    Block::Subheading(text.into())
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

pub(crate) fn duration(seconds: f64) -> String {
    if seconds < 120.0 {
        format!("{seconds:.1} s")
    } else if seconds < 2.0 * 3_600.0 {
        format!("{:.1} min", seconds / 60.0)
    } else if seconds < 2.0 * 86_400.0 {
        format!("{:.1} h", seconds / 3_600.0)
    } else {
        format!("{:.1} days", seconds / 86_400.0)
    }
}

pub fn outline(d: &Deliverables) -> Vec<Block> {
    let mut blocks = vec![
        Block::Title(format!(
            "Migration deliverables: {} → {}",
            d.workspace, d.destination
        )),
        p(format!(
            "Source: {}. Generated {}.",
            d.source,
            d.generated_at.format("%Y-%m-%d %H:%M UTC")
        )),
        Block::Grade {
            grade: d.complexity.grade.clone(),
            label: d.complexity.label.clone(),
            points: d.complexity.points,
        },
        p(d.compatibility.headline.clone()),
    ];
    scope(d, &mut blocks);
    compatibility(&d.compatibility, &mut blocks);
    complexity(d, &mut blocks);
    eta(&d.eta, &mut blocks);
    automations(d, &mut blocks);
    checklists(d, &mut blocks);
    preflight(d, &mut blocks);
    blocks
}

fn scope(d: &Deliverables, b: &mut Vec<Block>) {
    let s = &d.scope;
    b.push(h("1. Scope"));
    b.push(p(if s.reconciled {
        "Every kind reconciles: source = read + rejected."
    } else {
        "Counts do NOT reconcile: see reports/scope.md before migrating."
    }));
    b.push(table(
        &["object", "source", "read", "rejected"],
        s.counts
            .iter()
            .map(|c| {
                vec![
                    c.kind.to_string(),
                    c.source.to_string(),
                    c.read.to_string(),
                    c.rejected.to_string(),
                ]
            })
            .collect(),
    ));
    b.push(h3("Custom-field mapping"));
    b.push(p(format!("Basis: {}.", s.field_mapping_basis)));
    b.push(table(
        &[
            "field",
            "object",
            "Stames type",
            "filled",
            "target",
            "lossy",
        ],
        s.field_mapping
            .iter()
            .map(|f| {
                vec![
                    f.label.clone(),
                    format!("{:?}", f.object).to_lowercase(),
                    f.source_type.as_str().to_string(),
                    format!("{:.0} %", f.fill_rate * 100.0),
                    f.target.clone(),
                    f.lossy.clone().unwrap_or_else(|| "—".into()),
                ]
            })
            .collect(),
    ));
    let a = &s.attachments;
    b.push(h3("Attachments"));
    b.push(p(format!(
        "{} files, {} in total; {} need authentication to download and must be re-hosted \
         before migrating.",
        a.count,
        human_bytes(a.total_bytes),
        a.requires_auth
    )));
    let file_rows = |files: &[crate::discover::AttachmentRef]| {
        files
            .iter()
            .map(|f| {
                vec![
                    f.file_name.clone(),
                    f.ticket_id.clone(),
                    human_bytes(f.size_bytes),
                ]
            })
            .collect()
    };
    b.push(p("Largest files:"));
    b.push(table(&["file", "ticket", "size"], file_rows(&a.largest)));
    if !a.requires_auth_examples.is_empty() {
        b.push(p("To re-host (first twenty):"));
        b.push(table(
            &["file", "ticket", "size"],
            file_rows(&a.requires_auth_examples),
        ));
    }
    b.push(h3("Channels in use"));
    b.push(table(
        &[
            "channel",
            "tickets",
            "messages",
            "integrations",
            "reconnect by hand",
        ],
        s.channels
            .iter()
            .map(|c| {
                vec![
                    c.channel.clone(),
                    c.tickets.to_string(),
                    c.messages.to_string(),
                    c.integrations.join(", "),
                    yes_no(c.needs_manual_reconnection),
                ]
            })
            .collect(),
    ));
    b.push(h3("Not reachable through the API"));
    b.push(Block::Bullets(
        s.unreachable
            .iter()
            .map(|i| format!("{}: {}", i.name, i.detail))
            .chain(s.unreachable.is_empty().then(|| "Nothing.".to_string()))
            .collect(),
    ));
}

fn compatibility(c: &Compatibility, b: &mut Vec<Block>) {
    b.push(h("2. Compatibility"));
    b.push(p(c.headline.clone()));
    b.push(table(
        &["Stames", "lands as", "how", "records", "why"],
        c.rows
            .iter()
            .map(|r| {
                vec![
                    r.stames.clone(),
                    r.destination.clone(),
                    r.landing.label().to_string(),
                    r.records.to_string(),
                    r.reason.clone(),
                ]
            })
            .collect(),
    ));
}

fn complexity(d: &Deliverables, b: &mut Vec<Block>) {
    let c = &d.complexity;
    b.push(h3("Complexity"));
    b.push(p(format!(
        "Grade {} ({}), {} points. Scale: {}.",
        c.grade, c.label, c.points, c.scale
    )));
    b.push(table(
        &["rule", "points", "why"],
        c.reasons
            .iter()
            .map(|r| vec![r.rule.clone(), r.points.to_string(), r.detail.clone()])
            .collect(),
    ));
}

fn eta(e: &Eta, b: &mut Vec<Block>) {
    let p_ = &e.projection;
    b.push(h("3. ETA"));
    let days = p_
        .days_forced
        .map(|d| format!(" The daily limit spreads it over {d} day(s)."))
        .unwrap_or_default();
    b.push(p(format!(
        "Projected from the scope: {} API calls ({} in migrate), about {}.{days}",
        p_.total_calls,
        p_.migrate_calls,
        duration(p_.duration_s)
    )));
    b.push(table(
        &["phase", "object", "records", "calls", "how"],
        p_.rows
            .iter()
            .map(|r| {
                vec![
                    format!("{:?}", r.phase).to_lowercase(),
                    r.object.clone(),
                    r.records.to_string(),
                    r.calls.to_string(),
                    r.method.clone(),
                ]
            })
            .collect(),
    ));
    b.push(p("Assumptions:"));
    b.push(Block::Bullets(p_.assumptions.clone()));
    if let Some(r) = &e.refined {
        b.push(h3("Refined by the sample run"));
        b.push(p(format!(
            "The sample moved {} tickets with {} calls in {}: {:.2} calls per ticket and {} a \
             run costs whatever its size. The remaining {} tickets: {} calls, about {}. A whole \
             migration at these rates: {} calls, about {}.",
            r.sample.tickets,
            r.sample.calls,
            duration(r.sample.duration_s),
            r.calls_per_ticket,
            duration(r.fixed_seconds),
            r.remaining_tickets,
            r.remaining_calls,
            duration(r.remaining_duration_s),
            r.full_calls,
            duration(r.full_duration_s)
        )));
    }
    if let Some(c) = &e.comparison {
        b.push(h3("Projection against the full run"));
        b.push(table(
            &["", "projected", "actual", "error"],
            vec![
                vec![
                    "API calls".into(),
                    c.projected_calls.to_string(),
                    c.actual_calls.to_string(),
                    format!("{:+.1} %", c.calls_error_pct),
                ],
                vec![
                    "duration".into(),
                    duration(c.projected_duration_s),
                    duration(c.actual_duration_s),
                    format!("{:+.1} %", c.duration_error_pct),
                ],
            ],
        ));
        b.push(p(format!(
            "Basis: {}; duration {} the ±20 % target.",
            c.basis,
            if c.within_tolerance {
                "within"
            } else {
                "outside"
            }
        )));
    }
    b.push(p(e.next_step.clone()));
}

fn automations(d: &Deliverables, b: &mut Vec<Block>) {
    let a = &d.automations;
    b.push(h("4. Automation inventory"));
    b.push(p(format!(
        "{} Stames automations ({} active) and {} kinds of notification trigger; none is \
         migrated, each is to be rebuilt as below.",
        a.automations, a.active_automations, a.notification_triggers
    )));
    b.push(table(
        &[
            "Stames automation",
            "active",
            "what it does",
            "rebuild as",
            "no equivalent",
        ],
        a.entries
            .iter()
            .map(|e| {
                let r = &e.recommendation;
                vec![
                    e.name.clone(),
                    yes_no(e.active),
                    lines(&e.trigger, &e.conditions, &e.actions),
                    format!(
                        "{}\n{}",
                        r.mechanism,
                        lines(&r.when, &r.conditions, &r.actions)
                    ),
                    if r.gaps.is_empty() {
                        "—".into()
                    } else {
                        r.gaps.join("\n")
                    },
                ]
            })
            .collect(),
    ));
}

/// "When …", "If … and …", "Then …; …" on lines of their own (a table
/// cell keeps the line breaks).
fn lines(when: &str, conditions: &[String], actions: &[String]) -> String {
    let mut out = format!("When {when}");
    if !conditions.is_empty() {
        out.push_str(&format!("\nIf {}", conditions.join(" and ")));
    }
    if !actions.is_empty() {
        out.push_str(&format!("\nThen {}", actions.join("; ")));
    }
    out
}

fn checklists(d: &Deliverables, b: &mut Vec<Block>) {
    let c = &d.checklists;
    let items = |items: &[super::checklists::ChecklistItem]| {
        Block::Bullets(
            items
                .iter()
                .map(|i| format!("[ ] {}: {}", i.item, i.detail))
                .collect(),
        )
    };
    b.push(h("5. Checklists"));
    b.push(h3("Self-service portal"));
    b.push(items(&c.portal));
    b.push(h3("Channel reconnection"));
    if c.channels.is_empty() {
        b.push(p("No channel needs reconnecting."));
    } else {
        b.push(items(&c.channels));
    }
    b.push(h3("Agent reconciliation queue"));
    b.push(p(c.agents.note.clone()));
    b.push(table(
        &["agent", "e-mail", "departed", "tickets", "their tickets"],
        c.agents
            .agents
            .iter()
            .map(|a| {
                vec![
                    a.name.clone(),
                    a.email.clone(),
                    yes_no(a.departed),
                    a.assigned_tickets.to_string(),
                    a.tickets_went_to.clone(),
                ]
            })
            .collect(),
    ));
}

fn preflight(d: &Deliverables, b: &mut Vec<Block>) {
    let p_ = &d.preflight;
    b.push(h("6. Preflight"));
    b.push(p(p_.summary.clone()));
    if !p_.side_effects.is_empty() {
        b.push(table(
            &[
                "kind",
                "name",
                "what it would do",
                "what deskshift does",
                "blocks the load",
            ],
            p_.side_effects
                .iter()
                .map(|e| {
                    vec![
                        e.kind.clone(),
                        e.name.clone(),
                        e.effect.clone(),
                        e.handling.clone(),
                        yes_no(e.blocking),
                    ]
                })
                .collect(),
        ));
    }
}
