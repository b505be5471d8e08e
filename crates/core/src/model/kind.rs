use serde::{Deserialize, Serialize};
use std::fmt;

/// The kinds of record deskshift counts, reconciles and keys the ledger by.
///
/// The snake_case names are a public contract: they are the keys of the summary
/// JSON (`objects.tickets`, …) and of the ledger's `kind` columns. Add new kinds
/// at the end; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Departments,
    Users,
    Customers,
    Tags,
    CustomFields,
    CustomObjects,
    Tickets,
    Messages,
    Attachments,
    StatusEvents,
    Reminders,
    Notifications,
    SlaRecords,
    CustomObjectRecords,
    Automations,
    ChannelIntegrations,
    Portal,
}

impl ObjectKind {
    /// Every kind, in the order the source is read (parents before children).
    pub const ALL: [ObjectKind; 17] = [
        ObjectKind::Departments,
        ObjectKind::Users,
        ObjectKind::Customers,
        ObjectKind::Tags,
        ObjectKind::CustomFields,
        ObjectKind::CustomObjects,
        ObjectKind::Tickets,
        ObjectKind::Messages,
        ObjectKind::Attachments,
        ObjectKind::StatusEvents,
        ObjectKind::Reminders,
        ObjectKind::Notifications,
        ObjectKind::SlaRecords,
        ObjectKind::CustomObjectRecords,
        ObjectKind::Automations,
        ObjectKind::ChannelIntegrations,
        ObjectKind::Portal,
    ];

    /// The contract name, e.g. `custom_object_records`.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Departments => "departments",
            ObjectKind::Users => "users",
            ObjectKind::Customers => "customers",
            ObjectKind::Tags => "tags",
            ObjectKind::CustomFields => "custom_fields",
            ObjectKind::CustomObjects => "custom_objects",
            ObjectKind::Tickets => "tickets",
            ObjectKind::Messages => "messages",
            ObjectKind::Attachments => "attachments",
            ObjectKind::StatusEvents => "status_events",
            ObjectKind::Reminders => "reminders",
            ObjectKind::Notifications => "notifications",
            ObjectKind::SlaRecords => "sla_records",
            ObjectKind::CustomObjectRecords => "custom_object_records",
            ObjectKind::Automations => "automations",
            ObjectKind::ChannelIntegrations => "channel_integrations",
            ObjectKind::Portal => "portal",
        }
    }

    /// Parses a contract name; the inverse of [`ObjectKind::as_str`].
    pub fn parse(name: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for kind in ObjectKind::ALL {
            assert_eq!(ObjectKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert_eq!(ObjectKind::parse("labels"), None);
    }
}
