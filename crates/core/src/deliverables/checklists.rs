//! Checklists for the work a person does by hand: the self-service portal,
//! channel reconnection (names and kinds only; Stames never exposes the
//! credentials and deskshift never holds them) and the agent
//! reconciliation queue.

use super::Target;
use crate::destination::notes::Note;
use crate::discover::ScopeReport;
use crate::model::ObjectKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub item: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentToReconcile {
    pub id: String,
    pub name: String,
    pub email: String,
    pub departed: bool,
    pub assigned_tickets: u64,
    /// Where their tickets went (after a migration) or will go.
    pub tickets_went_to: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentQueue {
    /// `ledger` after a migration, `discovery` before one.
    pub basis: String,
    pub note: String,
    pub agents: Vec<AgentToReconcile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checklists {
    pub portal: Vec<ChecklistItem>,
    pub channels: Vec<ChecklistItem>,
    pub agents: AgentQueue,
}

pub fn checklists(
    target: Target,
    scope: &ScopeReport,
    skipped_agents: Option<&[Note]>,
) -> Checklists {
    Checklists {
        portal: portal(target, scope),
        channels: channels(target, scope),
        agents: agents(target, scope, skipped_agents),
    }
}

fn item(item: impl Into<String>, detail: impl Into<String>) -> ChecklistItem {
    ChecklistItem {
        item: item.into(),
        detail: detail.into(),
    }
}

fn portal(target: Target, scope: &ScopeReport) -> Vec<ChecklistItem> {
    let portal = &scope.workspace.portal;
    if !portal.enabled {
        return vec![item(
            "No self-service portal",
            "The Stames portal is disabled; nothing to recreate.",
        )];
    }
    let url = portal.url.as_deref().unwrap_or("(no URL given)");
    let (product, steps): (&str, &[(&str, &str)]) = match target {
        Target::Gorgias => (
            "Gorgias Help Center",
            &[
                ("Create the Help Center", "Settings → Help Center: one per brand or language the Stames portal served."),
                ("Rebuild the articles", "Copy the portal's content by hand; the Stames API exposes none of it."),
                ("Recreate the contact form", "Its submissions become Gorgias tickets (channel contact_form)."),
                ("Access and branding", "Logo, colours, custom domain; restrict access if the Stames portal required sign-in."),
                ("Redirect the old URL", "Point the Stames portal address at the Help Center once it is live."),
            ],
        ),
        Target::Salesforce => (
            "Salesforce Experience Cloud",
            &[
                ("Create an Experience Cloud site", "Customer Service template; licences for portal users if they must sign in."),
                ("Rebuild knowledge", "Salesforce Knowledge articles for the portal's content (not reachable through the Stames API)."),
                ("Recreate the forms", "Web-to-Case or a Case form component, with the Stames form's fields."),
                ("Access and sharing", "Guest or authenticated access, sharing sets for Contacts, branding and domain."),
                ("Redirect the old URL", "Point the Stames portal address at the site once it is live."),
            ],
        ),
    };
    let mut items = vec![item(
        format!("Recreate the portal at {url} as a {product}"),
        "Forms, access rules and content are not exposed by the Stames API: inspect the live \
         portal and note every form field, page and access rule first.",
    )];
    items.extend(steps.iter().map(|(i, d)| item(*i, *d)));
    items
}

fn channels(target: Target, scope: &ScopeReport) -> Vec<ChecklistItem> {
    let destination = target.label();
    scope
        .channels
        .iter()
        .filter(|c| c.needs_manual_reconnection)
        .map(|c| {
            let connections = if c.integrations.is_empty() {
                "no integration listed in Stames".to_string()
            } else {
                c.integrations
                    .iter()
                    .map(|i| {
                        let state = if i.connected { "connected" } else { "disconnected" };
                        format!("{} ({state})", i.name)
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            item(
                format!("Reconnect {} in {destination}", c.channel),
                format!(
                    "{} tickets, {} messages. Stames connections: {connections}. The platform \
                     credentials are not exported: sign in to the platform again from {destination}.",
                    c.tickets, c.messages
                ),
            )
        })
        .collect()
}

fn agents(target: Target, scope: &ScopeReport, skipped: Option<&[Note]>) -> AgentQueue {
    let roster = &scope.agents.roster;
    match skipped {
        Some(notes) => {
            let agents = notes
                .iter()
                .filter(|n| n.kind == ObjectKind::Users)
                .map(|n| {
                    let known = roster.iter().find(|a| a.id == n.source_id);
                    AgentToReconcile {
                        id: n.source_id.clone(),
                        name: known.map_or_else(String::new, |a| a.name.clone()),
                        email: known.map_or_else(String::new, |a| a.email.clone()),
                        departed: known.is_some_and(|a| a.departed),
                        assigned_tickets: known.map_or(0, |a| a.assigned_tickets),
                        // The writer's own words: it knows where it put them.
                        tickets_went_to: n
                            .text
                            .strip_prefix(QUEUE_PREFIX)
                            .unwrap_or(&n.text)
                            .to_string(),
                    }
                })
                .collect();
            AgentQueue {
                basis: "ledger".into(),
                note: format!(
                    "Agents the migration found no {} user for, as the ledger recorded them; \
                     provision them (or keep the stand-in) and run `deskshift migrate` again.",
                    target.label()
                ),
                agents,
            }
        }
        None => {
            let stand_in = match target {
                Target::Gorgias => {
                    "left unassigned (or given to a configured fallback user), with the true \
                     author in each ticket's migration note"
                }
                Target::Salesforce => {
                    "owned by the migration user (or a configured fallback owner), with the \
                     Stames assignee kept in Stames_Assignee__c"
                }
            };
            let mut agents: Vec<AgentToReconcile> = roster
                .iter()
                .map(|a| AgentToReconcile {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    email: a.email.clone(),
                    departed: a.departed,
                    assigned_tickets: a.assigned_tickets,
                    tickets_went_to: format!("their user if one has {}; else {stand_in}", a.email),
                })
                .collect();
            agents.sort_by_key(|a| !a.departed);
            AgentQueue {
                basis: "discovery".into(),
                note: format!(
                    "No migration has run yet. Agents are matched to {} users by e-mail at \
                     migration; every agent below without a user of the same address goes to \
                     this queue. Departed agents are listed first.",
                    target.label()
                ),
                agents,
            }
        }
    }
}

/// How the writers' skip notes for agents begin.
const QUEUE_PREFIX: &str = "reconciliation queue: ";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliverables::fixture;

    #[test]
    fn portal_checklist_names_the_destination_product() {
        let g = checklists(Target::Gorgias, &fixture::scope(), None);
        assert!(g.portal[0].item.contains("Gorgias Help Center"));
        assert!(g.portal[0].item.contains("https://help.acme.example"));
        let s = checklists(Target::Salesforce, &fixture::scope(), None);
        assert!(s.portal[0].item.contains("Experience Cloud"));
    }

    #[test]
    fn only_channels_needing_reconnection_are_listed_with_their_connections() {
        let c = checklists(Target::Gorgias, &fixture::scope(), None);
        assert_eq!(c.channels.len(), 1);
        assert!(c.channels[0]
            .detail
            .contains("support@acme.example (connected)"));
    }

    #[test]
    fn before_a_migration_every_agent_is_listed_departed_first() {
        let q = checklists(Target::Gorgias, &fixture::scope(), None).agents;
        assert_eq!(q.basis, "discovery");
        assert_eq!(q.agents.len(), 3);
        assert!(q.agents[0].departed);
        assert!(q.note.contains("e-mail"));
    }

    #[test]
    fn after_a_migration_the_ledger_skips_are_the_queue() {
        let notes = vec![
            Note {
                kind: ObjectKind::Users,
                source_id: "a3".into(),
                text: "reconciliation queue: no Gorgias user has a3@example.com; their tickets \
                       are left unassigned"
                    .into(),
            },
            Note {
                kind: ObjectKind::Notifications,
                source_id: "t1".into(),
                text: "not an agent".into(),
            },
        ];
        let q = checklists(Target::Gorgias, &fixture::scope(), Some(&notes)).agents;
        assert_eq!(q.basis, "ledger");
        assert_eq!(q.agents.len(), 1);
        assert_eq!(
            (q.agents[0].name.as_str(), q.agents[0].assigned_tickets),
            ("Departed Dan", 2)
        );
        assert!(q.agents[0]
            .tickets_went_to
            .starts_with("no Gorgias user has a3@example.com"));
    }
}
