//! Ticket status history → `Stames_Status_Event__c` records.
//!
//! CaseHistory is read-only (the API offers describe, query and retrieve,
//! no create), and the seed's "CaseHistory CreatedDate" cannot be written.
//! Each Stames transition becomes one record of deskshift's own object, the
//! detail of a Master-Detail to its Case (deleted with it on rollback):
//! from, to, when, and who (`Name <email>`, plus a lookup to the agent's
//! user when matched). The Stames values are kept exactly as Stames spells
//! them (`on_hold`), not their Case Status values.
//!
//! Stames events have no id: the key is `<ticket id>:<position>`, the
//! position in the ticket's history as Stames lists it (oldest first). A
//! later run sees the same events at the same positions plus new ones at
//! the end, so the key is stable across delta runs.

use super::schema;
use super::text::{datetime, truncate_chars};
use super::users::UserDirectory;
use super::{OrgCapabilities, Record, SfId};
use deskshift_core::model::StatusEvent;
use serde_json::json;

/// The external id of the event at `position` (0-based) of a ticket.
pub fn event_key(ticket_id: &str, position: usize) -> String {
    super::customer::bounded_key(&format!("{ticket_id}:{position}"))
}

/// One record per event, in the given (Stames) order.
pub fn records(
    ticket_id: &str,
    events: &[StatusEvent],
    case_id: &SfId,
    users: &UserDirectory,
    caps: &OrgCapabilities,
) -> Vec<Record> {
    events
        .iter()
        .enumerate()
        .map(|(position, event)| {
            let mut record = Record::new();
            record.insert(
                schema::EVENT_ID.into(),
                json!(event_key(ticket_id, position)),
            );
            record.insert(schema::EVENT_CASE.into(), json!(case_id));
            if let Some(from) = event.from.as_deref().filter(|f| !f.trim().is_empty()) {
                record.insert(schema::EVENT_FROM.into(), json!(truncate_chars(from, 255)));
            }
            record.insert(
                schema::EVENT_TO.into(),
                json!(truncate_chars(&event.to, 255)),
            );
            record.insert(schema::EVENT_AT.into(), json!(datetime(event.changed_at)));
            if let Some(agent) = &event.changed_by {
                record.insert(
                    schema::EVENT_BY.into(),
                    json!(truncate_chars(&users.display(agent), 255)),
                );
                if let Some(user) = users.user_of(agent, caps) {
                    record.insert(schema::EVENT_BY_USER.into(), json!(user));
                }
            }
            if caps.audit_fields {
                record.insert("CreatedDate".into(), json!(datetime(event.changed_at)));
            }
            record
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::users::{AgentMatch, UserMatch};
    use chrono::{TimeZone, Utc};

    fn event(from: Option<&str>, to: &str, by: Option<&str>) -> StatusEvent {
        StatusEvent {
            ticket_id: "100".into(),
            from: from.map(String::from),
            to: to.into(),
            changed_at: Utc.with_ymd_and_hms(2024, 3, 5, 14, 22, 11).unwrap(),
            changed_by: by.map(String::from),
        }
    }

    #[test]
    fn each_transition_is_one_keyed_record_on_its_case() {
        let users = UserDirectory::new(
            vec![AgentMatch {
                agent_id: "a1".into(),
                name: "Ana".into(),
                email: "ana@x.io".into(),
                departed: true,
                user: UserMatch::Inactive("005I".into()),
                suggested_profile: "Standard User".into(),
                note: None,
            }],
            None,
        );
        let events = [
            event(None, "new", None),
            event(Some("new"), "on_hold", Some("a1")),
        ];
        let caps = OrgCapabilities::default();
        let records = records("100", &events, &"500X".to_string(), &users, &caps);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0][schema::EVENT_ID], "100:0");
        assert!(!records[0].contains_key(schema::EVENT_FROM));
        assert!(!records[0].contains_key(schema::EVENT_BY));
        let second = &records[1];
        assert_eq!(second[schema::EVENT_CASE], "500X");
        assert_eq!(second[schema::EVENT_TO], "on_hold");
        assert_eq!(second[schema::EVENT_AT], "2024-03-05T14:22:11.000Z");
        assert_eq!(second[schema::EVENT_BY], "Ana <ana@x.io>");
        assert!(!second.contains_key(schema::EVENT_BY_USER));
        let caps = OrgCapabilities {
            inactive_owners: true,
            audit_fields: true,
            ..caps
        };
        let records = super::records("100", &events, &"500X".to_string(), &users, &caps);
        assert_eq!(records[1][schema::EVENT_BY_USER], "005I");
        assert_eq!(records[1]["CreatedDate"], "2024-03-05T14:22:11.000Z");
    }
}
