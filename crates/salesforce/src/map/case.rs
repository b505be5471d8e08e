//! A Stames ticket → one Case.
//!
//! | Case field | from | transform |
//! |---|---|---|
//! | `Stames_Ticket_Id__c` | id | the idempotency key |
//! | `Subject` | subject | trimmed; over 255 characters cut to 254 + `…`, the full subject at the top of `Description` (and in every EmailMessage `Subject`, which holds 3,000) |
//! | `Description` | the first public message | its text, ≤ 32,000 characters (cut with a notice) |
//! | `Status`, `Priority`, `Origin` | status, priority, channel | the org-resolved value maps ([`super::values`]) |
//! | `OwnerId` | assignee | the agent's user; else the fallback owner; else left to Salesforce (the migration user), noted |
//! | `Stames_Assignee__c` | assignee | `Name <email>`, whoever owns the Case |
//! | `ContactId`, `AccountId` | customer | resolved by the writer; a ticket whose customer has no Contact is rejected |
//! | `CreatedDate` / `Stames_Created_Date__c` | created_at | audit field when permitted, else the custom field |
//! | `ClosedDate` / `Stames_Closed_Date__c` | closed_at (else updated_at) | only for closed statuses; `ClosedDate` only where createable |
//! | reminder and SLA fields | reminders, sla, notifications | see [`super::schema`] |
//! | `Stames_Tags__c` or Topics | tags | by the plan's tag strategy |
//! | custom fields | custom field values | [`super::field_values`] |
//! | `Stames_Channel_Source__c` | channel | the channel's label |

use super::field_values;
use super::schema::{self, SchemaPlan};
use super::tags::{self, TagStrategy};
use super::text::{datetime, human_time, non_blank, truncate_chars, truncate_with_marker};
use super::users::UserDirectory;
use super::values::{self, ValueMap};
use super::{OrgCapabilities, Record, Reject, Repair, SfId};
use deskshift_core::mapping::apply::FIX_THE_MAP;
use deskshift_core::mapping::{FieldMap, SourceEnumeration};
use deskshift_core::model::{Message, Notification, Reminder, Sla, TicketThread, Visibility};
use serde_json::json;

pub const MAX_SUBJECT_LEN: usize = 255;
pub const MAX_DESCRIPTION_LEN: usize = 32_000;
pub const MAX_LONG_FIELD_LEN: usize = schema::LONG_TEXT_LEN as usize;

/// Everything resolved beforehand that the map needs.
#[derive(Debug, Clone, Copy)]
pub struct CaseContext<'a> {
    /// The Contact of the ticket's customer (for a Person Account, its
    /// `PersonContactId`); `None` rejects the ticket.
    pub contact_id: Option<&'a SfId>,
    pub account_id: Option<&'a SfId>,
    pub users: &'a UserDirectory,
    pub schema: &'a SchemaPlan,
    /// The confirmed field map: what every Stames status, priority and
    /// channel becomes ([`values::confirmed`]).
    pub map: &'a FieldMap,
    /// The confirmed values resolved against the org by
    /// [`values::resolve`] (the org's spelling); a value missing here is
    /// written as the confirmed map spells it.
    pub statuses: &'a ValueMap,
    pub priorities: &'a ValueMap,
    /// Keyed by the channel's label (`WhatsApp`).
    pub origins: &'a ValueMap,
    pub caps: &'a OrgCapabilities,
}

/// What one ticket becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct CasePlan {
    pub record: Record,
    /// Topic names to assign after the insert (the Topics tag strategy).
    pub topics: Vec<String>,
    pub repairs: Vec<Repair>,
}

pub fn plan(thread: &TicketThread, ctx: &CaseContext<'_>) -> Result<CasePlan, Reject> {
    let t = &thread.ticket;
    let Some(contact_id) = ctx.contact_id else {
        return Err(Reject {
            record: format!("Case for Stames ticket {}", t.id),
            field: Some("Case.ContactId".into()),
            reason: format!(
                "its customer {} has no Contact in Salesforce",
                t.customer_id
            ),
            action: "fix that customer's reject (see its reason) and run migrate again".into(),
        });
    };
    let mut repairs = Vec::new();
    let mut record = Record::new();
    record.insert(
        schema::TICKET_ID.into(),
        json!(super::customer::bounded_key(&t.id)),
    );
    record.insert("ContactId".into(), json!(contact_id));
    if let Some(account) = ctx.account_id {
        record.insert("AccountId".into(), json!(account));
    }

    let mut description_head = String::new();
    let subject = t.subject.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(cut) = truncate_with_marker(&subject, MAX_SUBJECT_LEN, "…") {
        repairs.push(Repair::new(
            "subject",
            format!(
                "longer than {MAX_SUBJECT_LEN} characters; cut, the full subject is at the top of \
                 the Description"
            ),
        ));
        description_head = format!("Full subject: {subject}\n\n");
        record.insert("Subject".into(), json!(cut));
    } else if !subject.is_empty() {
        record.insert("Subject".into(), json!(subject));
    }
    let first = first_public(thread)
        .map(|m| m.body_text.trim())
        .unwrap_or("");
    let description = format!("{description_head}{first}");
    if !description.is_empty() {
        let notice = "\n[… cut by deskshift; the whole message is in the Case's e-mails]";
        let text =
            truncate_with_marker(&description, MAX_DESCRIPTION_LEN, notice).unwrap_or(description);
        record.insert("Description".into(), json!(text));
    }

    let confirmed = |name: SourceEnumeration, field: &str, source: &str, standard| {
        values::confirmed(ctx.map, name, source, standard).map_err(|unmapped| Reject {
            record: format!("Case for Stames ticket {}", t.id),
            field: Some(format!("Case.{field}")),
            reason: unmapped.to_string(),
            action: FIX_THE_MAP.into(),
        })
    };
    let status = confirmed(
        SourceEnumeration::TicketStatus,
        "Status",
        &t.status,
        values::status(&t.status),
    )?;
    let status_value = pick(ctx.statuses, &t.status, &status.value.value);
    record.insert("Status".into(), json!(status_value));
    repairs.extend(status.note.map(|n| Repair::new("status", n)));
    let priority = confirmed(
        SourceEnumeration::TicketPriority,
        "Priority",
        &t.priority,
        values::priority(&t.priority),
    )?;
    record.insert(
        "Priority".into(),
        json!(pick(ctx.priorities, &t.priority, &priority.value.value)),
    );
    repairs.extend(priority.note.map(|n| Repair::new("priority", n)));
    let label = t.channel.label();
    let origin = confirmed(
        SourceEnumeration::Channel,
        "Origin",
        &label,
        values::origin(&t.channel),
    )?;
    record.insert(
        "Origin".into(),
        json!(pick(ctx.origins, &t.channel.label(), &origin.value.value)),
    );
    repairs.extend(origin.note.map(|n| Repair::new("channel", n)));
    record.insert(
        schema::CHANNEL_SOURCE.into(),
        json!(truncate_chars(&t.channel.label(), 255)),
    );

    let owner = ctx.users.owner(t.assignee_id.as_deref(), ctx.caps);
    if let Some(owner) = owner.value {
        record.insert("OwnerId".into(), json!(owner));
    }
    repairs.extend(owner.note.map(|n| Repair::new("assignee", n)));
    if let Some(assignee) = &t.assignee_id {
        record.insert(
            schema::ASSIGNEE.into(),
            json!(truncate_chars(&ctx.users.display(assignee), 255)),
        );
    }

    if ctx.caps.audit_fields {
        record.insert("CreatedDate".into(), json!(datetime(t.created_at)));
    } else {
        record.insert(schema::CREATED_DATE.into(), json!(datetime(t.created_at)));
    }
    if status.value.closed {
        let closed = datetime(t.closed_at.unwrap_or(t.updated_at));
        let field = if ctx.caps.closed_date_createable {
            "ClosedDate"
        } else {
            schema::CLOSED_DATE
        };
        record.insert(field.into(), json!(closed));
    }

    follow_ups(
        &mut record,
        &t.reminders,
        t.sla.as_ref(),
        &t.notifications,
        ctx.users,
    );

    let (tag_values, tag_notes) = tags::ticket_tags(&t.tags);
    repairs.extend(tag_notes.into_iter().map(|n| Repair::new("tags", n)));
    let mut topics = Vec::new();
    match &ctx.schema.tags {
        TagStrategy::Picklist { .. } => {
            let (value, note) = tags::picklist_field(&tag_values);
            if let Some(value) = value {
                record.insert(schema::TAGS.into(), json!(value));
            }
            repairs.extend(note.map(|n| Repair::new("tags", n)));
        }
        TagStrategy::Topics { .. } => {
            topics = tag_values.iter().map(|v| tags::topic_name(v)).collect();
            topics.dedup();
        }
    }

    for note in field_values::apply(
        &mut record,
        &t.custom_fields,
        ctx.schema,
        schema::CASE,
        ctx.map,
    ) {
        repairs.push(Repair::new("custom_fields", note));
    }
    Ok(CasePlan {
        record,
        topics,
        repairs,
    })
}

/// The org's spelling of `source`'s value, else the confirmed `fallback`.
fn pick(map: &ValueMap, source: &str, fallback: &str) -> String {
    map.get(source).unwrap_or(fallback).to_string()
}

/// The chronologically first public message (stable for equal times).
fn first_public(thread: &TicketThread) -> Option<&Message> {
    thread
        .messages
        .iter()
        .filter(|m| m.visibility == Visibility::Public)
        .min_by_key(|m| m.created_at)
}

/// Reminder, SLA and notification fields. Only values that exist are
/// written.
fn follow_ups(
    record: &mut Record,
    reminders: &[Reminder],
    sla: Option<&Sla>,
    notifications: &[Notification],
    users: &UserDirectory,
) {
    if let Some(next) = reminders
        .iter()
        .filter(|r| !r.completed)
        .map(|r| r.remind_at)
        .min()
    {
        record.insert(schema::REMINDER_DATE.into(), json!(datetime(next)));
    }
    let lines: Vec<String> = reminders
        .iter()
        .map(|r| {
            format!(
                "{}{}{}{}",
                human_time(r.remind_at),
                if r.completed { " (done)" } else { "" },
                r.agent_id
                    .as_deref()
                    .map(|a| format!(" by {}", users.display(a)))
                    .unwrap_or_default(),
                non_blank(r.note.as_deref())
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    long_field(record, schema::REMINDERS, &lines);
    if let Some(sla) = sla {
        if let Some(policy) = non_blank(Some(&sla.policy)) {
            record.insert(
                schema::SLA_POLICY.into(),
                json!(truncate_chars(policy, 255)),
            );
        }
        for (field, at) in [
            (schema::SLA_FIRST_RESPONSE_DUE, sla.first_response_due_at),
            (schema::SLA_RESOLUTION_DUE, sla.resolution_due_at),
            (schema::SLA_FIRST_RESPONDED, sla.first_responded_at),
        ] {
            if let Some(at) = at {
                record.insert(field.into(), json!(datetime(at)));
            }
        }
        record.insert(schema::SLA_BREACHED.into(), json!(sla.breached));
    }
    let lines: Vec<String> = notifications
        .iter()
        .map(|n| {
            format!(
                "{} on `{}` to {}{}",
                n.medium,
                n.event,
                n.recipient,
                if n.enabled { "" } else { " (disabled)" }
            )
        })
        .collect();
    long_field(record, schema::NOTIFICATIONS, &lines);
}

fn long_field(record: &mut Record, field: &str, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    let text = lines.join("\n");
    let text = truncate_with_marker(&text, MAX_LONG_FIELD_LEN, "\n[…]").unwrap_or(text);
    record.insert(field.into(), json!(text));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::schema::SchemaInput;
    use crate::map::users::{AgentMatch, UserMatch};
    use crate::map::values::OrgValue;
    use chrono::{Duration, TimeZone, Utc};
    use deskshift_core::model::{
        Channel, CustomFieldDef, FieldObject, FieldType, FieldValue, Sender, SenderKind, Ticket,
    };
    use proptest::prelude::*;
    use std::collections::{BTreeMap, HashMap};

    fn thread() -> TicketThread {
        let start = Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap();
        let mut custom_fields = BTreeMap::new();
        custom_fields.insert(
            "3".to_string(),
            FieldValue::List(vec!["red".into(), "blue".into()]),
        );
        let message = |id: &str, minutes: i64, visibility: Visibility| Message {
            id: id.into(),
            ticket_id: "100".into(),
            sender: Sender {
                kind: SenderKind::Customer,
                id: Some("c1".into()),
                name: None,
                address: None,
            },
            visibility,
            channel: Channel::Whatsapp,
            body_text: format!("text of {id}"),
            body_html: None,
            attachments: vec![],
            created_at: start + Duration::minutes(minutes),
        };
        TicketThread {
            ticket: Ticket {
                id: "100".into(),
                subject: "  Broken   tent ".into(),
                status: "solved".into(),
                priority: "urgent".into(),
                channel: Channel::Whatsapp,
                department_id: None,
                customer_id: "c1".into(),
                assignee_id: Some("a2".into()),
                tags: vec![
                    "Refund Request".into(),
                    "refund_request".into(),
                    "VIP".into(),
                ],
                custom_fields,
                reminders: vec![
                    Reminder {
                        id: "r1".into(),
                        remind_at: start,
                        note: Some("call".into()),
                        agent_id: None,
                        completed: true,
                    },
                    Reminder {
                        id: "r2".into(),
                        remind_at: start + Duration::days(3),
                        note: None,
                        agent_id: Some("a2".into()),
                        completed: false,
                    },
                ],
                notifications: vec![Notification {
                    id: "n".into(),
                    medium: "sms".into(),
                    event: "ticket_reopened".into(),
                    recipient: "+100".into(),
                    enabled: true,
                }],
                sla: Some(Sla {
                    policy: "Gold".into(),
                    first_response_due_at: Some(start),
                    resolution_due_at: None,
                    first_responded_at: None,
                    breached: true,
                }),
                created_at: start,
                updated_at: start + Duration::days(2),
                closed_at: Some(start + Duration::days(1)),
            },
            messages: vec![
                message("m2", 5, Visibility::Public),
                message("m0", 0, Visibility::PrivateNote),
                message("m1", 1, Visibility::Public),
            ],
            status_history: vec![],
        }
    }

    fn schema_with(tags: &[String]) -> SchemaPlan {
        let defs = [CustomFieldDef {
            id: "3".into(),
            object: FieldObject::Ticket,
            key: "colours".into(),
            label: "Colours".into(),
            field_type: FieldType::MultiSelect,
            options: vec!["red".into(), "blue".into()],
            required: false,
        }];
        schema::plan(&SchemaInput {
            field_defs: &defs,
            object_defs: &[],
            tags,
            channels: &[Channel::Whatsapp],
            observed: &HashMap::new(),
        })
    }

    fn users() -> UserDirectory {
        UserDirectory::new(
            vec![AgentMatch {
                agent_id: "a2".into(),
                name: "Bo".into(),
                email: "bo@x.io".into(),
                departed: true,
                user: UserMatch::Unmatched,
                suggested_profile: "Standard User".into(),
                note: None,
            }],
            Some("005F".into()),
        )
    }

    fn run(
        thread: &TicketThread,
        schema: &SchemaPlan,
        caps: OrgCapabilities,
    ) -> Result<CasePlan, Reject> {
        let users = users();
        let statuses = values::resolve(
            [("solved", values::status("solved"))],
            &[OrgValue {
                value: "solved".into(),
                active: true,
            }],
        );
        let empty = ValueMap::default();
        let contact = "003C".to_string();
        let account = "001A".to_string();
        plan(
            thread,
            &CaseContext {
                contact_id: Some(&contact),
                account_id: Some(&account),
                users: &users,
                schema,
                map: &crate::map::standard_map(),
                statuses: &statuses,
                priorities: &empty,
                origins: &empty,
                caps: &caps,
            },
        )
    }

    #[test]
    fn a_ticket_becomes_a_complete_case() {
        let schema = schema_with(&["Refund Request".into(), "VIP".into()]);
        let plan = run(&thread(), &schema, OrgCapabilities::default()).unwrap();
        let r = &plan.record;
        assert_eq!(r[schema::TICKET_ID], "100");
        assert_eq!(r["Subject"], "Broken tent");
        assert_eq!(r["Description"], "text of m1");
        assert_eq!(r["Status"], "solved");
        assert_eq!(r["Priority"], "Urgent");
        assert_eq!(r["Origin"], "WhatsApp");
        assert_eq!(r[schema::CHANNEL_SOURCE], "WhatsApp");
        assert_eq!(
            (r["ContactId"].as_str(), r["AccountId"].as_str()),
            (Some("003C"), Some("001A"))
        );
        assert_eq!(r["OwnerId"], "005F");
        assert_eq!(r[schema::ASSIGNEE], "Bo <bo@x.io>");
        assert_eq!(r[schema::CREATED_DATE], "2024-05-01T08:00:00.000Z");
        assert_eq!(r[schema::CLOSED_DATE], "2024-05-02T08:00:00.000Z");
        assert!(!r.contains_key("ClosedDate") && !r.contains_key("CreatedDate"));
        assert_eq!(r[schema::REMINDER_DATE], "2024-05-04T08:00:00.000Z");
        assert!(r[schema::REMINDERS]
            .as_str()
            .unwrap()
            .contains("(done): call"));
        assert!(r[schema::NOTIFICATIONS]
            .as_str()
            .unwrap()
            .contains("ticket_reopened"));
        assert_eq!(r[schema::SLA_POLICY], "Gold");
        assert_eq!(r[schema::SLA_BREACHED], true);
        assert_eq!(r[schema::TAGS], "refund-request;vip");
        assert_eq!(r["Colours__c"], "red;blue");
        assert!(plan.topics.is_empty());
        assert_eq!(plan.repairs.len(), 1, "{:?}", plan.repairs);
        assert_eq!(plan.repairs[0].field, "assignee");
    }

    #[test]
    fn audit_fields_and_topics_when_the_org_allows_or_needs_them() {
        let many: Vec<String> = (0..600).map(|i| format!("t{i}")).collect();
        let schema = schema_with(&many);
        let caps = OrgCapabilities {
            audit_fields: true,
            closed_date_createable: true,
            ..Default::default()
        };
        let plan = run(&thread(), &schema, caps).unwrap();
        assert_eq!(plan.record["CreatedDate"], "2024-05-01T08:00:00.000Z");
        assert_eq!(plan.record["ClosedDate"], "2024-05-02T08:00:00.000Z");
        assert!(!plan.record.contains_key(schema::TAGS));
        assert_eq!(plan.topics, ["refund-request", "vip"]);
    }

    #[test]
    fn long_subjects_are_cut_and_kept_in_the_description() {
        let mut t = thread();
        t.ticket.subject = "s".repeat(300);
        t.ticket.status = "open".into();
        let plan = run(&t, &schema_with(&[]), OrgCapabilities::default()).unwrap();
        let subject = plan.record["Subject"].as_str().unwrap();
        assert_eq!(subject.chars().count(), MAX_SUBJECT_LEN);
        assert!(subject.ends_with('…'));
        assert!(plan.record["Description"]
            .as_str()
            .unwrap()
            .starts_with(&format!("Full subject: {}", "s".repeat(300))));
        assert!(!plan.record.contains_key(schema::CLOSED_DATE));
        assert_eq!(plan.record["Status"], "Working");
    }

    #[test]
    fn a_ticket_without_a_contact_is_rejected_with_an_action() {
        let schema = schema_with(&[]);
        let users = users();
        let empty = ValueMap::default();
        let caps = OrgCapabilities::default();
        let ctx = CaseContext {
            contact_id: None,
            account_id: None,
            users: &users,
            schema: &schema,
            map: &crate::map::standard_map(),
            statuses: &empty,
            priorities: &empty,
            origins: &empty,
            caps: &caps,
        };
        let reject = plan(&thread(), &ctx).unwrap_err();
        assert_eq!(reject.field.as_deref(), Some("Case.ContactId"));
        assert!(reject.reason.contains("c1"));
    }

    #[test]
    fn a_status_the_confirmed_map_lacks_rejects_the_case_with_the_fix() {
        let mut t = thread();
        t.ticket.status = "escalated".into();
        let reject = run(&t, &schema_with(&[]), OrgCapabilities::default()).unwrap_err();
        assert_eq!(reject.field.as_deref(), Some("Case.Status"));
        assert!(reject.reason.contains("escalated"), "{}", reject.reason);
        assert!(reject.reason.contains("[value_maps.ticket_status]"));
        assert!(reject.action.contains("deskshift map propose"));
    }

    proptest! {
        #[test]
        fn any_subject_status_and_priority_give_a_bounded_case(subject in any::<String>(), status in any::<String>(), priority in any::<String>(), tags in proptest::collection::vec(any::<String>(), 0..4)) {
            let mut t = thread();
            t.ticket.subject = subject;
            t.ticket.status = status;
            t.ticket.priority = priority;
            t.ticket.tags = tags;
            // A status or priority the confirmed map lacks is a reject
            // naming the field and the fix, never a guessed value.
            let plan = match run(&t, &schema_with(&[]), OrgCapabilities::default()) {
                Ok(plan) => plan,
                Err(reject) => {
                    prop_assert!(matches!(reject.field.as_deref(), Some("Case.Status" | "Case.Priority")));
                    prop_assert!(reject.action.contains("deskshift map confirm"));
                    return Ok(());
                }
            };
            if let Some(subject) = plan.record.get("Subject") {
                prop_assert!(subject.as_str().unwrap().chars().count() <= MAX_SUBJECT_LEN);
            }
            prop_assert!(plan.record["Description"].as_str().unwrap().chars().count() <= MAX_DESCRIPTION_LEN);
            prop_assert!(!plan.record["Status"].as_str().unwrap().is_empty());
        }
    }
}
