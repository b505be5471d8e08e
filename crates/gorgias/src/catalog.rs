//! The Gorgias catalog for the field map (`deskshift map propose` and
//! `map confirm`): what Gorgias holds and accepts, and the standard map of
//! `docs/mapping-gorgias.md` as rows. Shaped like the Salesforce crate's
//! `catalog.rs`.
//!
//! - **Objects and fields**: the standard objects deskshift writes, as the
//!   API documents them (reference §4), plus the account's custom fields read
//!   live (`GET /api/custom-fields` for tickets and customers; archived ones
//!   left out). Gorgias names custom fields by label, so the label is the
//!   field's name; `external_id` tells a field an earlier run created.
//! - **Standard rows**: one per Stames field, from the same `map/` units the
//!   writer runs (limits, value maps, field plans).
//! - **Custom landings**: a ticket field becomes a new Gorgias ticket field
//!   (text, number, boolean or dropdown, [`fields::plan`]); a customer
//!   field's values go to the customer's sidebar data, because a customer
//!   create cannot fill Gorgias customer fields.
//! - **Enumerations**: status, priority, channel and role, with the
//!   writer's suggestion for every value present in the source.

use crate::client::endpoints::FieldObjectType;
use crate::client::wire::CustomField;
use crate::client::GorgiasClient;
use crate::map::customer::{DATA_KEY, MAX_NAME_LEN, OBJECTS_KEY};
use crate::map::extras::ExtraField;
use crate::map::fields::{self, GorgiasField};
use crate::map::tags::MAX_TAG_LEN;
use crate::map::ticket::MAX_SUBJECT_LEN;
use crate::map::{channel, priority, role, status, Mapped};
use crate::writer::users::api_failure;
use deskshift_core::destination::DestinationError;
use deskshift_core::discover::ScopeReport;
use deskshift_core::mapping::catalog::channel_of_label;
use deskshift_core::mapping::{
    Catalog, CatalogField, CatalogObject, CustomLanding, FieldRef, SourceEnumeration, StandardRow,
    Target, Transform, ValueType, WHOLE_RECORD,
};
use deskshift_core::model::{FieldObject, ObjectKind};
use futures::TryStreamExt;

pub const DESTINATION: &str = "gorgias";

const USER: &str = "User";
const CUSTOMER: &str = "Customer";
const TICKET: &str = "Ticket";
const MESSAGE: &str = "Message";
const TAG: &str = "Tag";

/// The ticket field holding deskshift's migration note (an internal-note
/// message on every ticket): where Gorgias has no field for something.
pub const MIGRATION_NOTE: &str = "Ticket.migration_note";

/// Gorgias's role names (no role endpoint; a role is a name on the user).
const ROLES: [&str; 5] = [
    "admin",
    "agent",
    "basic-agent",
    "lite-agent",
    "observer-agent",
];

/// The catalog of the Gorgias account `client` reaches.
pub async fn catalog(
    client: &GorgiasClient,
    scope: &ScopeReport,
) -> Result<Catalog, DestinationError> {
    let ticket_fields = custom_fields(client, FieldObjectType::Ticket).await?;
    let customer_fields = custom_fields(client, FieldObjectType::Customer).await?;
    Ok(Catalog {
        destination: DESTINATION.into(),
        objects: objects(ticket_fields, customer_fields),
        standard_rows: standard_rows(scope),
        custom_landings: custom_landings(scope),
        enumerations: enumerations(scope),
    })
}

async fn custom_fields(
    client: &GorgiasClient,
    object: FieldObjectType,
) -> Result<Vec<CustomField>, DestinationError> {
    client
        .custom_fields(object)
        .try_collect()
        .await
        .map_err(|e| api_failure(&format!("list Gorgias {} fields", object.as_str()), e))
}

/// The field type of a Gorgias custom field definition.
fn field_type(definition: &serde_json::Value) -> (ValueType, Vec<String>) {
    let shape = fields::shape_of_definition(definition);
    let choices = match &shape {
        GorgiasField::Dropdown(choices) => choices.clone(),
        _ => Vec::new(),
    };
    (gorgias_type(&shape), choices)
}

/// A live custom field as a catalog field. `writable`: a create can fill
/// it (ticket fields; customer fields cannot be set by a customer create).
fn live_field(field: CustomField, writable: bool) -> CatalogField {
    let (value_type, choices) = field_type(&field.definition);
    let label = field.label.unwrap_or_else(|| format!("field {}", field.id));
    let managed = field
        .external_id
        .as_deref()
        .is_some_and(|x| ExtraField::ALL.iter().any(|e| e.external_id() == x));
    CatalogField {
        name: label.clone(),
        label,
        value_type,
        required: false,
        createable: writable,
        max_length: None,
        picklist_values: choices,
        custom: true,
        managed,
        external_id: field.external_id,
    }
}

fn objects(
    ticket_fields: Vec<CustomField>,
    customer_fields: Vec<CustomField>,
) -> Vec<CatalogObject> {
    let standard = CatalogField::standard;
    let live = |fields: Vec<CustomField>, writable: bool| {
        fields
            .into_iter()
            .filter(|f| f.deactivated_datetime.is_none())
            .map(move |f| live_field(f, writable))
    };
    let mut ticket = vec![
        standard("external_id", ValueType::Text).managed(),
        standard("subject", ValueType::Text).max_length(MAX_SUBJECT_LEN as u32),
        standard("status", ValueType::Select).picklist(&[status::OPEN, status::CLOSED]),
        standard("priority", ValueType::Select).picklist(&["critical", "high", "normal", "low"]),
        standard("channel", ValueType::Select),
        standard("via", ValueType::Select).managed(),
        standard("customer", ValueType::Reference).required(),
        standard("assignee_user", ValueType::Reference),
        standard("tags", ValueType::MultiSelect),
        standard("messages", ValueType::Reference).required(),
        standard("created_datetime", ValueType::DateTime),
        standard("updated_datetime", ValueType::DateTime),
        standard("closed_datetime", ValueType::DateTime),
        standard("last_message_datetime", ValueType::DateTime).managed(),
        standard("migration_note", ValueType::LongText).managed(),
    ];
    // deskshift's own ticket fields, listed even before `prepare` makes them.
    for extra in ExtraField::ALL {
        let mut field = standard(extra.label(), gorgias_type(&extra.target())).managed();
        field.custom = true;
        field.external_id = Some(extra.external_id().into());
        ticket.push(field);
    }
    let extras: Vec<String> = ExtraField::ALL
        .iter()
        .map(|e| e.label().to_string())
        .collect();
    ticket.extend(live(ticket_fields, true).filter(|f| !extras.contains(&f.name)));

    let mut customer = vec![
        standard("external_id", ValueType::Text).managed(),
        standard("name", ValueType::Text).max_length(MAX_NAME_LEN as u32),
        standard("email", ValueType::Email),
        standard("channels", ValueType::Text),
        standard("note", ValueType::LongText),
        standard("data", ValueType::Data),
    ];
    customer.extend(live(customer_fields, false));

    let object = |name: &str, fields: Vec<CatalogField>, creatable: &[ValueType]| CatalogObject {
        name: name.into(),
        label: name.into(),
        fields,
        creatable_types: creatable.to_vec(),
    };
    vec![
        object(
            USER,
            vec![
                standard("external_id", ValueType::Text).managed(),
                standard("email", ValueType::Email),
                standard("name", ValueType::Text),
                standard("role.name", ValueType::Select).picklist(&ROLES),
            ],
            &[],
        ),
        object(CUSTOMER, customer, &[]),
        object(
            TICKET,
            ticket,
            &[
                ValueType::Text,
                ValueType::Number,
                ValueType::Boolean,
                ValueType::Select,
            ],
        ),
        object(
            MESSAGE,
            vec![
                standard("external_id", ValueType::Text).managed(),
                standard("channel", ValueType::Select).required(),
                standard("via", ValueType::Select).managed(),
                // Set from the sender (row `messages.sender`).
                standard("from_agent", ValueType::Boolean).managed(),
                standard("sender", ValueType::Reference),
                standard("receiver", ValueType::Reference).managed(),
                standard("public", ValueType::Boolean),
                standard("body_text", ValueType::LongText),
                standard("body_html", ValueType::LongText),
                standard("attachments", ValueType::Url),
                standard("created_datetime", ValueType::DateTime),
                standard("sent_datetime", ValueType::DateTime).managed(),
            ],
            &[],
        ),
        object(
            TAG,
            vec![standard("name", ValueType::Text)
                .required()
                .max_length(MAX_TAG_LEN as u32)],
            &[],
        ),
    ]
}

fn gorgias_type(field: &GorgiasField) -> ValueType {
    match field {
        GorgiasField::Text => ValueType::Text,
        GorgiasField::Number => ValueType::Number,
        GorgiasField::Boolean => ValueType::Boolean,
        GorgiasField::Dropdown(_) => ValueType::Select,
    }
}

/// The standard map of `docs/mapping-gorgias.md`, one row per Stames field.
fn standard_rows(scope: &ScopeReport) -> Vec<StandardRow> {
    use ObjectKind as K;
    use Transform as T;
    let to = StandardRow::to;
    let users_only_created =
        "only used when deskshift creates users (off by default: a Gorgias user is a seat and an invitation)";
    let extra = |e: ExtraField| format!("{TICKET}.{}", e.label());
    let mut rows =
        vec![
        StandardRow::drop(K::Departments, WHOLE_RECORD, "no team mapping in the standard map"),
        to(K::Users, "id", "User.external_id", T::ExternalId, users_only_created),
        to(K::Users, "name", "User.name", T::Copy, users_only_created),
        to(
            K::Users,
            "email",
            "User.email",
            T::EmailNormalise,
            "agents are matched to Gorgias users by e-mail; unmatched agents go to the \
             reconciliation queue and their work is written as the fallback user",
        ),
        to(
            K::Users,
            "role",
            "User.role.name",
            T::ValueMap("agent_role".into()),
            "only used when deskshift creates users; Gorgias has no role endpoint, a role is a \
             name on the user",
        ),
        StandardRow::drop(
            K::Users,
            "active",
            "users are matched, not created: an inactive agent is matched like the others",
        ),
        to(
            K::Users,
            "departed_at",
            MIGRATION_NOTE,
            T::NoteLine,
            "departed agents stay attributable: the note names the real author of every \
             message written under a stand-in",
        ),
        StandardRow::drop(K::Users, "department_ids", "no team mapping in the standard map"),
        StandardRow::drop(K::Users, "created_at", "Gorgias keeps its own user dates"),
        StandardRow::drop(K::Users, "updated_at", "Gorgias keeps its own user dates"),
        to(
            K::Customers,
            "id",
            "Customer.external_id",
            T::ExternalId,
            "an interrupted create is found again by it",
        ),
        to(
            K::Customers,
            "name",
            "Customer.name",
            T::TruncateWithNote(MAX_NAME_LEN as u32),
            "trimmed",
        ),
        to(
            K::Customers,
            "email",
            "Customer.email",
            T::EmailNormalise,
            "also the preferred e-mail channel; deduplicated by e-mail: an existing Gorgias \
             customer is matched and left untouched; an address Gorgias refuses goes to the note",
        ),
        to(
            K::Customers,
            "phone",
            "Customer.channels",
            T::Copy,
            "a phone channel, preferred when there is no e-mail",
        ),
        to(
            K::Customers,
            "company.name",
            &format!("{CUSTOMER}.data.{DATA_KEY}.company"),
            T::CustomerData,
            "Gorgias customers have no company: sidebar data (lossy, not searchable)",
        ),
        to(
            K::Customers,
            "company.domain",
            &format!("{CUSTOMER}.data.{DATA_KEY}.company"),
            T::CustomerData,
            "kept with the company in sidebar data",
        ),
        StandardRow::drop(
            K::Customers,
            "created_at",
            "a Gorgias customer create takes no dates",
        ),
        StandardRow::drop(
            K::Customers,
            "updated_at",
            "a Gorgias customer create takes no dates",
        ),
        to(
            K::Tags,
            "name",
            "Tag.name",
            T::TagNormalise,
            "spellings that normalise alike become one tag, created before any ticket; an \
             existing Gorgias tag is matched",
        ),
        StandardRow::drop(K::Tags, "created_at", "Gorgias sets tag dates itself"),
        to(
            K::Tickets,
            "id",
            "Ticket.external_id",
            T::ExternalId,
            "an interrupted create is found again by it",
        ),
        to(
            K::Tickets,
            "subject",
            "Ticket.subject",
            T::TruncateWithNote(MAX_SUBJECT_LEN as u32),
            "Gorgias subjects hold 998 characters; a longer one is cut and kept whole in the \
             migration note",
        ),
        to(
            K::Tickets,
            "status",
            "Ticket.status",
            T::ValueMap("ticket_status".into()),
            "Gorgias has open and closed only; the Stames status is kept in the migration note",
        ),
        to(
            K::Tickets,
            "priority",
            "Ticket.priority",
            T::ValueMap("ticket_priority".into()),
            "Gorgias priorities are critical, high, normal and low",
        ),
        to(
            K::Tickets,
            "channel",
            "Ticket.channel",
            T::ValueMap("channel".into()),
            "the documented channel values; `via` is always api so no integration or rule acts \
             on the records",
        ),
        StandardRow::drop(
            K::Tickets,
            "department_id",
            "no team mapping in the standard map",
        ),
        to(
            K::Tickets,
            "customer_id",
            "Ticket.customer",
            T::IdMapLookup,
            "the migrated or matched customer; a ticket whose customer was not migrated is \
             rejected with that reason",
        ),
        to(
            K::Tickets,
            "assignee_id",
            "Ticket.assignee_user",
            T::IdMapLookup,
            "the matched user, else the fallback user, else unassigned (noted)",
        ),
        to(
            K::Tickets,
            "tags",
            "Ticket.tags",
            T::TagNormalise,
            "attached by name, inline in the ticket create",
        ),
        to(
            K::Tickets,
            "created_at",
            "Ticket.created_datetime",
            T::DatetimeUtc,
            "original time, to the second",
        ),
        to(
            K::Tickets,
            "updated_at",
            "Ticket.updated_datetime",
            T::DatetimeUtc,
            "original time, to the second",
        ),
        to(
            K::Tickets,
            "closed_at",
            "Ticket.closed_datetime",
            T::DatetimeUtc,
            "closed tickets only; updated_at when Stames has none",
        ),
        to(
            K::Messages,
            "id",
            "Message.external_id",
            T::ExternalId,
            "a message create left uncertain is looked up by it",
        ),
        to(
            K::Messages,
            "ticket_id",
            "Ticket.messages",
            T::RecordPerItem,
            "chronological; up to 499 inline in the ticket create, the rest one by one",
        ),
        to(
            K::Messages,
            "sender",
            "Message.sender",
            T::IdMapLookup,
            "customer: from_agent false; agent: the matched user (or the stand-in, named in \
             the note); system: the API user",
        ),
        to(
            K::Messages,
            "visibility",
            "Message.public",
            T::Copy,
            "private notes become internal notes (channel internal-note): never sent to anyone",
        ),
        to(
            K::Messages,
            "channel",
            "Message.channel",
            T::ValueMap("channel".into()),
            "each message keeps its own channel",
        ),
        to(
            K::Messages,
            "body_text",
            "Message.body_text",
            T::RewriteFileUrls,
            "Stames file URLs replaced by the Gorgias ones; a message with no text and no file \
             gets a placeholder",
        ),
        to(
            K::Messages,
            "body_html",
            "Message.body_html",
            T::RewriteFileUrls,
            "Stames file URLs and inline images replaced by the Gorgias ones",
        ),
        to(
            K::Messages,
            "created_at",
            "Message.created_datetime",
            T::DatetimeUtc,
            "also sent_datetime: a Gorgias message without it would be sent",
        ),
        to(
            K::Attachments,
            WHOLE_RECORD,
            "Message.attachments",
            T::UploadFile,
            "streamed to the cache and uploaded, listed on its message; files the source cannot \
             serve or Gorgias refuses are rejected with the reason",
        ),
        to(
            K::StatusEvents,
            WHOLE_RECORD,
            MIGRATION_NOTE,
            T::NoteLine,
            "one line per transition, oldest first: Gorgias has no history API (lossy)",
        ),
        to(
            K::Reminders,
            "remind_at",
            &extra(ExtraField::ReminderDate),
            T::DateToIsoText,
            "the next open reminder; Gorgias enforces no reminders",
        ),
        to(
            K::Reminders,
            WHOLE_RECORD,
            MIGRATION_NOTE,
            T::NoteLine,
            "every reminder with its note and state",
        ),
        StandardRow::inventory(
            K::Notifications,
            WHOLE_RECORD,
            "notification triggers are automations: listed in the automation inventory (rebuild \
             as Gorgias rules) and in the migration note",
        ),
        to(
            K::SlaRecords,
            "resolution_due_at",
            &extra(ExtraField::SlaDeadline),
            T::DateToIsoText,
            "the resolution deadline, else the first-response one; not enforced by Gorgias",
        ),
        to(
            K::SlaRecords,
            "breached",
            &extra(ExtraField::SlaBreached),
            T::Copy,
            "whether the Stames SLA was breached",
        ),
        to(
            K::SlaRecords,
            WHOLE_RECORD,
            MIGRATION_NOTE,
            T::NoteLine,
            "the policy and all its dates",
        ),
    ];
    rows.extend(StandardRow::not_migrated(
        "Gorgias rules",
        "a Gorgias Help Center",
    ));
    for object in &scope.custom_objects {
        for field in &object.field_defs {
            rows.push(to(
                K::CustomObjectRecords,
                &format!("{}.{}", object.key, field.key),
                &format!("{CUSTOMER}.data.{OBJECTS_KEY}.{}", object.key),
                T::CustomerData,
                "kept on the linked customer's data, per record (lossy: not queryable in Gorgias)",
            ));
        }
    }
    rows
}

/// Where each Stames custom field goes by default.
fn custom_landings(scope: &ScopeReport) -> Vec<CustomLanding> {
    scope
        .custom_fields
        .iter()
        .map(|profile| {
            let label = fields::label(&profile.label, &profile.key);
            let (target, reason) = match profile.object {
                FieldObject::Ticket => {
                    let plan = fields::plan(profile.field_type, &profile.options);
                    let mut reason = format!(
                        "a new Gorgias ticket field (external_id = Stames field id {})",
                        profile.id
                    );
                    if let Some(lossy) = plan.lossy {
                        reason.push_str(&format!("; {lossy}"));
                    }
                    let target = Target::NewField {
                        field: FieldRef::new(TICKET, label),
                        field_type: gorgias_type(&plan.target),
                    };
                    (target, reason)
                }
                FieldObject::Customer => (
                    Target::Field(FieldRef::new(
                        CUSTOMER,
                        format!("data.{DATA_KEY}.fields.{label}"),
                    )),
                    "a customer create cannot fill Gorgias customer fields: the values go to the \
                     customer's sidebar data"
                        .to_string(),
                ),
            };
            CustomLanding {
                object: profile.object,
                key: profile.key.clone(),
                target,
                reason,
            }
        })
        .collect()
}

/// A map unit's answer as a suggestion.
fn suggestion<T: ToString>(mapped: Mapped<T>) -> (String, bool, Option<String>) {
    (mapped.value.to_string(), mapped.recognised, mapped.note)
}

fn enumerations(scope: &ScopeReport) -> Vec<deskshift_core::mapping::Enumeration> {
    let strings = |values: &[&str]| values.iter().map(|v| v.to_string()).collect::<Vec<_>>();
    let field = |f: &str| FieldRef::parse(f).expect("a static Object.field");
    vec![
        SourceEnumeration::TicketStatus.feeding(
            scope,
            field("Ticket.status"),
            strings(&[status::OPEN, status::CLOSED]),
            false,
            |v| suggestion(status::status(v)),
        ),
        SourceEnumeration::TicketPriority.feeding(
            scope,
            field("Ticket.priority"),
            strings(&["critical", "high", "normal", "low"]),
            false,
            |v| suggestion(priority::priority(v)),
        ),
        SourceEnumeration::Channel.feeding(
            scope,
            field("Ticket.channel"),
            strings(&[
                "facebook-messenger",
                "instagram-direct-message",
                "whatsapp",
                "email",
                "api",
                "contact_form",
            ]),
            // Gorgias takes any lowercase slug as a channel.
            true,
            |label| {
                let mapped = channel::attribution(&channel_of_label(label));
                (mapped.value.channel, mapped.recognised, mapped.note)
            },
        ),
        SourceEnumeration::AgentRole.feeding(
            scope,
            field("User.role.name"),
            strings(&ROLES),
            false,
            |v| suggestion(role::role(v)),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn live_fields_keep_their_type_choices_and_external_id() {
        let field = |definition, external_id: Option<&str>| CustomField {
            id: 7,
            object_type: Some("Ticket".into()),
            label: Some("Warranty expiration".into()),
            external_id: external_id.map(String::from),
            definition,
            deactivated_datetime: None,
        };
        let dropdown = live_field(
            field(
                json!({"data_type": "text", "input_settings": {"input_type": "dropdown", "choices": ["a", "b"]}}),
                Some("12"),
            ),
            true,
        );
        assert_eq!(dropdown.value_type, ValueType::Select);
        assert_eq!(dropdown.picklist_values, ["a", "b"]);
        assert_eq!(dropdown.external_id.as_deref(), Some("12"));
        assert!(dropdown.custom && !dropdown.managed);
        let number = live_field(field(json!({"data_type": "number"}), None), false);
        assert_eq!(number.value_type, ValueType::Number);
        assert!(!number.createable);
        let ours = live_field(
            field(
                json!({"data_type": "text"}),
                Some("deskshift:reminder_date"),
            ),
            true,
        );
        assert!(ours.managed);
    }
}
