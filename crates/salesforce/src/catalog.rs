//! The Salesforce catalog for the field map (`deskshift map propose` and
//! `map confirm`): what the org holds and accepts, and the standard map of
//! `docs/mapping-salesforce.md` as rows. Shaped like the Gorgias crate's
//! `catalog.rs`.
//!
//! - **Objects and fields** are read live with describe: the objects
//!   deskshift loads, `User`, `Topic`, and the custom objects the schema plan
//!   needs once they exist. deskshift's own fields ([`schema::plan`], origin
//!   deskshift) are listed even before `prepare` creates them, marked
//!   managed, like the fields the writer always fills itself.
//! - **Standard rows** follow the org's capabilities the way the writer
//!   does: `CreatedDate` when audit fields can be set, else
//!   `Stames_Created_Date__c`; `Stames_Tags__c` or Topics by tag volume.
//! - **Custom landings**: ticket fields on Case, customer fields on
//!   Contact, under the API names [`schema::plan`] gives them (the same
//!   names `prepare` creates).
//! - **Enumerations**: Case Status, Priority and Origin with the org's
//!   values; values the org lacks are added by `prepare`, so they are
//!   extensible.

use crate::client::{Describe, FieldDescribe, SalesforceClient};
use crate::map::schema::{
    self, FieldKey, FieldOrigin, FieldSpec, SchemaInput, SchemaPlan, SfFieldType,
};
use crate::map::tags::MAX_TAG_PICKLIST_VALUES;
use crate::map::values::{self, OrgValue, WantedValue};
use crate::map::Mapped;
use crate::prepare::{case_picklist, describe_all, LOADED_OBJECTS};
use crate::writer::api_failure;
use deskshift_core::destination::DestinationError;
use deskshift_core::discover::ScopeReport;
use deskshift_core::mapping::catalog::channel_of_label;
use deskshift_core::mapping::{
    Catalog, CatalogField, CatalogObject, CustomLanding, Enumeration, FieldRef, SourceEnumeration,
    StandardRow, Target, Transform, ValueType, WHOLE_RECORD,
};
use deskshift_core::model::{
    Channel, CustomFieldDef, CustomObjectDef, FieldObject, LinkTarget, ObjectKind,
};
use std::collections::HashMap;

pub const DESTINATION: &str = "salesforce";

/// Objects described besides the loaded ones: `User` (agents are matched
/// to users) and `Topic` (tags, past 500 distinct).
const ALSO_DESCRIBED: [&str; 2] = [schema::USER, schema::TOPIC];

/// Standard fields the writer fills itself, whatever the map says.
const WRITER_FILLED: [(&str, &str); 8] = [
    (schema::EMAIL_MESSAGE, "Status"),
    (schema::EMAIL_MESSAGE, "Incoming"),
    (schema::EMAIL_MESSAGE, "ToAddress"),
    (schema::CASE_COMMENT, "ParentId"),
    (schema::CASE_COMMENT, "CommentBody"),
    (schema::CONTENT_VERSION, "Title"),
    (schema::CONTENT_VERSION, "FirstPublishLocationId"),
    (schema::CONTACT, "AccountId"),
];

/// The types of the custom fields deskshift creates.
const CREATABLE: [ValueType; 8] = [
    ValueType::Text,
    ValueType::LongText,
    ValueType::Number,
    ValueType::Boolean,
    ValueType::Date,
    ValueType::DateTime,
    ValueType::Select,
    ValueType::MultiSelect,
];

/// The catalog of the org `client` is signed in to.
pub async fn catalog(
    client: &SalesforceClient,
    scope: &ScopeReport,
) -> Result<Catalog, DestinationError> {
    let plan = plan(scope);
    let mut describes = describe_all(client, &plan).await?;
    for name in ALSO_DESCRIBED {
        match client.describe(name).await {
            Ok(d) => {
                describes.insert(name.to_string(), d);
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(api_failure(&format!("describe {name}"), e)),
        }
    }
    Ok(Catalog {
        destination: DESTINATION.into(),
        objects: objects(&plan, &describes),
        standard_rows: standard_rows(scope, &plan, &describes),
        custom_landings: custom_landings(scope, &plan),
        enumerations: enumerations(scope, &describes),
    })
}

/// The schema plan for what discovery saw, as `prepare` would make it.
fn plan(scope: &ScopeReport) -> SchemaPlan {
    let field_defs = field_defs(scope);
    let object_defs: Vec<CustomObjectDef> = scope
        .custom_objects
        .iter()
        .map(|o| CustomObjectDef {
            id: o.key.clone(),
            key: o.key.clone(),
            label: o.label.clone(),
            fields: o.field_defs.clone(),
            links: o.links.clone(),
        })
        .collect();
    let channels: Vec<Channel> = scope
        .channels
        .iter()
        .map(|c| channel_of_label(&c.channel))
        .collect();
    // Text(255) unless told otherwise, as `prepare` does: the proposal
    // chooses the type from the values, the plan only names the fields.
    let observed = HashMap::<FieldKey, schema::Observed>::new();
    schema::plan(&SchemaInput {
        field_defs: &field_defs,
        object_defs: &object_defs,
        tags: &[],
        channels: &channels,
        observed: &observed,
    })
}

/// The definitions behind discovery's profiles, in source (id) order, the
/// order `prepare` names them in.
fn field_defs(scope: &ScopeReport) -> Vec<CustomFieldDef> {
    let mut defs: Vec<CustomFieldDef> = scope
        .custom_fields
        .iter()
        .map(|p| CustomFieldDef {
            id: p.id.clone(),
            object: p.object,
            key: p.key.clone(),
            label: p.label.clone(),
            field_type: p.field_type,
            options: p.options.clone(),
            required: p.required,
        })
        .collect();
    defs.sort_by(|a, b| {
        let number = |id: &str| id.parse::<u64>().ok();
        number(&a.id)
            .cmp(&number(&b.id))
            .then_with(|| a.id.cmp(&b.id))
    });
    defs
}

fn value_type(spec: SfFieldType) -> ValueType {
    match spec {
        SfFieldType::Text => ValueType::Text,
        SfFieldType::LongTextArea => ValueType::LongText,
        SfFieldType::Number => ValueType::Number,
        SfFieldType::Checkbox => ValueType::Boolean,
        SfFieldType::Date => ValueType::Date,
        SfFieldType::DateTime => ValueType::DateTime,
        SfFieldType::Picklist => ValueType::Select,
        SfFieldType::MultiselectPicklist => ValueType::MultiSelect,
        SfFieldType::Lookup | SfFieldType::MasterDetail => ValueType::Reference,
    }
}

fn describe_type(field: &FieldDescribe) -> ValueType {
    match field.field_type.as_str() {
        "textarea" if field.length > schema::MAX_TEXT_LEN => ValueType::LongText,
        "double" | "int" | "long" | "currency" | "percent" => ValueType::Number,
        "boolean" => ValueType::Boolean,
        "date" => ValueType::Date,
        "datetime" => ValueType::DateTime,
        "picklist" => ValueType::Select,
        "multipicklist" => ValueType::MultiSelect,
        "email" => ValueType::Email,
        "phone" => ValueType::Phone,
        "url" => ValueType::Url,
        "reference" | "id" => ValueType::Reference,
        _ => ValueType::Text,
    }
}

fn from_describe(object: &str, field: &FieldDescribe, managed: bool) -> CatalogField {
    CatalogField {
        name: field.name.clone(),
        label: field.label.clone(),
        value_type: describe_type(field),
        // Users are matched, never inserted: nothing of theirs is required.
        required: object != schema::USER
            && !field.nillable
            && field.createable
            && !field.defaulted_on_create
            && field.field_type != "boolean",
        createable: field.createable,
        max_length: (field.length > 0).then_some(field.length),
        picklist_values: field.active_values().map(String::from).collect(),
        custom: field.custom,
        managed,
        external_id: None,
    }
}

fn from_spec(spec: &FieldSpec) -> CatalogField {
    CatalogField {
        name: spec.api_name.clone(),
        label: spec.label.clone(),
        value_type: value_type(spec.field_type),
        required: false,
        createable: true,
        max_length: spec.length,
        picklist_values: spec.picklist_values.clone(),
        custom: true,
        managed: true,
        external_id: None,
    }
}

/// Whether deskshift fills `object.field` itself.
fn managed(plan: &SchemaPlan, object: &str, field: &str) -> bool {
    let own = plan.fields.iter().any(|f| {
        f.origin == FieldOrigin::Deskshift
            && f.object == object
            && f.api_name.eq_ignore_ascii_case(field)
    });
    let planned_object = plan.objects.iter().any(|o| o.api_name == object);
    own || (planned_object && field == "Name")
        || WRITER_FILLED
            .iter()
            .any(|(o, f)| *o == object && f.eq_ignore_ascii_case(field))
}

fn objects(plan: &SchemaPlan, describes: &HashMap<String, Describe>) -> Vec<CatalogObject> {
    let names = LOADED_OBJECTS
        .iter()
        .chain(ALSO_DESCRIBED.iter())
        .map(|s| s.to_string())
        .chain(plan.objects.iter().map(|o| o.api_name.clone()));
    names
        .map(|name| {
            let mut fields: Vec<CatalogField> = describes
                .get(&name)
                .map(|d| {
                    d.fields
                        .iter()
                        .map(|f| from_describe(&name, f, managed(plan, &name, &f.name)))
                        .collect()
                })
                .unwrap_or_default();
            // deskshift's own fields `prepare` has not made yet; a field
            // already under the name deskshift gives a Stames field is
            // marked as that field's (what `map confirm` accepts a `create`
            // row over, after a `prepare` made it).
            for spec in plan.fields_of(&name) {
                if let FieldOrigin::StamesField(id) = &spec.origin {
                    if let Some(made) = fields
                        .iter_mut()
                        .find(|f| f.name.eq_ignore_ascii_case(&spec.api_name))
                    {
                        made.external_id = Some(id.clone());
                    }
                }
                let present = fields
                    .iter()
                    .any(|f| f.name.eq_ignore_ascii_case(&spec.api_name));
                if spec.origin == FieldOrigin::Deskshift && !present {
                    fields.push(from_spec(spec));
                }
            }
            if plan.objects.iter().any(|o| o.api_name == name)
                && !fields.iter().any(|f| f.name == "Name")
            {
                fields.push(CatalogField::standard("Name", ValueType::Text).managed());
            }
            let takes_custom_fields = ![
                schema::CASE_COMMENT,
                schema::CONTENT_VERSION,
                schema::USER,
                schema::TOPIC,
            ]
            .contains(&name.as_str());
            CatalogObject {
                label: describes
                    .get(&name)
                    .map_or_else(|| name.clone(), |d| d.label.clone()),
                name,
                fields,
                creatable_types: if takes_custom_fields {
                    CREATABLE.to_vec()
                } else {
                    Vec::new()
                },
            }
        })
        .collect()
}

/// Whether `object.field` exists in the org (before `prepare`, deskshift's
/// own fields do not).
fn exists(describes: &HashMap<String, Describe>, object: &str, field: &str) -> bool {
    describes
        .get(object)
        .is_some_and(|d| d.field(field).is_some())
}

fn createable(describes: &HashMap<String, Describe>, object: &str, field: &str) -> bool {
    describes
        .get(object)
        .and_then(|d| d.field(field))
        .is_some_and(|f| f.createable)
}

/// The standard map of `docs/mapping-salesforce.md`, one row per Stames field.
fn standard_rows(
    scope: &ScopeReport,
    plan: &SchemaPlan,
    describes: &HashMap<String, Describe>,
) -> Vec<StandardRow> {
    use ObjectKind as K;
    use Transform as T;
    let to = StandardRow::to;
    let field = |object: &str, name: &str| format!("{object}.{name}");
    let case = |name: &str| field(schema::CASE, name);
    let email = |name: &str| field(schema::EMAIL_MESSAGE, name);
    let audit = createable(describes, schema::CASE, "CreatedDate");
    let created = |object: &str| {
        if audit {
            (
                field(object, "CreatedDate"),
                "the original time, set through audit fields",
            )
        } else {
            (
                field(object, schema::CREATED_DATE),
                "audit fields cannot be set in this org: the original time is kept here",
            )
        }
    };
    let (case_created, case_created_why) = created(schema::CASE);
    let (contact_created, contact_created_why) = created(schema::CONTACT);
    let (closed, closed_why) = if createable(describes, schema::CASE, "ClosedDate") {
        (case("ClosedDate"), "closed statuses only")
    } else {
        (
            case(schema::CLOSED_DATE),
            "ClosedDate is not createable in this org: closed statuses only, kept here",
        )
    };
    let topics = scope.tags.distinct_used as usize > MAX_TAG_PICKLIST_VALUES;
    let (tags, tags_why) = if topics {
        (
            field(schema::TOPIC, "Name"),
            "more than 500 distinct tags: Topics with TopicAssignments",
        )
    } else {
        (
            case(schema::TAGS),
            "normalised values of the multi-select picklist (≤ 500 distinct tags), `;`-joined",
        )
    };
    let mut rows = vec![
        StandardRow::drop(K::Departments, WHOLE_RECORD, "no queue mapping in the standard map"),
        StandardRow::drop(
            K::Users,
            "id",
            "users are matched by e-mail, never created, so no Stames id is kept on them",
        ),
        to(
            K::Users,
            "name",
            &case(schema::ASSIGNEE),
            T::NoteLine,
            "kept as `Name <email>` on each Case the agent was assigned, whoever owns it",
        ),
        to(
            K::Users,
            "email",
            "User.Email",
            T::EmailNormalise,
            "matched case-insensitively (an active user wins); unmatched agents go to the \
             reconciliation queue and their Cases to the fallback owner",
        ),
        StandardRow {
            object: K::Users,
            field: "role".into(),
            target: Target::Inventory(
                "the suggested profile, in the reconciliation queue: an admin provisions users"
                    .into(),
            ),
            transform: T::ValueMap("agent_role".into()),
            reason: "users are never created by deskshift".into(),
        },
        StandardRow::drop(
            K::Users,
            "active",
            "matched like the others; an inactive user owns records only with \"Update Records \
             with Inactive Owners\"",
        ),
        to(
            K::Users,
            "departed_at",
            &email("FromName"),
            T::NoteLine,
            "departed agents stay attributable: messages keep their Stames name",
        ),
        StandardRow::drop(K::Users, "department_ids", "no queue mapping in the standard map"),
        StandardRow::drop(K::Users, "created_at", "users are not created"),
        StandardRow::drop(K::Users, "updated_at", "users are not created"),
        to(
            K::Customers,
            "id",
            &field(schema::CONTACT, schema::CUSTOMER_ID),
            T::ExternalId,
            "a repeated insert answers DUPLICATE_VALUE and the existing Contact is adopted",
        ),
        to(
            K::Customers,
            "company.name",
            "Account.Name",
            T::CustomerToAccountContact,
            "one business Account per company (by normalised name); a customer without a \
             company gets an individual Account",
        ),
        to(
            K::Customers,
            "company.domain",
            "Account.Website",
            T::TruncateWithNote(schema::MAX_TEXT_LEN),
            "the company's domain",
        ),
        to(
            K::Customers,
            "name",
            "Contact.LastName",
            T::NameSplit,
            "split at the last space into FirstName (≤ 40) and LastName (≤ 80); no name: the \
             e-mail's local part, else the phone",
        ),
        to(
            K::Customers,
            "email",
            "Contact.Email",
            T::EmailNormalise,
            "an invalid or over-long address is kept in Description instead (repair)",
        ),
        to(
            K::Customers,
            "phone",
            "Contact.Phone",
            T::TruncateWithNote(40),
            "over 40 characters: kept in Description",
        ),
        to(
            K::Customers,
            "created_at",
            &contact_created,
            T::DatetimeUtc,
            contact_created_why,
        ),
        StandardRow::drop(
            K::Customers,
            "updated_at",
            "Salesforce sets LastModifiedDate itself",
        ),
        to(
            K::Tags,
            "name",
            &tags,
            T::TagNormalise,
            tags_why,
        ),
        StandardRow::drop(K::Tags, "created_at", "Salesforce sets its own dates"),
        to(
            K::Tickets,
            "id",
            &case(schema::TICKET_ID),
            T::ExternalId,
            "a repeated insert answers DUPLICATE_VALUE and the existing Case is adopted",
        ),
        to(
            K::Tickets,
            "subject",
            &case("Subject"),
            T::TruncateWithNote(schema::MAX_TEXT_LEN),
            "Subject holds 255 characters; the full subject opens the Description and every \
             EmailMessage Subject",
        ),
        to(
            K::Tickets,
            "status",
            &case("Status"),
            T::ValueMap("ticket_status".into()),
            "every Stames status keeps its own Case Status; values the org lacks are added by \
             prepare, with their closed flag",
        ),
        to(
            K::Tickets,
            "priority",
            &case("Priority"),
            T::ValueMap("ticket_priority".into()),
            "urgent keeps its own value above High",
        ),
        to(
            K::Tickets,
            "channel",
            &case("Origin"),
            T::ValueMap("channel".into()),
            "the exact channel is also kept in Stames_Channel_Source__c",
        ),
        StandardRow::drop(
            K::Tickets,
            "department_id",
            "no queue mapping in the standard map",
        ),
        to(
            K::Tickets,
            "customer_id",
            &case("ContactId"),
            T::IdMapLookup,
            "and AccountId; a Case whose customer has no Contact is rejected with the customer's id",
        ),
        to(
            K::Tickets,
            "assignee_id",
            &case("OwnerId"),
            T::IdMapLookup,
            "the matched user, else the fallback owner; Stames_Assignee__c keeps the agent",
        ),
        to(K::Tickets, "tags", &tags, T::TagNormalise, tags_why),
        to(
            K::Tickets,
            "created_at",
            &case_created,
            T::DatetimeUtc,
            case_created_why,
        ),
        StandardRow::drop(
            K::Tickets,
            "updated_at",
            "Salesforce sets LastModifiedDate itself",
        ),
        to(K::Tickets, "closed_at", &closed, T::DatetimeUtc, closed_why),
        to(
            K::Messages,
            "id",
            &email(schema::MESSAGE_ID),
            T::ExternalId,
            "private notes carry their key in a marker line instead (CaseComment has no custom \
             fields)",
        ),
        to(
            K::Messages,
            "ticket_id",
            &email("ParentId"),
            T::IdMapLookup,
            "the Case; chronological",
        ),
        to(
            K::Messages,
            "sender",
            &email("FromAddress"),
            T::Copy,
            "FromName and FromAddress; a phone or social handle goes into FromName, never into \
             an e-mail field",
        ),
        to(
            K::Messages,
            "visibility",
            &field(schema::CASE_COMMENT, "IsPublished"),
            T::Copy,
            "public messages become EmailMessages (Status Sent); private notes CaseComments \
             with IsPublished = false, split past 4,000 bytes",
        ),
        to(
            K::Messages,
            "channel",
            &email(schema::CHANNEL_SOURCE),
            T::Copy,
            "non-e-mail channels keep their source here",
        ),
        to(
            K::Messages,
            "body_text",
            &email("TextBody"),
            T::RewriteFileUrls,
            "Stames file URLs rewritten to the migrated files; over 131,072 characters cut \
             (repair)",
        ),
        to(
            K::Messages,
            "body_html",
            &email("HtmlBody"),
            T::RewriteFileUrls,
            "Stames file URLs rewritten to the migrated files",
        ),
        to(
            K::Messages,
            "created_at",
            &email("MessageDate"),
            T::DatetimeUtc,
            "and CreatedDate with audit fields",
        ),
        to(
            K::Attachments,
            WHOLE_RECORD,
            &field(schema::CONTENT_VERSION, "VersionData"),
            T::UploadFile,
            "a ContentVersion linked to the Case (files of private notes: a ContentDocumentLink \
             visible to internal users); unreachable files are rejected before any call",
        ),
        to(
            K::Attachments,
            "file_name",
            &field(schema::CONTENT_VERSION, "PathOnClient"),
            T::Copy,
            "decides the file type; the Title is the name without its extension",
        ),
        to(
            K::Attachments,
            "id",
            &field(schema::CONTENT_VERSION, schema::ATTACHMENT_ID),
            T::ExternalId,
            "the idempotency key",
        ),
        to(
            K::StatusEvents,
            WHOLE_RECORD,
            &field(schema::STATUS_EVENT, schema::EVENT_TO),
            T::RecordPerItem,
            "one record per transition, detail of its Case (CaseHistory is read-only)",
        ),
        to(
            K::Reminders,
            "remind_at",
            &case(schema::REMINDER_DATE),
            T::DatetimeUtc,
            "the next open reminder; Salesforce enforces none",
        ),
        to(
            K::Reminders,
            WHOLE_RECORD,
            &case(schema::REMINDERS),
            T::NoteLine,
            "every reminder with its time, state, agent and note",
        ),
        to(
            K::Notifications,
            WHOLE_RECORD,
            &case(schema::NOTIFICATIONS),
            T::NoteLine,
            "one per line; also listed in the automation inventory (rebuild as Flows)",
        ),
        to(
            K::SlaRecords,
            "policy",
            &case(schema::SLA_POLICY),
            T::Copy,
            "not enforced: configure Entitlements",
        ),
        to(
            K::SlaRecords,
            "first_response_due_at",
            &case(schema::SLA_FIRST_RESPONSE_DUE),
            T::DatetimeUtc,
            "SLA target",
        ),
        to(
            K::SlaRecords,
            "resolution_due_at",
            &case(schema::SLA_RESOLUTION_DUE),
            T::DatetimeUtc,
            "SLA target",
        ),
        to(
            K::SlaRecords,
            "first_responded_at",
            &case(schema::SLA_FIRST_RESPONDED),
            T::DatetimeUtc,
            "SLA outcome",
        ),
        to(
            K::SlaRecords,
            "breached",
            &case(schema::SLA_BREACHED),
            T::Copy,
            "SLA outcome",
        ),
    ];
    rows.extend(StandardRow::not_migrated("Flows", "Experience Cloud"));
    for object in &scope.custom_objects {
        for def in &object.field_defs {
            let Some(spec) = plan.object_field(&object.key, &def.key) else {
                continue;
            };
            let target = if exists(describes, &spec.object, &spec.api_name) {
                Target::Field(FieldRef::new(&spec.object, &spec.api_name))
            } else {
                Target::NewField {
                    field: FieldRef::new(&spec.object, &spec.api_name),
                    field_type: value_type(spec.field_type),
                }
            };
            rows.push(StandardRow {
                object: K::CustomObjectRecords,
                field: format!("{}.{}", object.key, def.key),
                target,
                transform: T::Copy,
                reason: format!(
                    "a field of the custom object {} (loaded after its Cases and Contacts{})",
                    spec.object,
                    if object.links.contains(&LinkTarget::Ticket) {
                        ", looked up from the first linked Case"
                    } else {
                        ""
                    }
                ),
            });
        }
    }
    rows
}

/// Where each Stames custom field goes by default: Case for ticket
/// fields, Contact for customer fields, under the plan's API name.
fn custom_landings(scope: &ScopeReport, plan: &SchemaPlan) -> Vec<CustomLanding> {
    scope
        .custom_fields
        .iter()
        .filter_map(|profile| {
            let spec = plan.field_for(&profile.id)?;
            let object = match profile.object {
                FieldObject::Ticket => "Case",
                FieldObject::Customer => "Contact",
            };
            Some(CustomLanding {
                object: profile.object,
                key: profile.key.clone(),
                target: Target::NewField {
                    field: FieldRef::new(&spec.object, &spec.api_name),
                    field_type: value_type(spec.field_type),
                },
                reason: format!(
                    "a new {object} custom field (Tooling API; field-level security granted to \
                     the migration user)"
                ),
            })
        })
        .collect()
}

/// A value-map unit's answer, resolved to the org's spelling of the value.
fn suggestion(mapped: Mapped<WantedValue>, org: &[OrgValue]) -> (String, bool, Option<String>) {
    let wanted = mapped.value.value;
    let target = org
        .iter()
        .find(|o| o.active && o.value.eq_ignore_ascii_case(&wanted))
        .map_or(wanted, |o| o.value.clone());
    (target, mapped.recognised, mapped.note)
}

fn enumerations(scope: &ScopeReport, describes: &HashMap<String, Describe>) -> Vec<Enumeration> {
    let picklist = |name: &str| case_picklist(describes, name);
    let active = |values: &[OrgValue]| -> Vec<String> {
        values
            .iter()
            .filter(|v| v.active)
            .map(|v| v.value.clone())
            .collect()
    };
    let (statuses, priorities, origins) =
        (picklist("Status"), picklist("Priority"), picklist("Origin"));
    let case = |name: &str| FieldRef::new(schema::CASE, name);
    vec![
        SourceEnumeration::TicketStatus.feeding(
            scope,
            case("Status"),
            active(&statuses),
            true,
            |v| suggestion(values::status(v), &statuses),
        ),
        SourceEnumeration::TicketPriority.feeding(
            scope,
            case("Priority"),
            active(&priorities),
            true,
            |v| suggestion(values::priority(v), &priorities),
        ),
        SourceEnumeration::Channel.feeding(scope, case("Origin"), active(&origins), true, |v| {
            suggestion(values::origin(&channel_of_label(v)), &origins)
        }),
        SourceEnumeration::AgentRole.feeding(
            scope,
            FieldRef::new(schema::USER, "ProfileId"),
            ["System Administrator", "Standard User", "Read Only"]
                .map(String::from)
                .to_vec(),
            // A suggestion for the admin who provisions users: any profile.
            true,
            |v| {
                let mapped = values::suggested_profile(v);
                (mapped.value.to_string(), mapped.recognised, mapped.note)
            },
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe_field(name: &str, field_type: &str, length: u32) -> FieldDescribe {
        FieldDescribe {
            name: name.into(),
            label: name.into(),
            field_type: field_type.into(),
            length,
            createable: true,
            ..FieldDescribe::default()
        }
    }

    #[test]
    fn describe_types_map_to_value_types() {
        for (ty, length, expected) in [
            ("string", 80, ValueType::Text),
            ("textarea", 255, ValueType::Text),
            ("textarea", 32_000, ValueType::LongText),
            ("double", 0, ValueType::Number),
            ("boolean", 0, ValueType::Boolean),
            ("date", 0, ValueType::Date),
            ("datetime", 0, ValueType::DateTime),
            ("picklist", 0, ValueType::Select),
            ("multipicklist", 0, ValueType::MultiSelect),
            ("email", 80, ValueType::Email),
            ("reference", 18, ValueType::Reference),
        ] {
            assert_eq!(
                describe_type(&describe_field("F", ty, length)),
                expected,
                "{ty}"
            );
        }
    }

    #[test]
    fn required_means_insert_must_set_it_except_on_users() {
        let mut last = describe_field("LastName", "string", 80);
        last.nillable = false;
        assert!(from_describe("Contact", &last, false).required);
        assert!(!from_describe("User", &last, false).required);
        last.defaulted_on_create = true;
        assert!(!from_describe("Contact", &last, false).required);
    }

    #[test]
    fn spec_types_map_to_value_types() {
        assert_eq!(value_type(SfFieldType::Checkbox), ValueType::Boolean);
        assert_eq!(value_type(SfFieldType::LongTextArea), ValueType::LongText);
        assert_eq!(
            value_type(SfFieldType::MultiselectPicklist),
            ValueType::MultiSelect
        );
    }

    #[test]
    fn objects_list_deskshift_fields_before_prepare_and_mark_them_managed() {
        let plan = schema::plan(&SchemaInput {
            field_defs: &[],
            object_defs: &[],
            tags: &[],
            channels: &[Channel::Email],
            observed: &HashMap::new(),
        });
        let objects = objects(&plan, &HashMap::new());
        let case = objects.iter().find(|o| o.name == schema::CASE).unwrap();
        let ticket_id = case.field(schema::TICKET_ID).unwrap();
        assert!(ticket_id.managed && ticket_id.custom);
        assert!(case.creatable_types.contains(&ValueType::Date));
        let comment = objects
            .iter()
            .find(|o| o.name == schema::CASE_COMMENT)
            .unwrap();
        assert!(comment.creatable_types.is_empty());
        let events = objects
            .iter()
            .find(|o| o.name == schema::STATUS_EVENT)
            .unwrap();
        assert!(events.field("Name").is_some_and(|f| f.managed));
    }
}
