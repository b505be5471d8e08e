//! `verify`: reads back every migrated record and compares it, field by
//! field, with what the map says the org must hold.
//!
//! The expectation is computed by the very functions the writer used
//! ([`crate::map`]), fed from the source (read again), the ledger's id map
//! and the org's describe — never from what Salesforce answered at write
//! time — so a record that changed, lost a message or was re-owned shows
//! up. Records are read back with SOQL in chunks (`WHERE Id IN (…)` or by
//! parent), never one call per record.
//!
//! Compared: every field of every planned record (Contact with its
//! `AccountId`; Case with status, priority, origin, owner — the migration
//! user when the map sets none, so an assignment rule that re-owned a Case
//! shows —, contact and account links, subject, description, dates to the
//! second, reminder and SLA fields, tags, custom fields; EmailMessage with
//! parent, direction, addresses, `MessageDate` to the second, status,
//! bodies by hash; CaseComment bodies; status events; file titles),
//! message count and order per Case, and that users, custom fields and
//! objects the ledger names still exist.

mod cases;
mod customers;
mod schema;

use crate::map::Record;
use crate::prepare::Org;
use crate::writer::{api_failure, Run};
use chrono::{DateTime, NaiveDateTime, Utc};
use deskshift_core::destination::{DestinationError, Mismatch, VerifyReport};
use deskshift_core::model::ObjectKind;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Mismatches kept in the report; more are counted, not listed.
pub const MAX_LISTED_MISMATCHES: usize = 10_000;

/// Fields compared by a hash of their whitespace-collapsed text.
const LONG_TEXT: [&str; 5] = [
    "TextBody",
    "HtmlBody",
    "Description",
    "CommentBody",
    "Stames_Reminders__c",
];

/// Verdicts of one verify run.
#[derive(Default)]
pub struct Verdicts {
    counts: BTreeMap<ObjectKind, (u64, u64)>,
    mismatches: Vec<Mismatch>,
}

impl Verdicts {
    pub fn record(&mut self, kind: ObjectKind, problems: Vec<Mismatch>) {
        let entry = self.counts.entry(kind).or_default();
        if problems.is_empty() {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        let room = MAX_LISTED_MISMATCHES.saturating_sub(self.mismatches.len());
        self.mismatches.extend(problems.into_iter().take(room));
    }

    fn report(self) -> VerifyReport {
        VerifyReport {
            counts: self.counts,
            mismatches: self.mismatches,
        }
    }
}

/// Builds mismatches for one record.
pub struct Check {
    kind: ObjectKind,
    source_id: String,
    dest_id: Option<String>,
    pub problems: Vec<Mismatch>,
}

impl Check {
    pub fn new(kind: ObjectKind, source_id: &str, dest_id: Option<&str>) -> Check {
        Check {
            kind,
            source_id: source_id.to_string(),
            dest_id: dest_id.map(String::from),
            problems: Vec::new(),
        }
    }

    pub fn differ(&mut self, field: &str, expected: impl Into<String>, actual: impl Into<String>) {
        self.problems.push(Mismatch {
            kind: self.kind,
            source_id: self.source_id.clone(),
            dest_id: self.dest_id.clone(),
            field: field.to_string(),
            expected: expected.into(),
            actual: actual.into(),
        });
    }

    /// Every field of `expected` against `actual` (a SOQL row).
    pub fn record(&mut self, object: &str, expected: &Record, actual: &Value) {
        for (field, want) in expected {
            let got = actual.get(field).unwrap_or(&Value::Null);
            if !same(field, want, got) {
                self.differ(&format!("{object}.{field}"), show(want), show(got));
            }
        }
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) if s.chars().count() > 200 => {
            format!(
                "{}… (sha256 {})",
                s.chars().take(80).collect::<String>(),
                text_hash(s)
            )
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether a value read back is the value written, as Salesforce keeps it:
/// times to the second whatever their spelling, multi-select values as a
/// set, numbers numerically, long texts by a whitespace-insensitive hash.
pub fn same(field: &str, expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Null, Value::Null) => true,
        (Value::String(e), Value::Null) | (Value::Null, Value::String(e)) => e.is_empty(),
        (Value::String(e), Value::String(a)) => {
            if let (Some(e), Some(a)) = (instant(e), instant(a)) {
                return e.timestamp() == a.timestamp();
            }
            if LONG_TEXT.iter().any(|f| f.eq_ignore_ascii_case(field)) {
                return text_hash(e) == text_hash(a);
            }
            if field.eq_ignore_ascii_case(crate::map::schema::TAGS) {
                let set = |s: &str| {
                    let mut v: Vec<String> = s.split(';').map(|x| x.trim().to_string()).collect();
                    v.sort();
                    v
                };
                return set(e) == set(a);
            }
            e == a
        }
        (Value::Number(e), Value::Number(a)) => match (e.as_f64(), a.as_f64()) {
            (Some(e), Some(a)) => (e - a).abs() < 1e-9,
            _ => e == a,
        },
        (Value::Number(e), Value::String(a)) | (Value::String(a), Value::Number(e)) => {
            a.parse::<f64>().ok() == e.as_f64()
        }
        (Value::Bool(e), Value::Bool(a)) => e == a,
        (Value::Bool(false), Value::Null) => true,
        (e, a) => e == a,
    }
}

/// An instant in any of Salesforce's spellings (`…Z`, `….000+0000`).
fn instant(text: &str) -> Option<DateTime<Utc>> {
    if text.len() < 19 || text.as_bytes().get(10).is_none_or(|b| *b != b'T') {
        return None;
    }
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|n| n.and_utc())
        })
}

/// A text's fingerprint: whitespace collapsed, then SHA-256.
pub fn text_hash(text: &str) -> String {
    let kept: Vec<&str> = text.split_whitespace().collect();
    hex::encode(Sha256::digest(kept.join(" ").as_bytes()))
}

/// `SELECT fields FROM object WHERE field IN (values)`, in as many queries
/// as the values need.
pub async fn select_in(
    run: &Run<'_>,
    object: &str,
    fields: &[String],
    field: &str,
    values: &[String],
) -> Result<Vec<Value>, DestinationError> {
    let mut wanted: Vec<&str> = vec!["Id"];
    for f in fields {
        if !wanted.iter().any(|w| w.eq_ignore_ascii_case(f)) {
            wanted.push(f);
        }
    }
    let prefix = format!("SELECT {} FROM {object} WHERE ", wanted.join(", "));
    run.client
        .query_in(&prefix, field, values.iter().map(String::as_str))
        .await
        .map_err(|e| api_failure(&format!("read back {object} records"), e))
}

/// The field names of `records`, for a SELECT.
pub fn fields_of<'r>(records: impl IntoIterator<Item = &'r Record>) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for r in records {
        for k in r.keys() {
            if !fields.contains(k) {
                fields.push(k.clone());
            }
        }
    }
    fields
}

pub async fn verify(run: &Run<'_>, org: &Org) -> Result<VerifyReport, DestinationError> {
    let mut verdicts = Verdicts::default();
    let users = schema::users(run, &mut verdicts).await?;
    schema::definitions(run, org, &mut verdicts).await?;
    customers::customers(run, org, &mut verdicts).await?;
    cases::cases(run, org, &users, &mut verdicts).await?;
    schema::records(run, org, &mut verdicts).await?;
    let report = verdicts.report();
    for (kind, (verified, mismatched)) in &report.counts {
        run.ctx.counts.verified(*kind, *verified, *mismatched);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_compare_as_salesforce_keeps_them() {
        assert!(same(
            "MessageDate",
            &json!("2024-05-01T08:00:00Z"),
            &json!("2024-05-01T08:00:00.000+0000")
        ));
        assert!(!same(
            "MessageDate",
            &json!("2024-05-01T08:00:00Z"),
            &json!("2024-05-01T08:00:01.000+0000")
        ));
        assert!(same("TextBody", &json!("a  b\n c"), &json!("a b c")));
        assert!(!same("Subject", &json!("a  b"), &json!("a b")));
        assert!(same("Stames_Tags__c", &json!("x;y"), &json!("y;x")));
        assert!(same("Amount__c", &json!(2), &json!(2.0)));
        assert!(same("Stames_SLA_Breached__c", &json!(false), &Value::Null));
    }
}
