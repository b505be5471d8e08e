//! Private notes → CaseComments (`IsPublished = false`).
//!
//! CaseComment cannot carry a custom field, so it has no external id and a
//! repeated insert is not refused: the idempotency key is the marker line
//! every migrated comment starts with (`[stames-note <id> <part>/<total>]`,
//! [`CommentMarker`]). A note whose earlier attempt may have landed (left
//! pending by a crash, or failed uncertainly) has its Case's comments
//! listed first, and only the parts whose marker is absent are created.
//! A note is journaled once, with its first comment's id.

use super::cases::Landed;
use super::messages::{context, in_order};
use super::{api_failure, Run};
use crate::client::ApiError;
use crate::map::message::{self, CommentMarker, CommentPart, MappedMessage};
use crate::map::schema;
use crate::map::users::UserDirectory;
use crate::map::validate::validate;
use crate::map::SfId;
use crate::prepare::Org;
use deskshift_core::destination::notes::Category;
use deskshift_core::destination::DestinationError;
use deskshift_core::engine::Written;
use deskshift_core::ledger::{content_hash, IdMapState, Intent, Outcome};
use deskshift_core::model::{ObjectKind, SourceId, Visibility};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

const KIND: ObjectKind = ObjectKind::Messages;

/// One note to write: its parts not yet in Salesforce.
struct Pending {
    case_id: SfId,
    message_id: String,
    hash: String,
    /// Ids of parts already there.
    present: Vec<String>,
    missing: Vec<CommentPart>,
}

pub async fn load(
    run: &Run<'_>,
    org: &Org,
    users: &UserDirectory,
    landed: &[Landed<'_>],
    files: &HashMap<SourceId, SfId>,
) -> Result<(), DestinationError> {
    let describe = org.describe(schema::CASE_COMMENT);
    // Cases with a note whose earlier attempt may have landed.
    let mut unsure_cases = Vec::new();
    for l in landed {
        for m in in_order(l.thread, Visibility::PrivateNote) {
            let state = run.mapping(KIND, &m.id)?.map(|e| e.state);
            if matches!(state, Some(IdMapState::Pending | IdMapState::Failed)) {
                unsure_cases.push(l.case_id.clone());
                break;
            }
        }
    }
    let existing = existing_markers(run, &unsure_cases).await?;
    let mut pending = Vec::new();
    for l in landed {
        let ctx = context(run, org, users, l, files);
        for m in in_order(l.thread, Visibility::PrivateNote) {
            run.ctx.counts.source(KIND, 1);
            if let Some(id) = run.done_dest_id(KIND, &m.id)? {
                run.tally(KIND, &m.id, &Written::AlreadyDone(id))?;
                continue;
            }
            let MappedMessage::Note { parts, repairs } = message::message(m, &ctx) else {
                continue;
            };
            for r in &repairs {
                run.notes.add(
                    Category::Repair,
                    KIND,
                    &m.id,
                    format!("{}: {}", r.field, r.detail),
                );
            }
            let mut note = Pending {
                case_id: l.case_id.clone(),
                message_id: m.id.clone(),
                hash: content_hash(m),
                present: Vec::new(),
                missing: Vec::new(),
            };
            let mut refused = None;
            for mut part in parts {
                let line = part.marker.line();
                if let Some(id) = existing.get(&(l.case_id.clone(), line)) {
                    note.present.push(id.clone());
                    continue;
                }
                let label = format!("CaseComment for Stames note {}", m.id);
                if let Err(reject) = validate(&describe, &mut part.record, &label) {
                    refused = Some(reject);
                    break;
                }
                note.missing.push(part);
            }
            if let Some(reject) = refused {
                run.reject(
                    KIND,
                    &m.id,
                    reject.field.as_deref().unwrap_or("(record)"),
                    format!("{}: {}", reject.record, reject.reason),
                    &reject.action,
                )?;
                continue;
            }
            pending.push(note);
        }
    }
    write(run, pending).await
}

/// `(case id, marker line)` → comment id, for `cases`.
async fn existing_markers(
    run: &Run<'_>,
    cases: &[String],
) -> Result<HashMap<(String, String), String>, DestinationError> {
    let mut out = HashMap::new();
    let prefix = "SELECT Id, ParentId, CommentBody FROM CaseComment WHERE ";
    let rows = run
        .client
        .query_in(prefix, "ParentId", cases.iter().map(String::as_str))
        .await
        .map_err(|e| api_failure("list the comments of a Case", e))?;
    for row in rows {
        let text = |f: &str| row.get(f).and_then(Value::as_str).unwrap_or_default();
        if let Some(marker) = CommentMarker::parse(text("CommentBody")) {
            out.insert(
                (text("ParentId").to_string(), marker.line()),
                text("Id").to_string(),
            );
        }
    }
    Ok(out)
}

/// Rounds of sending the parts that did not land for a transient reason.
const MAX_ROUNDS: usize = 4;

/// Intents for every note, one Collections insert of all missing parts,
/// then each note's outcome: created when every part is there, rejected
/// with Salesforce's words, or — for a transient failure (a lock, a 5xx) —
/// its Case's markers listed again and the parts still missing sent again,
/// a few rounds at most; a note still unconfirmed after that is left for
/// the next run, which completes it the same way.
async fn write(run: &Run<'_>, mut notes: Vec<Pending>) -> Result<(), DestinationError> {
    for n in &notes {
        run.settle_pending(KIND, &n.message_id)?;
    }
    let mut tallies = Vec::new();
    let mut last = String::new();
    for _ in 0..MAX_ROUNDS {
        if notes.is_empty() {
            break;
        }
        let unsure = round(run, notes, &mut tallies).await?;
        let Some(reason) = unsure.first().map(|(_, reason)| reason.clone()) else {
            notes = Vec::new();
            break;
        };
        last = reason;
        notes = unsure.into_iter().map(|(n, _)| n).collect();
        // What landed of them is found by its marker, not sent twice.
        let cases: Vec<SfId> = notes.iter().map(|n| n.case_id.clone()).collect();
        let existing = existing_markers(run, &cases).await?;
        for n in &mut notes {
            let (present, missing): (Vec<CommentPart>, Vec<CommentPart>) =
                std::mem::take(&mut n.missing)
                    .into_iter()
                    .partition(|p| existing.contains_key(&(n.case_id.clone(), p.marker.line())));
            for p in present {
                if let Some(id) = existing.get(&(n.case_id.clone(), p.marker.line())) {
                    n.present.push(id.clone());
                }
            }
            n.missing = missing;
        }
    }
    for n in notes {
        tallies.push((
            n.message_id,
            Written::Rejected(format!(
                "not confirmed after {MAX_ROUNDS} attempts ({last}); run migrate again: the \
                 parts that landed are found by their marker and not written twice"
            )),
        ));
    }
    let mut seen = HashSet::new();
    for (message_id, written) in tallies {
        if seen.insert(message_id.clone()) {
            run.tally(KIND, &message_id, &written)?;
        }
    }
    Ok(())
}

/// One round: intents, one insert, outcomes. Settled notes are added to
/// `tallies`; those that may or may not have landed come back with why.
async fn round(
    run: &Run<'_>,
    notes: Vec<Pending>,
    tallies: &mut Vec<(String, Written)>,
) -> Result<Vec<(Pending, String)>, DestinationError> {
    let journal = run.ctx.journal;
    let intents: Vec<Intent> = notes
        .iter()
        .map(|n| Intent::create(KIND, n.message_id.clone(), n.hash.clone()))
        .collect();
    let ids = journal.with(|l| l.record_intents(journal.run(), &intents))?;
    let records: Vec<Value> = notes
        .iter()
        .flat_map(|n| n.missing.iter().map(|p| Value::Object(p.record.clone())))
        .collect();
    let mut results = run
        .client
        .create_many(schema::CASE_COMMENT, &records)
        .await
        .into_iter();
    let mut outcomes = Vec::new();
    let mut unsure_notes = Vec::new();
    let mut fatal = None;
    for (mut n, id) in notes.into_iter().zip(ids) {
        let mut refused = None;
        let mut unsure = None;
        let mut still_missing = Vec::new();
        for part in std::mem::take(&mut n.missing) {
            match results.next() {
                Some(Ok(saved)) => n.present.push(saved.id),
                Some(Err(e)) => {
                    match e {
                        ApiError::Refused { .. } => refused = Some(e.to_string()),
                        ApiError::Locked { .. }
                        | ApiError::Throttled { .. }
                        | ApiError::Uncertain(_) => unsure = Some(e.to_string()),
                        other => {
                            unsure = Some(other.to_string());
                            fatal.get_or_insert(other);
                        }
                    }
                    still_missing.push(part);
                }
                None => {
                    unsure = Some("no result for it".into());
                    still_missing.push(part);
                }
            }
        }
        n.missing = still_missing;
        match (refused, unsure) {
            (Some(reason), _) => {
                outcomes.push((
                    id,
                    Outcome::Rejected {
                        reason: reason.clone(),
                    },
                ));
                tallies.push((n.message_id, Written::Rejected(reason)));
            }
            (None, Some(reason)) => {
                outcomes.push((
                    id,
                    Outcome::Failed {
                        reason: reason.clone(),
                    },
                ));
                unsure_notes.push((n, reason));
            }
            (None, None) => {
                let first = n.present.first().cloned().unwrap_or_default();
                outcomes.push((
                    id,
                    Outcome::Created {
                        dest_id: first.clone(),
                    },
                ));
                tallies.push((n.message_id, Written::Created(first)));
            }
        }
    }
    journal.with(|l| l.record_outcomes(&outcomes))?;
    if let Some(error) = fatal {
        return Err(api_failure("write CaseComments", error));
    }
    Ok(unsure_notes)
}
