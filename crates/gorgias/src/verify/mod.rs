//! `verify`: reads back every migrated record and compares it, field by
//! field, with what the map says Gorgias must hold.
//!
//! The expectation is computed by the very functions the writer used
//! ([`crate::map`]), fed from the source (read again) and the ledger's id
//! map — never from what Gorgias answered at write time — so a record that
//! changed, lost a message or landed in the wrong order shows up.
//!
//! Per ticket (one `GET /api/tickets/{id}`, which includes the messages):
//! status, priority, channel, subject, customer link, assignee, tags,
//! custom-field values, creation and closing times; per message, in order:
//! external id, sender, direction (`from_agent`), channel, visibility,
//! `created_datetime` and `sent_datetime` to the second, body hashes
//! (whitespace-normalised), attachment names and sizes. Customers are read
//! one by one; users, tags and custom fields are listed once.

mod customers;
mod schema;
mod tickets;

use crate::writer::Run;
use deskshift_core::destination::{DestinationError, Mismatch, VerifyReport};
use deskshift_core::model::ObjectKind;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Mismatches kept in the report; more are counted, not listed.
pub const MAX_LISTED_MISMATCHES: usize = 10_000;

/// Collects verdicts from concurrent checks.
#[derive(Default)]
struct Verdicts {
    counts: Mutex<BTreeMap<ObjectKind, (u64, u64)>>,
    mismatches: Mutex<Vec<Mismatch>>,
}

impl Verdicts {
    fn record(&self, kind: ObjectKind, problems: Vec<Mismatch>) {
        let clean = problems.is_empty();
        {
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            let entry = counts.entry(kind).or_default();
            if clean {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
        let mut list = self.mismatches.lock().unwrap_or_else(|p| p.into_inner());
        let room = MAX_LISTED_MISMATCHES.saturating_sub(list.len());
        list.extend(problems.into_iter().take(room));
    }

    fn report(self) -> VerifyReport {
        VerifyReport {
            counts: self.counts.into_inner().unwrap_or_else(|p| p.into_inner()),
            mismatches: self
                .mismatches
                .into_inner()
                .unwrap_or_else(|p| p.into_inner()),
        }
    }
}

/// Builds mismatches for one record.
struct Check<'a> {
    kind: ObjectKind,
    source_id: &'a str,
    dest_id: String,
    problems: Vec<Mismatch>,
}

impl<'a> Check<'a> {
    fn new(kind: ObjectKind, source_id: &'a str, dest_id: impl ToString) -> Check<'a> {
        Check {
            kind,
            source_id,
            dest_id: dest_id.to_string(),
            problems: Vec::new(),
        }
    }

    fn eq<T: PartialEq + std::fmt::Debug>(
        &mut self,
        field: impl Into<String>,
        expected: T,
        actual: T,
    ) {
        if expected != actual {
            self.differ(field, format!("{expected:?}"), format!("{actual:?}"));
        }
    }

    fn differ(&mut self, field: impl Into<String>, expected: String, actual: String) {
        self.problems.push(Mismatch {
            kind: self.kind,
            source_id: self.source_id.to_string(),
            dest_id: Some(self.dest_id.clone()),
            field: field.into(),
            expected,
            actual,
        });
    }
}

pub async fn verify(run: &Run<'_>) -> Result<VerifyReport, DestinationError> {
    let verdicts = Verdicts::default();
    let schema = schema::schema(run, &verdicts).await?;
    let agents = schema::agents(run, &verdicts).await?;
    customers::customers(run, &schema.customer_fields, &verdicts).await?;
    tickets::tickets(run, &schema, &agents, &verdicts).await?;
    customers::records(run, &verdicts).await?;
    let report = verdicts.report();
    for (kind, (verified, mismatched)) in &report.counts {
        run.ctx.counts.verified(*kind, *verified, *mismatched);
    }
    Ok(report)
}

/// A body's fingerprint: whitespace collapsed, announcements of files that
/// could not move left out (their reasons are the writer's words of the
/// moment), then SHA-256.
pub fn body_hash(text: &str) -> String {
    let text = strip_notices(text);
    let kept: Vec<&str> = text.split_whitespace().collect();
    hex::encode(Sha256::digest(kept.join(" ").as_bytes()))
}

/// `text` without `[Attachment “…” could not be migrated: …]` notices.
fn strip_notices(text: &str) -> String {
    const START: &str = "[Attachment “";
    const MIDDLE: &str = "” could not be migrated";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(START) {
        let notice = &rest[at..];
        let end = notice
            .find(MIDDLE)
            .and_then(|m| notice[m..].find(']').map(|e| m + e + 1));
        match end {
            Some(end) => {
                out.push_str(&rest[..at]);
                rest = &notice[end..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::body::{missing_notice, MissingFile};

    #[test]
    fn body_hashes_ignore_whitespace_and_file_notices() {
        let a = body_hash("Hello\n\n  world ");
        assert_eq!(a, body_hash("Hello world"));
        let with_notice = format!(
            "Hello world\n\n{}",
            missing_notice(&MissingFile {
                name: "x.pdf".into(),
                reason: "gone".into()
            })
        );
        assert_eq!(a, body_hash(&with_notice));
        let html = format!(
            "<p>Hello world</p><p>{}</p>",
            missing_notice(&MissingFile {
                name: "x.pdf".into(),
                reason: "gone".into()
            })
        );
        assert_eq!(body_hash(&html), body_hash("<p>Hello world</p><p></p>"));
        assert_ne!(a, body_hash("Hello there"));
    }
}
