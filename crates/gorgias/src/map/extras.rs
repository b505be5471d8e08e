//! Reminders, notifications and SLA data → ticket custom fields and note
//! lines (lossy, as the seed says). Gorgias has no reminder or SLA object,
//! so deskshift creates three ticket fields of its own in `prepare`:
//!
//! | field (`external_id`) | value |
//! |---|---|
//! | `deskshift:reminder_date` (text) | the next open reminder, ISO 8601 |
//! | `deskshift:sla_deadline` (text) | the SLA resolution (else first-response) due date |
//! | `deskshift:sla_breached` (boolean) | whether the SLA was breached |
//!
//! Every reminder, the SLA policy and every notification trigger are also
//! listed in the ticket's migration note; notification triggers cannot
//! migrate (they are automations) and appear in the automation inventory.

use super::fields::GorgiasField;
use super::time;
use deskshift_core::model::{Notification, Reminder, Sla};
use serde_json::{json, Value};

/// One of deskshift's own ticket fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtraField {
    ReminderDate,
    SlaDeadline,
    SlaBreached,
}

impl ExtraField {
    pub const ALL: [ExtraField; 3] = [
        ExtraField::ReminderDate,
        ExtraField::SlaDeadline,
        ExtraField::SlaBreached,
    ];

    /// The field's `external_id` in Gorgias, and its id in the ledger.
    pub fn external_id(self) -> &'static str {
        match self {
            ExtraField::ReminderDate => "deskshift:reminder_date",
            ExtraField::SlaDeadline => "deskshift:sla_deadline",
            ExtraField::SlaBreached => "deskshift:sla_breached",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ExtraField::ReminderDate => "Reminder date (Stames)",
            ExtraField::SlaDeadline => "SLA deadline (Stames)",
            ExtraField::SlaBreached => "SLA breached (Stames)",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            ExtraField::ReminderDate => {
                "The next open Stames reminder (ISO 8601). Gorgias has no reminders: review and \
                 recreate follow-ups by hand."
            }
            ExtraField::SlaDeadline => {
                "The Stames SLA resolution (else first-response) deadline, ISO 8601. Not enforced \
                 by Gorgias."
            }
            ExtraField::SlaBreached => "Whether the Stames SLA was breached.",
        }
    }

    pub fn target(self) -> GorgiasField {
        match self {
            ExtraField::ReminderDate | ExtraField::SlaDeadline => GorgiasField::Text,
            ExtraField::SlaBreached => GorgiasField::Boolean,
        }
    }

    /// This field's value for a ticket, if it has one.
    pub fn value(self, reminders: &[Reminder], sla: Option<&Sla>) -> Option<Value> {
        match self {
            ExtraField::ReminderDate => reminders
                .iter()
                .filter(|r| !r.completed)
                .map(|r| r.remind_at)
                .min()
                .map(|at| json!(time::format(at))),
            ExtraField::SlaDeadline => sla
                .and_then(|s| s.resolution_due_at.or(s.first_response_due_at))
                .map(|at| json!(time::format(at))),
            ExtraField::SlaBreached => sla.map(|s| json!(s.breached)),
        }
    }
}

/// Note lines for reminders, the SLA and notification triggers.
pub fn lines(
    reminders: &[Reminder],
    sla: Option<&Sla>,
    notifications: &[Notification],
) -> Vec<String> {
    let mut lines = Vec::new();
    for r in reminders {
        lines.push(format!(
            "Reminder {} at {}{}{}",
            r.id,
            time::format(r.remind_at),
            if r.completed { " (done)" } else { "" },
            r.note
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        ));
    }
    if let Some(sla) = sla {
        let due = |at: Option<deskshift_core::model::Timestamp>| {
            at.map_or_else(|| "—".to_string(), time::format)
        };
        lines.push(format!(
            "SLA policy `{}`: first response due {}, resolution due {}, first response {}{}",
            sla.policy,
            due(sla.first_response_due_at),
            due(sla.resolution_due_at),
            due(sla.first_responded_at),
            if sla.breached { ", BREACHED" } else { "" }
        ));
    }
    for n in notifications {
        lines.push(format!(
            "Notification trigger (not migrated; rebuild as a Gorgias rule if needed): {} on \
             `{}` to {}{}",
            n.medium,
            n.event,
            n.recipient,
            if n.enabled { "" } else { " (disabled)" }
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn reminder(id: &str, day: u32, completed: bool) -> Reminder {
        Reminder {
            id: id.into(),
            remind_at: Utc.with_ymd_and_hms(2024, 3, day, 9, 0, 0).unwrap(),
            note: Some("call back".into()),
            agent_id: None,
            completed,
        }
    }

    #[test]
    fn the_next_open_reminder_is_the_field_value() {
        let reminders = [
            reminder("1", 3, true),
            reminder("2", 9, false),
            reminder("3", 5, false),
        ];
        assert_eq!(
            ExtraField::ReminderDate.value(&reminders, None),
            Some(json!("2024-03-05T09:00:00Z"))
        );
        assert_eq!(ExtraField::ReminderDate.value(&reminders[..1], None), None);
    }

    #[test]
    fn sla_fields_and_lines() {
        let sla = Sla {
            policy: "Gold".into(),
            first_response_due_at: Some(Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap()),
            resolution_due_at: None,
            first_responded_at: None,
            breached: true,
        };
        assert_eq!(
            ExtraField::SlaDeadline.value(&[], Some(&sla)),
            Some(json!("2024-03-01T00:00:00Z"))
        );
        assert_eq!(
            ExtraField::SlaBreached.value(&[], Some(&sla)),
            Some(json!(true))
        );
        assert_eq!(ExtraField::SlaBreached.value(&[], None), None);
        let notification = Notification {
            id: "n".into(),
            medium: "sms".into(),
            event: "ticket_reopened".into(),
            recipient: "+100".into(),
            enabled: true,
        };
        let lines = lines(&[reminder("1", 3, true)], Some(&sla), &[notification]);
        assert_eq!(lines.len(), 3);
        assert!(lines[0].contains("(done): call back"));
        assert!(lines[1].contains("BREACHED"));
        assert!(lines[2].contains("not migrated"));
    }
}
