//! The standard Salesforce map of DESIGN.md §4, as small pure units: each
//! module makes one decision, says why in its docs, and is tested alone
//! (Zammad's importer style, like `deskshift-gorgias`'s `map`). Nothing here
//! calls the network or the ledger: the writer resolves Salesforce ids first
//! and hands them in, and `verify` can run the very same functions to know
//! what the org must hold.
//!
//! Output records are [`Record`]s — `serde_json::Map`s keyed by real
//! Salesforce field API names, ready for REST, Composite or (flattened) Bulk
//! API 2.0 CSV — plus [`Repair`]s: notes of what was changed so Salesforce
//! accepts the record. No function here panics, whatever the input.
//!
//! | unit | decision |
//! |---|---|
//! | [`naming`] | a safe, unique API name from a free-text label |
//! | [`schema`] | the custom fields and objects the org needs, as data |
//! | [`values`] | status, priority, origin and role value maps |
//! | [`field_values`] | a Stames custom-field value → a Salesforce field value |
//! | [`users`] | Stames agents ↔ org users; owners and fallbacks |
//! | [`customer`] | Stames customer → Account + Contact |
//! | [`case`] | Stames ticket → Case |
//! | [`message`] | public message → EmailMessage; private note → CaseComment(s) |
//! | [`attachment`] | attachment → ContentVersion (+ ContentDocumentLink) |
//! | [`tags`] | tags → multi-select values or Topic + TopicAssignment |
//! | [`history`] | status history → `Stames_Status_Event__c` records |
//! | [`objects`] | custom-object records → custom-object records with lookups |
//! | [`validate`] | a mapped record against the org's describe, before any call |

pub mod attachment;
pub mod case;
pub mod customer;
pub mod field_values;
pub mod history;
pub mod message;
pub mod naming;
pub mod objects;
pub mod schema;
pub mod tags;
pub mod text;
pub mod users;
pub mod validate;
pub mod values;

pub use deskshift_core::mapping::Mapped;
use serde::{Deserialize, Serialize};

/// A Salesforce record as the REST API takes it: field API name → value.
pub type Record = serde_json::Map<String, serde_json::Value>;

/// A Salesforce record id (15 or 18 characters), as the writer resolved it.
pub type SfId = String;

/// A change the map made so Salesforce accepts a record, kept in the ledger
/// with the record so nothing changes silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repair {
    /// The Stames field repaired (e.g. `subject`) or the Salesforce field
    /// (e.g. `Case.Subject`) when the repair came from validation.
    pub field: String,
    /// What was done, in words an operator can act on.
    pub detail: String,
}

impl Repair {
    pub fn new(field: impl Into<String>, detail: impl Into<String>) -> Repair {
        Repair {
            field: field.into(),
            detail: detail.into(),
        }
    }
}

/// Why a record cannot be written, naming the record, the field, the reason
/// and what an operator can do about it (invariant 1: every reject is
/// actionable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    /// e.g. `Case for Stames ticket 1042`.
    pub record: String,
    /// The Salesforce field at fault, when one is (`Case.Status`).
    pub field: Option<String>,
    pub reason: String,
    pub action: String,
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.record)?;
        if let Some(field) = &self.field {
            write!(f, ", field {field}")?;
        }
        write!(f, ": {}. To fix: {}", self.reason, self.action)
    }
}

/// What the org allows, read by the writer from the org (permissions and
/// describe) before mapping. Every flag changes where a value lands, never
/// whether it is kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgCapabilities {
    /// "Set Audit Fields upon Record Creation" is on and granted to the
    /// migration user: `CreatedDate` (and `CreatedById`) can be set on
    /// insert. Otherwise the original time goes to `Stames_Created_Date__c`.
    pub audit_fields: bool,
    /// `Case.ClosedDate` is createable in this org (describe says so; in
    /// practice only together with audit fields). Otherwise the original
    /// close time goes to `Stames_Closed_Date__c`.
    pub closed_date_createable: bool,
    /// Person Accounts are enabled: a customer without a company becomes a
    /// Person Account instead of an individual business Account + Contact.
    pub person_accounts: bool,
    /// "Update Records with Inactive Owners" is granted: a Case may be owned
    /// by an inactive user (a departed agent who still has a user).
    pub inactive_owners: bool,
}

/// A field map holding the standard value maps for every value the
/// standard units know: what unit tests map through.
#[cfg(test)]
pub(crate) fn standard_map() -> deskshift_core::mapping::FieldMap {
    use deskshift_core::mapping::{value_map, FieldMap, SourceEnumeration as E};
    use deskshift_core::model::Channel;
    let standard = |values: &[&str], unit: fn(&str) -> Mapped<values::WantedValue>| {
        value_map(values.iter().map(|v| (v.to_string(), unit(v).value.value)))
    };
    let mut map = FieldMap::unmapped("salesforce");
    let statuses = ["new", "open", "pending", "on_hold", "solved", "closed"];
    map.value_maps.insert(
        E::TicketStatus.name().into(),
        standard(&statuses, values::status),
    );
    let priorities = ["urgent", "high", "normal", "low"];
    map.value_maps.insert(
        E::TicketPriority.name().into(),
        standard(&priorities, values::priority),
    );
    let roles = ["owner", "admin", "agent", "light_agent"];
    map.value_maps.insert(
        E::AgentRole.name().into(),
        value_map(roles.map(|r| (r, values::suggested_profile(r).value))),
    );
    map.value_maps.insert(
        E::Channel.name().into(),
        value_map(
            Channel::KNOWN
                .iter()
                .map(|c| (c.label(), values::origin(c).value.value)),
        ),
    );
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_read_as_one_actionable_sentence() {
        let reject = Reject {
            record: "Case for Stames ticket 7".into(),
            field: Some("Case.Status".into()),
            reason: "`Pending` is not a value of the restricted picklist".into(),
            action: "run `deskshift prepare` to add it".into(),
        };
        assert_eq!(
            reject.to_string(),
            "Case for Stames ticket 7, field Case.Status: `Pending` is not a value of the \
             restricted picklist. To fix: run `deskshift prepare` to add it"
        );
    }
}
