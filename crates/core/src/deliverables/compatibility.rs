//! How each of the twelve Stames objects lands in the destination: the
//! truthful version of the seed pages' tables (DESIGN.md §4,
//! `docs/mapping-gorgias.md` "The twelve rows", `docs/deviations.md`).

use super::Target;
use crate::discover::ScopeReport;
use crate::model::ObjectKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Landing {
    OneToOne,
    OneToMany,
    Lossy,
    NotMigrated,
}

impl Landing {
    pub fn label(self) -> &'static str {
        match self {
            Landing::OneToOne => "1:1",
            Landing::OneToMany => "1:many",
            Landing::Lossy => "lossy",
            Landing::NotMigrated => "not migrated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompatibilityRow {
    pub stames: String,
    pub destination: String,
    pub landing: Landing,
    pub reason: String,
    /// The object kinds the row covers (empty for channel attribution, a
    /// property of messages).
    pub kinds: Vec<ObjectKind>,
    /// Records of those kinds in this workspace.
    pub records: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Compatibility {
    pub rows: Vec<CompatibilityRow>,
    pub one_to_one: usize,
    /// "N of 12 objects map 1:1".
    pub headline: String,
}

type Row = (
    &'static str,
    &'static str,
    Landing,
    &'static str,
    &'static [ObjectKind],
);

use Landing::*;
use ObjectKind as K;

const GORGIAS: [Row; 12] = [
    ("User / Agent", "User", OneToOne, "matched by e-mail, never created by default; unmatched agents go to the reconciliation queue (G2, G3)", &[K::Users]),
    ("Customer", "Customer", Lossy, "company, custom-field values and custom-object records become sidebar data; duplicates by e-mail merged (G7, G16)", &[K::Customers]),
    ("Ticket", "Ticket", OneToOne, "status folded to open/closed with the Stames status in the migration note; external_id = Stames id", &[K::Tickets]),
    ("Conversation", "Message", OneToOne, "499 inline in the ticket create, the rest one by one; sent_datetime always set (G10)", &[K::Messages]),
    ("Channel attribution", "message channel / via / source.type", OneToOne, "each Stames channel has a documented enum value (G11)", &[]),
    ("Tag / Label", "Tag", OneToOne, "tags, not labels; normalised, spellings merged, attached inline (G1)", &[K::Tags]),
    ("Attachment", "Uploaded file on the message", OneToOne, "streamed and uploaded; files behind authentication must be re-hosted (G12)", &[K::Attachments]),
    ("Reminder / notification / SLA", "Ticket custom fields + migration note", Lossy, "Gorgias enforces none of them; notification triggers go to the automation inventory (G5)", &[K::Reminders, K::Notifications, K::SlaRecords]),
    ("Ticket status history", "Migration note", Lossy, "no history API: one internal note lists every transition (G4)", &[K::StatusEvents]),
    ("Custom field", "Custom field (external_id)", Lossy, "no date or multi-select type: both become text; customer fields become sidebar data (G6, G7)", &[K::CustomFields]),
    ("Custom object", "Customer sidebar data", Lossy, "no custom objects: records kept on their customer, not queryable (G13)", &[K::CustomObjects, K::CustomObjectRecords]),
    ("Automations, portal, channel credentials", "Rules, Help Center, integrations (rebuilt by hand)", NotMigrated, "not reachable or not portable; see the automation inventory and checklists", &[K::Automations, K::Portal, K::ChannelIntegrations, K::Departments]),
];

const SALESFORCE: [Row; 12] = [
    ("User / Agent", "User", OneToOne, "matched by e-mail, never created by default; unmatched agents go to the reconciliation queue or a fallback owner", &[K::Users]),
    ("Customer", "Account + Contact", OneToMany, "company → Account (deduplicated), else an individual Account; Contact.AccountId resolved before insert", &[K::Customers]),
    ("Ticket", "Case", OneToOne, "picklists extended for Stames values; CreatedDate via audit fields on insert where permitted", &[K::Tickets]),
    ("Conversation", "EmailMessage + CaseComment", OneToMany, "public messages → EmailMessage (Status Sent), private notes → CaseComment", &[K::Messages]),
    ("Channel attribution", "Stames_Channel_Source__c on Case and EmailMessage", Lossy, "no native object for Facebook, Instagram or WhatsApp history: kept as a custom field", &[]),
    ("Tag / Label", "Multi-select picklist or Topics", Lossy, "≤ 500 distinct values fit a picklist; more become Topics", &[K::Tags]),
    ("Attachment", "ContentVersion linked to the Case", OneToOne, "one Salesforce File per attachment; files behind authentication must be re-hosted", &[K::Attachments]),
    ("Reminder / notification / SLA", "Case custom fields", Lossy, "values kept, not enforced; rebuild with Entitlements, Flow or escalation rules", &[K::Reminders, K::Notifications, K::SlaRecords]),
    ("Ticket status history", "Custom object Stames_Status_Event__c", Lossy, "CaseHistory is read-only", &[K::StatusEvents]),
    ("Custom field", "Custom field (Tooling API)", OneToOne, "each Stames type has a close Salesforce type (Text, Number, Date, Checkbox, Picklist, Multi-Select)", &[K::CustomFields]),
    ("Custom object", "Custom object with lookups", OneToOne, "loaded after its parents", &[K::CustomObjects, K::CustomObjectRecords]),
    ("Automations, portal, channel credentials", "Flow, Experience Cloud, channels (rebuilt by hand)", NotMigrated, "not reachable or not portable; see the automation inventory and checklists", &[K::Automations, K::Portal, K::ChannelIntegrations, K::Departments]),
];

/// The compatibility table for `target`, with this workspace's record counts.
pub fn assess(target: Target, scope: &ScopeReport) -> Compatibility {
    let table = match target {
        Target::Gorgias => &GORGIAS,
        Target::Salesforce => &SALESFORCE,
    };
    let rows: Vec<CompatibilityRow> = table
        .iter()
        .map(
            |&(stames, destination, landing, reason, kinds)| CompatibilityRow {
                stames: stames.into(),
                destination: destination.into(),
                landing,
                reason: reason.into(),
                kinds: kinds.to_vec(),
                records: kinds
                    .iter()
                    .filter_map(|k| scope.counts.get(k))
                    .map(|c| c.read)
                    .sum(),
            },
        )
        .collect();
    let one_to_one = rows.iter().filter(|r| r.landing == OneToOne).count();
    Compatibility {
        headline: format!(
            "{one_to_one} of {} objects map 1:1 between Stames and {}.",
            rows.len(),
            target.label()
        ),
        one_to_one,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliverables::fixture;

    #[test]
    fn twelve_rows_per_destination_and_every_kind_covered_once() {
        for target in [Target::Gorgias, Target::Salesforce] {
            let c = assess(target, &fixture::scope());
            assert_eq!(c.rows.len(), 12);
            for kind in ObjectKind::ALL {
                let rows = c.rows.iter().filter(|r| r.kinds.contains(&kind)).count();
                assert_eq!(rows, 1, "{kind} in {target}");
            }
        }
    }

    #[test]
    fn headline_counts_the_one_to_one_rows() {
        let g = assess(Target::Gorgias, &fixture::scope());
        assert_eq!(g.one_to_one, 6);
        assert!(g.headline.starts_with("6 of 12 objects map 1:1"));
        let s = assess(Target::Salesforce, &fixture::scope());
        assert_eq!(s.one_to_one, 5);
        let customer = &s.rows[1];
        assert_eq!(customer.landing, Landing::OneToMany);
        assert_eq!(customer.records, 4);
    }
}
