//! The org's data: schema, records of every object, bulk jobs, id
//! sequences and what the org recorded about side effects.
//!
//! Records are JSON maps keyed by canonical field names. A deleted record
//! stays with `IsDeleted = true` (the Recycle Bin) so that `queryAll` can
//! still see it. Unique and external-id fields are indexed, so that a load
//! of thousands of records does not scan for duplicates.
//!
//! Every change goes through [`State::put`] and [`State::restore`], which
//! keep the index right and append to an undo log: that is how an
//! allOrNone request or a failed composite rolls back exactly what it did.

use super::bulk::Job;
use super::ids;
use super::schema::{FieldDef, ObjectDef, Schema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

pub type Record = Map<String, Value>;

/// Org-wide settings a load depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSettings {
    /// "Enable Set Audit Fields upon Record Creation and Update Records
    /// with Inactive Owners" (Setup › User Interface), granted to the API
    /// user: CreatedDate & co. may be set on insert, and inactive users
    /// may own records.
    pub set_audit_fields: bool,
    /// Case Status, Priority and Origin are restricted picklists.
    pub restricted_picklists: bool,
    /// The org's name and edition, shown by `Organization`.
    pub name: String,
    pub edition: String,
}

impl Default for OrgSettings {
    fn default() -> OrgSettings {
        OrgSettings {
            set_audit_fields: false,
            restricted_picklists: true,
            name: "Deskshift Demo Org".to_string(),
            edition: "Developer Edition".to_string(),
        }
    }
}

/// A side effect the platform applied on its own, recorded so that tests
/// can prove a client switched it off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoAssignment {
    pub case_id: String,
    pub rule_id: String,
    pub previous_owner: String,
    pub new_owner: String,
}

/// One step to undo: the record as it was before (`None`: it did not exist).
#[derive(Debug, Clone)]
pub struct Undo {
    object: String,
    id: String,
    before: Option<Record>,
}

pub type UndoLog = Vec<Undo>;

/// The rest of a query result, served page by page through
/// `nextRecordsUrl` (`/query/01g…-2000`).
#[derive(Debug, Clone)]
pub struct Cursor {
    pub locator: String,
    pub records: Vec<serde_json::Value>,
    pub batch_size: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    pub schema: Schema,
    pub org: OrgSettings,
    pub org_id: String,
    /// The API user every session runs as.
    pub api_user_id: String,
    /// Records by canonical object name, then id.
    pub records: BTreeMap<String, BTreeMap<String, Record>>,
    /// Last sequence number used per key prefix.
    pub sequences: BTreeMap<String, u64>,
    /// Active assignment rule id → the user or queue it assigns Cases to.
    pub assignment_targets: BTreeMap<String, String>,
    pub auto_assignments: Vec<AutoAssignment>,
    pub jobs: BTreeMap<String, Job>,
    /// Open query cursors (not persisted: a restart ends them, as on the
    /// platform where locators expire).
    #[serde(skip)]
    pub cursors: std::collections::VecDeque<Cursor>,
    #[serde(skip)]
    pub cursor_seq: u64,
    /// (object, field, normalised value) → id, for unique fields.
    #[serde(skip)]
    unique: HashMap<(String, String, String), String>,
}

impl State {
    pub fn new(org: OrgSettings) -> State {
        let mut state = State {
            schema: Schema::standard(org.restricted_picklists),
            org,
            ..State::default()
        };
        state.org_id = state.next_id("00D");
        state
    }

    pub fn next_id(&mut self, prefix: &str) -> String {
        let n = self.sequences.entry(prefix.to_string()).or_insert(0);
        *n += 1;
        ids::make(prefix, *n)
    }

    /// Rebuilds the unique index after loading a state file.
    pub fn reindex(&mut self) {
        self.unique.clear();
        let keys: Vec<(String, String)> = self
            .records
            .iter()
            .flat_map(|(o, recs)| recs.keys().map(move |id| (o.clone(), id.clone())))
            .collect();
        for (object, id) in keys {
            if let Some(record) = self.records.get(&object).and_then(|r| r.get(&id)).cloned() {
                self.index(&object, &record, true);
            }
        }
    }

    fn unique_key(
        object: &str,
        field: &FieldDef,
        value: &Value,
    ) -> Option<(String, String, String)> {
        let text = match value {
            Value::Null => return None,
            Value::String(s) if s.is_empty() => return None,
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let text = if field.case_sensitive {
            text
        } else {
            text.to_lowercase()
        };
        Some((object.to_string(), field.name.clone(), text))
    }

    fn index(&mut self, object: &str, record: &Record, add: bool) {
        if record.get("IsDeleted") == Some(&Value::Bool(true)) {
            return;
        }
        let Some(def) = self.schema.get(object) else {
            return;
        };
        let id = record.get("Id").and_then(Value::as_str).unwrap_or_default();
        let keys: Vec<_> = def
            .fields
            .iter()
            .filter(|f| f.unique)
            .filter_map(|f| Self::unique_key(object, f, record.get(&f.name)?))
            .collect();
        for key in keys {
            if add {
                self.unique.insert(key, id.to_string());
            } else if self.unique.get(&key).map(String::as_str) == Some(id) {
                self.unique.remove(&key);
            }
        }
    }

    /// The live record holding `value` in unique `field`, if any.
    pub fn unique_owner(&self, object: &str, field: &FieldDef, value: &Value) -> Option<&str> {
        let key = Self::unique_key(object, field, value)?;
        self.unique.get(&key).map(String::as_str)
    }

    /// The object of an id, by its key prefix.
    pub fn object_of(&self, id: &str) -> Option<&ObjectDef> {
        self.schema.by_prefix(ids::prefix(id))
    }

    /// A record, deleted or not.
    pub fn get(&self, object: &str, id: &str) -> Option<&Record> {
        self.records.get(object)?.get(id)
    }

    /// A record that is not in the Recycle Bin.
    pub fn live(&self, object: &str, id: &str) -> Option<&Record> {
        self.get(object, id).filter(|r| !is_deleted(r))
    }

    pub fn live_records<'a>(&'a self, object: &str) -> impl Iterator<Item = &'a Record> + 'a {
        self.records
            .get(object)
            .into_iter()
            .flat_map(|m| m.values())
            .filter(|r| !is_deleted(r))
    }

    /// Live records whose `field` equals `value` (external-id lookups).
    pub fn find_by(&self, object: &str, field: &FieldDef, value: &str) -> Vec<String> {
        if field.unique {
            return self
                .unique_owner(object, field, &Value::String(value.to_string()))
                .map(|id| vec![id.to_string()])
                .unwrap_or_default();
        }
        let matches = |v: &Value| match v {
            Value::String(s) if field.case_sensitive => s == value,
            Value::String(s) => s.eq_ignore_ascii_case(value),
            Value::Number(n) => n.to_string() == value,
            Value::Bool(b) => b.to_string() == value,
            _ => false,
        };
        self.live_records(object)
            .filter(|r| r.get(&field.name).is_some_and(matches))
            .filter_map(|r| r.get("Id").and_then(Value::as_str).map(str::to_string))
            .collect()
    }

    /// Stores `record` (insert or replace), remembering the old version.
    pub fn put(&mut self, object: &str, record: Record, undo: &mut UndoLog) {
        let id = record
            .get("Id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let before = self.records.get(object).and_then(|m| m.get(&id)).cloned();
        if let Some(old) = &before {
            self.index(object, old, false);
        }
        self.index(object, &record, true);
        self.records
            .entry(object.to_string())
            .or_default()
            .insert(id.clone(), record);
        undo.push(Undo {
            object: object.to_string(),
            id,
            before,
        });
    }

    /// Undoes `log`, newest step first.
    pub fn rollback(&mut self, log: UndoLog) {
        for step in log.into_iter().rev() {
            let current = self
                .records
                .get_mut(&step.object)
                .and_then(|m| m.remove(&step.id));
            if let Some(current) = current {
                self.index(&step.object, &current, false);
            }
            if let Some(before) = step.before {
                self.index(&step.object, &before, true);
                self.records
                    .entry(step.object)
                    .or_default()
                    .insert(step.id, before);
            }
        }
    }

    /// Permission set ids assigned to the API user.
    pub fn api_user_permission_sets(&self) -> Vec<String> {
        self.live_records("PermissionSetAssignment")
            .filter(|r| r.get("AssigneeId").and_then(Value::as_str) == Some(&self.api_user_id))
            .filter_map(|r| r.get("PermissionSetId").and_then(Value::as_str))
            .map(str::to_string)
            .collect()
    }

    /// Field-level security for the API user: `(read, edit)`.
    pub fn field_access(&self, object: &str, field: &FieldDef) -> (bool, bool) {
        if !field.needs_permission {
            return (true, true);
        }
        let sets = self.api_user_permission_sets();
        let full = format!("{object}.{}", field.name);
        let mut access = (false, false);
        for fp in self.live_records("FieldPermissions") {
            let parent = fp
                .get("ParentId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let name = fp.get("Field").and_then(Value::as_str).unwrap_or_default();
            if sets.iter().any(|s| s == parent) && name.eq_ignore_ascii_case(&full) {
                let flag = |k: &str| fp.get(k) == Some(&Value::Bool(true));
                access.0 |= flag("PermissionsRead") || flag("PermissionsEdit");
                access.1 |= flag("PermissionsEdit");
            }
        }
        access
    }

    pub fn can_read(&self, object: &str, field: &FieldDef) -> bool {
        self.field_access(object, field).0
    }

    /// Every live record, rendered for before/after comparisons: object →
    /// list of records ordered by id, file bodies left out.
    pub fn snapshot(&self) -> Value {
        let mut out = Map::new();
        for (object, records) in &self.records {
            let live: Vec<Value> = records
                .values()
                .filter(|r| !is_deleted(r))
                .map(|r| {
                    let mut r = r.clone();
                    if let Some(Value::String(data)) = r.get("VersionData") {
                        let size = data.len();
                        r.insert(
                            "VersionData".into(),
                            Value::String(format!("<{size} base64 chars>")),
                        );
                    }
                    Value::Object(r)
                })
                .collect();
            if !live.is_empty() {
                out.insert(object.clone(), Value::Array(live));
            }
        }
        Value::Object(out)
    }
}

pub fn is_deleted(record: &Record) -> bool {
    record.get("IsDeleted") == Some(&Value::Bool(true))
}

pub fn text<'a>(record: &'a Record, field: &str) -> Option<&'a str> {
    record.get(field).and_then(Value::as_str)
}
