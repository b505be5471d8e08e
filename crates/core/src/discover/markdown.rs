//! `reports/scope.md`: the scope document a person reads before agreeing to a
//! migration. Plain Markdown, tables where a table helps, nothing that needs a
//! renderer to make sense.

use super::scope::ScopeReport;
use crate::model::ObjectKind;
use std::fmt::Write;

pub fn render_markdown(report: &ScopeReport) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored on purpose.
    let w = &mut out;
    let _ = writeln!(w, "# Migration scope: {}\n", report.workspace.name);
    let _ = writeln!(
        w,
        "Source: {} (account `{}`). Discovered {} in {:.1} s with {} API calls ({} rate-limited, {} retried).\n",
        report.source,
        report.workspace.account_id,
        report.generated_at.format("%Y-%m-%d %H:%M UTC"),
        report.duration_s,
        report.api.calls,
        report.api.rate_limited,
        report.api.retries
    );
    counts(w, report);
    unreachable(w, report);
    channels(w, report);
    attachments(w, report);
    custom_fields(w, report);
    people(w, report);
    tickets(w, report);
    tags(w, report);
    custom_objects(w, report);
    automations(w, report);
    rejects(w, report);
    out
}

fn counts(w: &mut String, r: &ScopeReport) {
    let _ = writeln!(w, "## Record counts\n");
    if r.reconciled {
        let _ = writeln!(w, "Every kind reconciles: source = read + rejected.\n");
    } else {
        let _ = writeln!(
            w,
            "**Counts do not reconcile** — do not migrate until this is explained:\n"
        );
        for line in &r.discrepancies {
            let _ = writeln!(w, "- {line}");
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(
        w,
        "| object | source | read | rejected |\n|---|---:|---:|---:|"
    );
    for kind in ObjectKind::ALL {
        if let Some(c) = r.counts.get(&kind) {
            let _ = writeln!(
                w,
                "| {kind} | {} | {} | {} |",
                c.source(),
                c.read,
                c.rejected
            );
        }
    }
    let _ = writeln!(w);
}

fn unreachable(w: &mut String, r: &ScopeReport) {
    let _ = writeln!(w, "## Not reachable through the API\n");
    let _ = writeln!(
        w,
        "These are not migrated; they are recreated by hand in the destination.\n"
    );
    if r.unreachable.is_empty() {
        let _ = writeln!(w, "Nothing: no portal and no channel integrations.\n");
    }
    for item in &r.unreachable {
        let _ = writeln!(w, "- **{}** — {}", item.name, item.detail);
    }
    let _ = writeln!(
        w,
        "- **{} automations** — rebuilt natively in the destination; listed below.\n",
        r.automations.len()
    );
}

fn channels(w: &mut String, r: &ScopeReport) {
    let _ = writeln!(w, "## Channels in use\n");
    let _ = writeln!(
        w,
        "| channel | tickets | messages | integrations | manual reconnection |\n|---|---:|---:|---|---|"
    );
    for c in &r.channels {
        let integrations = c
            .integrations
            .iter()
            .map(|i| {
                format!(
                    "{} ({})",
                    i.name,
                    if i.connected {
                        "connected"
                    } else {
                        "disconnected"
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            c.channel,
            c.tickets,
            c.messages,
            if integrations.is_empty() {
                "—".into()
            } else {
                integrations
            },
            if c.needs_manual_reconnection {
                "yes"
            } else {
                "no"
            }
        );
    }
    let _ = writeln!(w);
}

fn attachments(w: &mut String, r: &ScopeReport) {
    let a = &r.attachments;
    let _ = writeln!(w, "## Attachments\n");
    let _ = writeln!(
        w,
        "{} files, {} in total; {} inline images; {} need authentication to download and must be re-hosted before migration.\n",
        a.count,
        human_bytes(a.total_bytes),
        a.inline,
        a.requires_auth
    );
    if !a.largest.is_empty() {
        let _ = writeln!(w, "Largest:\n");
        for f in &a.largest {
            let _ = writeln!(
                w,
                "- `{}` ({}), ticket {}",
                f.file_name,
                human_bytes(f.size_bytes),
                f.ticket_id
            );
        }
        let _ = writeln!(w);
    }
    if !a.requires_auth_examples.is_empty() {
        let _ = writeln!(
            w,
            "To re-host (first {}):\n",
            a.requires_auth_examples.len()
        );
        for f in &a.requires_auth_examples {
            let _ = writeln!(
                w,
                "- attachment {} `{}` on ticket {}",
                f.id, f.file_name, f.ticket_id
            );
        }
        let _ = writeln!(w);
    }
}

fn custom_fields(w: &mut String, r: &ScopeReport) {
    let _ = writeln!(w, "## Custom fields\n");
    if r.custom_fields.is_empty() {
        let _ = writeln!(w, "None.\n");
        return;
    }
    let _ = writeln!(
        w,
        "| object | key | label | type | fill rate | value shapes | type mismatches | unknown options |\n|---|---|---|---|---:|---|---:|---:|"
    );
    for f in &r.custom_fields {
        let shapes = f
            .value_shapes
            .iter()
            .map(|(shape, n)| format!("{shape} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            w,
            "| {:?} | `{}` | {} | {} | {:.0}% ({}/{}) | {} | {} | {} |",
            f.object,
            f.key,
            f.label,
            f.field_type.as_str(),
            f.fill_rate * 100.0,
            f.filled,
            f.records,
            if shapes.is_empty() {
                "—".into()
            } else {
                shapes
            },
            f.type_mismatches,
            f.unknown_options
        );
    }
    let _ = writeln!(w);
}

fn people(w: &mut String, r: &ScopeReport) {
    let (a, c) = (&r.agents, &r.customers);
    let _ = writeln!(w, "## Agents and customers\n");
    let roles = a
        .by_role
        .iter()
        .map(|(role, n)| format!("{role} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        w,
        "- Agents: {} active, {} inactive, {} departed (roles: {roles}). Departed agents stay attributable on their tickets and messages.",
        a.active, a.inactive, a.departed
    );
    let _ = writeln!(
        w,
        "- Customers: {} with e-mail, {} without, {} with a company.",
        c.with_email, c.without_email, c.with_company
    );
    let _ = writeln!(
        w,
        "- Duplicate e-mails: {} addresses shared by {} customers; these are merged (Gorgias) or matched (Salesforce) by e-mail.\n",
        c.duplicate_email_groups, c.customers_in_duplicate_groups
    );
}

fn tickets(w: &mut String, r: &ScopeReport) {
    let (t, m) = (&r.tickets, &r.messages);
    let join = |map: &std::collections::BTreeMap<String, u64>| {
        map.iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(w, "## Tickets and conversations\n");
    let _ = writeln!(w, "- Status: {}", join(&t.by_status));
    let _ = writeln!(w, "- Priority: {}", join(&t.by_priority));
    let _ = writeln!(
        w,
        "- {} unassigned, {} assigned to departed agents; {} with an SLA ({} breached), {} with reminders, {} with notification triggers.",
        t.unassigned, t.assigned_to_departed, t.with_sla, t.sla_breached, t.with_reminders, t.with_notifications
    );
    if let (Some(oldest), Some(newest)) = (t.oldest_created_at, t.newest_created_at) {
        let _ = writeln!(
            w,
            "- Created between {} and {}.",
            oldest.format("%Y-%m-%d"),
            newest.format("%Y-%m-%d")
        );
    }
    if let Some(longest) = &t.longest_thread {
        let _ = writeln!(
            w,
            "- Longest thread: ticket {} with {} messages.",
            longest.ticket_id, longest.messages
        );
    }
    let _ = writeln!(
        w,
        "- Messages: {} public, {} private notes; {} from customers, {} from agents, {} from the system; {} with HTML bodies.\n",
        m.public, m.private_notes, m.from_customers, m.from_agents, m.from_system, m.with_html
    );
}

fn tags(w: &mut String, r: &ScopeReport) {
    let t = &r.tags;
    let _ = writeln!(w, "## Tags\n");
    let _ = writeln!(
        w,
        "{} defined, {} distinct spellings applied {} times.",
        t.defined, t.distinct_used, t.applications
    );
    if !t.collisions.is_empty() {
        let _ = writeln!(
            w,
            "Spellings that normalise to one tag (lowercase, hyphenated) and will be merged:\n"
        );
        for group in &t.collisions {
            let quoted = group
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(w, "- {quoted}");
        }
    }
    let _ = writeln!(w);
}

fn custom_objects(w: &mut String, r: &ScopeReport) {
    let _ = writeln!(w, "## Custom objects\n");
    if r.custom_objects.is_empty() {
        let _ = writeln!(w, "None.\n");
    }
    for o in &r.custom_objects {
        let links = o
            .links
            .iter()
            .map(|l| format!("{l:?}").to_lowercase())
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            w,
            "- **{}** (`{}`): {} records; fields {}; linked to {links}.",
            o.label,
            o.key,
            o.records,
            o.fields.join(", ")
        );
    }
    let _ = writeln!(w);
}

fn automations(w: &mut String, r: &ScopeReport) {
    let _ = writeln!(
        w,
        "## Automations (not migrated; rebuild in the destination)\n"
    );
    if r.automations.is_empty() {
        let _ = writeln!(w, "None.\n");
        return;
    }
    let _ = writeln!(
        w,
        "| name | trigger | conditions | actions | active |\n|---|---|---|---|---|"
    );
    for a in &r.automations {
        let conditions = a
            .conditions
            .iter()
            .map(|c| format!("{} {} {}", c.field, c.operator, c.value))
            .collect::<Vec<_>>()
            .join("; ");
        let actions = a
            .actions
            .iter()
            .map(|x| x.action.clone())
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            escape_cell(&a.name),
            a.trigger,
            escape_cell(&conditions),
            actions,
            if a.active { "yes" } else { "no" }
        );
    }
    let _ = writeln!(w);
}

fn rejects(w: &mut String, r: &ScopeReport) {
    let _ = writeln!(w, "## Rejected records\n");
    if r.rejects.total == 0 {
        let _ = writeln!(w, "None.");
        return;
    }
    let by_kind = r
        .rejects
        .by_kind
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        w,
        "{} records could not be accepted ({by_kind}). Each is in the ledger with its reason; the first {}:\n",
        r.rejects.total,
        r.rejects.examples.len()
    );
    for reject in &r.rejects.examples {
        let _ = writeln!(w, "- {}", escape_cell(&reject.to_string()));
    }
}

fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `1536` → `1.5 KiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn bytes_are_human() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(12 * 1024 * 1024), "12.0 MiB");
    }
}
