//! The org as it is before a migration: the platform's own records (the
//! Organization, profiles, users, a queue, record types, permission sets,
//! standard value sets) and whatever the test or demo says already exists
//! ([`ExistingData`]): accounts, contacts, cases, extra users, custom
//! fields, and the automation a preflight must find (assignment rules,
//! validation rules, Apex triggers).

use super::errors::SfError;
use super::routes::tooling::refresh_value_sets;
use super::schema::custom;
use super::state::{OrgSettings, Record, State, UndoLog};
use super::values::{format_datetime, Source};
use super::write::{self, AutoAssign, Ctx};
use super::Credentials;
use serde_json::{json, Value};
use std::io;

/// An active or inactive Case assignment rule and who it assigns to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentRuleSeed {
    pub name: String,
    pub active: bool,
    /// Username of the user to assign to; `None` assigns to the seeded
    /// "Support Queue".
    pub assign_to_user: Option<String>,
}

/// A validation rule (Tooling `ValidationRule`) on `object`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationRuleSeed {
    pub object: String,
    pub name: String,
    pub active: bool,
    pub error_message: String,
}

/// An Apex trigger (Tooling `ApexTrigger`) on `object`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApexTriggerSeed {
    pub object: String,
    pub name: String,
    pub active: bool,
}

/// Records present before the migration. Records are create bodies
/// (`POST /sobjects/{T}` JSON) and may carry audit fields; custom fields
/// are Tooling bodies (`{"FullName","Metadata"}`), granted to the API
/// user's permission set when `grant_custom_fields` is set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExistingData {
    pub users: Vec<Value>,
    pub custom_fields: Vec<Value>,
    pub grant_custom_fields: bool,
    pub accounts: Vec<Value>,
    pub contacts: Vec<Value>,
    pub cases: Vec<Value>,
    pub assignment_rules: Vec<AssignmentRuleSeed>,
    pub validation_rules: Vec<ValidationRuleSeed>,
    pub apex_triggers: Vec<ApexTriggerSeed>,
}

/// Id of the migration permission set's record name.
pub const MIGRATION_PERMISSION_SET: &str = "Deskshift_Migration";
/// Name of the seeded queue assignment rules assign to by default.
pub const SUPPORT_QUEUE: &str = "Support Queue";

/// The demo agents every org has: two active, one who left.
pub const AGENTS: [(&str, &str, &str, bool); 3] = [
    ("Ada", "Lovelace", "ada@deskshift-demo.invalid", true),
    ("Grace", "Hopper", "grace@deskshift-demo.invalid", true),
    ("Ken", "Thompson", "ken@deskshift-demo.invalid", false),
];

/// A platform record written directly (these objects are read-only to the API).
fn platform(state: &mut State, object: &str, prefix: &str, now: &str, fields: Value) -> String {
    let id = state.next_id(prefix);
    let mut record = Record::new();
    record.insert("Id".into(), json!(id));
    record.insert("IsDeleted".into(), json!(false));
    for key in ["CreatedDate", "LastModifiedDate", "SystemModstamp"] {
        record.insert(key.into(), json!(now));
    }
    let creator = if state.api_user_id.is_empty() {
        json!(null)
    } else {
        json!(state.api_user_id)
    };
    for key in ["CreatedById", "LastModifiedById"] {
        record.insert(key.into(), creator.clone());
    }
    if let Value::Object(map) = fields {
        record.extend(map);
    }
    let mut undo = UndoLog::new();
    state.put(object, record, &mut undo);
    id
}

/// A user whose username is their e-mail, as the seeded users' are.
fn user(
    state: &mut State,
    now: &str,
    profile: &str,
    (first, last, email, active): (&str, &str, &str, bool),
) -> String {
    let alias: String = format!("{}{}", first.chars().next().unwrap_or('u'), last)
        .chars()
        .take(8)
        .collect();
    platform(
        state,
        "User",
        "005",
        now,
        json!({
            "Username": email, "Email": email, "FirstName": first, "LastName": last,
            "Name": format!("{first} {last}"), "Alias": alias.to_lowercase(), "IsActive": active,
            "ProfileId": profile, "TimeZoneSidKey": "Europe/Berlin", "LocaleSidKey": "en_US",
            "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US",
        }),
    )
}

fn invalid(kind: &str, index: usize, e: SfError) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "existing {kind}[{index}] was refused: {}: {}",
            e.code, e.message
        ),
    )
}

/// A fresh org for `credentials`, with `existing` loaded.
pub fn org(
    settings: OrgSettings,
    credentials: &Credentials,
    existing: &ExistingData,
) -> io::Result<State> {
    let mut state = State::new(settings.clone());
    let now = format_datetime(chrono::Utc::now());
    let org_id = state.org_id.clone();
    let mut undo = UndoLog::new();
    let mut org = Record::new();
    for (k, v) in [
        ("Id", json!(org_id)),
        ("IsDeleted", json!(false)),
        ("Name", json!(settings.name)),
        ("OrganizationType", json!(settings.edition)),
        ("InstanceName", json!("EMU1")),
        ("IsSandbox", json!(false)),
        ("NamespacePrefix", json!(null)),
        ("DefaultLocaleSidKey", json!("en_US")),
        ("TimeZoneSidKey", json!("Europe/Berlin")),
        ("LanguageLocaleKey", json!("en_US")),
        ("CreatedDate", json!(now)),
    ] {
        org.insert(k.into(), v);
    }
    state.put("Organization", org, &mut undo);
    let admin = platform(
        &mut state,
        "Profile",
        "00e",
        &now,
        json!({"Name": "System Administrator", "UserType": "Standard", "PermissionsModifyAllData": true}),
    );
    let standard = platform(
        &mut state,
        "Profile",
        "00e",
        &now,
        json!({"Name": "Standard User", "UserType": "Standard", "PermissionsModifyAllData": false}),
    );
    let api_user = user(
        &mut state,
        &now,
        &admin,
        ("Integration", "User", &credentials.username, true),
    );
    state.api_user_id = api_user.clone();
    // The platform's records name their creator; the API user stands in.
    for object in ["Organization", "Profile", "User"] {
        let ids: Vec<String> = state
            .records
            .get(object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        for id in ids {
            if let Some(mut r) = state.get(object, &id).cloned() {
                r.insert("CreatedById".into(), json!(api_user));
                r.insert("LastModifiedById".into(), json!(api_user));
                state.put(object, r, &mut undo);
            }
        }
    }
    for agent in AGENTS {
        user(&mut state, &now, &standard, agent);
    }
    let mut sets = Vec::new();
    for (profile, name) in [
        (&admin, "X00ex000000System"),
        (&standard, "X00ex000000Standard"),
    ] {
        sets.push(platform(&mut state, "PermissionSet", "0PS", &now, json!({"Name": name, "Label": name, "IsOwnedByProfile": true, "ProfileId": profile, "PermissionsModifyAllData": profile == &admin})));
    }
    let migration = platform(
        &mut state,
        "PermissionSet",
        "0PS",
        &now,
        json!({"Name": MIGRATION_PERMISSION_SET, "Label": "Deskshift Migration", "IsOwnedByProfile": false, "ProfileId": null, "PermissionsModifyAllData": false}),
    );
    for set in [&sets[0], &migration] {
        platform(
            &mut state,
            "PermissionSetAssignment",
            "0Pa",
            &now,
            json!({"AssigneeId": api_user, "PermissionSetId": set}),
        );
    }
    let queue = platform(
        &mut state,
        "Group",
        "00G",
        &now,
        json!({"Name": SUPPORT_QUEUE, "DeveloperName": "Support_Queue", "Type": "Queue", "OwnerId": api_user}),
    );
    platform(
        &mut state,
        "RecordType",
        "012",
        &now,
        json!({"Name": "Support", "DeveloperName": "Support", "SobjectType": "Case", "IsActive": true, "IsPersonType": false}),
    );
    platform(
        &mut state,
        "RecordType",
        "012",
        &now,
        json!({"Name": "Business Account", "DeveloperName": "Business_Account", "SobjectType": "Account", "IsActive": true, "IsPersonType": false}),
    );
    for set in [
        "CaseStatus",
        "CasePriority",
        "CaseOrigin",
        "CaseType",
        "CaseReason",
    ] {
        platform(
            &mut state,
            "StandardValueSet",
            "0SV",
            &now,
            json!({"MasterLabel": set}),
        );
    }
    refresh_value_sets(&mut state);
    apply_existing(&mut state, &now, existing, &queue, &migration, &standard)?;
    Ok(state)
}

fn apply_existing(
    state: &mut State,
    now: &str,
    existing: &ExistingData,
    queue: &str,
    migration: &str,
    standard_profile: &str,
) -> io::Result<()> {
    for rule in &existing.assignment_rules {
        let target = match &rule.assign_to_user {
            None => queue.to_string(),
            Some(username) => state
                .live_records("User")
                .find(|u| {
                    u.get("Username")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.eq_ignore_ascii_case(username))
                })
                .and_then(|u| u.get("Id").and_then(Value::as_str).map(str::to_string))
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("assignment rule {}: no user {username}", rule.name),
                    )
                })?,
        };
        let id = platform(
            state,
            "AssignmentRule",
            "01Q",
            now,
            json!({"Name": rule.name, "SobjectType": "Case", "Active": rule.active}),
        );
        state.assignment_targets.insert(id, target);
    }
    for rule in &existing.validation_rules {
        platform(
            state,
            "ValidationRule",
            "03d",
            now,
            json!({
                "ValidationName": rule.name, "EntityDefinitionId": rule.object, "Active": rule.active,
                "ErrorMessage": rule.error_message, "Description": null,
                "Metadata": {"active": rule.active, "errorMessage": rule.error_message},
            }),
        );
    }
    for trigger in &existing.apex_triggers {
        platform(
            state,
            "ApexTrigger",
            "01q",
            now,
            json!({
                "Name": trigger.name, "TableEnumOrId": trigger.object,
                "Status": if trigger.active { "Active" } else { "Inactive" },
                "UsageBeforeInsert": true, "UsageAfterInsert": true, "UsageBeforeUpdate": false, "UsageAfterUpdate": false,
            }),
        );
    }
    for (index, body) in existing.custom_fields.iter().enumerate() {
        let full = body
            .get("FullName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let metadata = body.get("Metadata").cloned().unwrap_or(Value::Null);
        let (owner, field) = custom::field_from_metadata(&state.schema, full, &metadata)
            .map_err(|e| invalid("custom_fields", index, e))?;
        let full = format!("{owner}.{}", field.name);
        let developer = field.name.trim_end_matches("__c").to_string();
        if let Some(o) = state.schema.get_mut(&owner) {
            o.fields.push(field);
        }
        platform(
            state,
            "CustomField",
            "00N",
            now,
            json!({"DeveloperName": developer, "TableEnumOrId": owner, "FullName": full, "NamespacePrefix": null, "Metadata": metadata}),
        );
        if existing.grant_custom_fields {
            platform(
                state,
                "FieldPermissions",
                "01k",
                now,
                json!({"ParentId": migration, "SobjectType": owner, "Field": full, "PermissionsRead": true, "PermissionsEdit": true}),
            );
        }
    }
    // Existing records may carry their original audit fields and owners.
    let saved_org = state.org.clone();
    state.org.set_audit_fields = true;
    let ctx = Ctx {
        now: now.to_string(),
        auto_assign: AutoAssign::Off,
        lock: None,
        source: Source::Json,
    };
    let mut undo = UndoLog::new();
    let groups: [(&str, &str, &Vec<Value>); 4] = [
        ("users", "User", &existing.users),
        ("accounts", "Account", &existing.accounts),
        ("contacts", "Contact", &existing.contacts),
        ("cases", "Case", &existing.cases),
    ];
    let mut result = Ok(());
    'outer: for (kind, object, bodies) in groups {
        for (index, body) in bodies.iter().enumerate() {
            let Some(map) = body.as_object() else {
                result = Err(invalid(
                    kind,
                    index,
                    SfError::json_parser("a record must be a JSON object"),
                ));
                break 'outer;
            };
            // A seeded user without a profile gets the Standard User one,
            // whose id the caller cannot know in advance.
            let mut map = map.clone();
            if object == "User" && !map.contains_key("ProfileId") {
                map.insert("ProfileId".into(), json!(standard_profile));
            }
            if let Err(e) = write::insert(state, &ctx, object, &map, &mut undo) {
                result = Err(invalid(kind, index, e));
                break 'outer;
            }
        }
    }
    state.org = saved_org;
    result
}
