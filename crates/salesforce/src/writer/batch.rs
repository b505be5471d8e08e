//! The batched write protocol, one for every object with an external id
//! (Accounts, Contacts, Cases, EmailMessages, status events), whichever
//! API carries it:
//!
//! 1. Records done by an earlier run are answered from the ledger, no call.
//! 2. An intent an earlier run left *pending* (it died mid-call) is closed
//!    as failed: the record is simply sent again, because a repeat is safe
//!    by construction — an **upsert** on the external id updates what the
//!    first attempt inserted, and a repeated **insert** answers
//!    `DUPLICATE_VALUE … with id: …`, whose id is adopted as created.
//! 3. Intents of the whole batch are recorded durably (one transaction),
//!    then the batch is sent: sObject Collections (200 per call) or one
//!    Bulk API 2.0 job, by volume ([`Route`]).
//! 4. Every record's result is joined on its key — Collections answer in
//!    request order, Bulk result files are joined on the external-id
//!    column, never on row order — and the outcomes recorded in one
//!    transaction.
//! 5. Rows that did not land for a transient reason (`UNABLE_TO_LOCK_ROW`,
//!    a 5xx, a Bulk row left unprocessed or missing from every result file)
//!    are sent again, sorted by parent so one parent's children travel
//!    together and contend less, a few rounds at most.

use super::{api_failure, Run};
use crate::client::bulk::{BulkIngest, BulkOperation, BulkOutcome};
use crate::client::{ApiError, SalesforceError, Saved};
use crate::map::Record;
use deskshift_core::destination::DestinationError;
use deskshift_core::engine::Written;
use deskshift_core::ledger::{IdMapState, Intent, JournalId, Outcome};
use deskshift_core::model::ObjectKind;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::time::Duration;

/// Rounds of sending the rows that did not land for a transient reason.
const MAX_ROUNDS: usize = 4;

/// Which API carries a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// sObject Collections: 200 records per call, answered in order.
    Collections,
    /// One Bulk API 2.0 ingest job per batch.
    Bulk,
}

impl Route {
    /// Bulk API 2.0 from `threshold` records of an object on.
    pub fn for_volume(records: usize, threshold: usize) -> Route {
        if records >= threshold.max(1) {
            Route::Bulk
        } else {
            Route::Collections
        }
    }
}

/// How a batch writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Insert; a `DUPLICATE_VALUE` on the key adopts the existing record.
    Insert,
    /// Upsert on the key field.
    Upsert,
}

/// What a batch writes to.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The ledger kind the records are journaled as.
    pub kind: ObjectKind,
    pub object: &'a str,
    /// The external-id field, also the Bulk key column.
    pub key_field: &'a str,
    pub op: Op,
    pub route: Route,
}

/// One record to write.
#[derive(Debug, Clone)]
pub struct Item {
    /// The ledger's source id.
    pub source_id: String,
    pub hash: String,
    /// The external-id value in `record`.
    pub key: String,
    pub record: Record,
    /// The parent's id, to group retries (`ParentId`, `AccountId`, …).
    pub parent: String,
}

/// What happened to one record in one round.
enum Answer {
    Saved(Saved),
    /// The key exists already: this id holds it.
    Duplicate(String),
    Refused(String),
    /// Did not land for a transient reason: send again.
    Again(String),
    /// The org is unusable (credentials, quota): stop.
    Fatal(ApiError),
}

/// Writes `items` and returns each one's outcome, by source id, in input
/// order. Keys must be unique within `items`.
pub async fn write(
    run: &Run<'_>,
    target: &Target<'_>,
    items: Vec<Item>,
) -> Result<Vec<(String, Written)>, DestinationError> {
    let mut done: HashMap<String, Written> = HashMap::new();
    let order: Vec<String> = items.iter().map(|i| i.source_id.clone()).collect();
    let mut todo = Vec::new();
    // Whether an earlier attempt may have written the record, so that an
    // upsert that "updated" it is ours, not a pre-existing record.
    let mut tried: HashMap<String, bool> = HashMap::new();
    for item in items {
        let entry = run.mapping(target.kind, &item.source_id)?;
        if let Some(id) = run.done_dest_id(target.kind, &item.source_id)? {
            done.insert(item.source_id.clone(), Written::AlreadyDone(id));
            continue;
        }
        tried.insert(
            item.source_id.clone(),
            entry.is_some_and(|e| matches!(e.state, IdMapState::Pending | IdMapState::Failed)),
        );
        run.settle_pending(target.kind, &item.source_id)?;
        todo.push(item);
    }
    let mut last = String::new();
    for _ in 0..MAX_ROUNDS {
        if todo.is_empty() {
            break;
        }
        let journal = run.ctx.journal;
        let intents: Vec<Intent> = todo
            .iter()
            .map(|i| Intent::create(target.kind, i.source_id.clone(), i.hash.clone()))
            .collect();
        let ids: Vec<JournalId> = journal.with(|l| l.record_intents(journal.run(), &intents))?;
        let answers = send(run, target, &todo).await;
        let mut outcomes = Vec::with_capacity(todo.len());
        let mut again = Vec::new();
        let mut fatal = None;
        for ((item, id), answer) in todo.into_iter().zip(ids).zip(answers) {
            let (outcome, written) = match answer {
                Answer::Saved(saved) => {
                    let ours = saved.created || tried.get(&item.source_id) == Some(&true);
                    if ours || target.op == Op::Insert {
                        (
                            Outcome::Created {
                                dest_id: saved.id.clone(),
                            },
                            Some(Written::Created(saved.id)),
                        )
                    } else {
                        (
                            Outcome::Matched {
                                dest_id: saved.id.clone(),
                            },
                            Some(Written::Matched(saved.id)),
                        )
                    }
                }
                Answer::Duplicate(dest) => (
                    Outcome::Created {
                        dest_id: dest.clone(),
                    },
                    Some(Written::Created(dest)),
                ),
                Answer::Refused(reason) => (
                    Outcome::Rejected {
                        reason: reason.clone(),
                    },
                    Some(Written::Rejected(reason)),
                ),
                Answer::Again(reason) => {
                    last = reason.clone();
                    (Outcome::Failed { reason }, None)
                }
                Answer::Fatal(error) => {
                    let reason = error.to_string();
                    fatal.get_or_insert(error);
                    (Outcome::Failed { reason }, None)
                }
            };
            outcomes.push((id, outcome));
            match written {
                Some(written) => {
                    done.insert(item.source_id.clone(), written);
                }
                None => {
                    tried.insert(item.source_id.clone(), true);
                    again.push(item);
                }
            }
        }
        journal.with(|l| l.record_outcomes(&outcomes))?;
        if let Some(error) = fatal {
            return Err(api_failure(
                &format!("write {} records", target.object),
                error,
            ));
        }
        again.sort_by(|a, b| a.parent.cmp(&b.parent));
        todo = again;
    }
    if !todo.is_empty() {
        return Err(DestinationError::Unavailable(format!(
            "{} {} records did not land after {MAX_ROUNDS} attempts (last: {last}); run the \
             same command again: it resumes, and records that did land are adopted",
            todo.len(),
            target.object
        )));
    }
    Ok(order
        .into_iter()
        .filter_map(|id| done.remove(&id).map(|w| (id, w)))
        .collect())
}

async fn send(run: &Run<'_>, target: &Target<'_>, items: &[Item]) -> Vec<Answer> {
    match target.route {
        Route::Collections => collections(run, target, items).await,
        Route::Bulk => bulk(run, target, items).await,
    }
}

async fn collections(run: &Run<'_>, target: &Target<'_>, items: &[Item]) -> Vec<Answer> {
    let records: Vec<Value> = items
        .iter()
        .map(|i| Value::Object(i.record.clone()))
        .collect();
    let results = match target.op {
        Op::Insert => run.client.create_many(target.object, &records).await,
        Op::Upsert => {
            run.client
                .upsert_many(target.object, target.key_field, &records)
                .await
        }
    };
    results
        .into_iter()
        .map(|result| match result {
            Ok(saved) => Answer::Saved(saved),
            Err(error) => classify(error),
        })
        .collect()
}

fn classify(error: ApiError) -> Answer {
    if let Some(id) = error.duplicate_id() {
        return Answer::Duplicate(id.to_string());
    }
    match error {
        ApiError::Refused { .. } | ApiError::Ambiguous { .. } | ApiError::NotFound { .. } => {
            Answer::Refused(error.to_string())
        }
        ApiError::Locked { .. } | ApiError::Throttled { .. } | ApiError::Uncertain(_) => {
            Answer::Again(error.to_string())
        }
        other => Answer::Fatal(other),
    }
}

fn classify_row(error: SalesforceError) -> Answer {
    if let Some(id) = error.duplicate_id() {
        return Answer::Duplicate(id.to_string());
    }
    classify(ApiError::from_record("a Bulk API row", vec![error]))
}

async fn bulk(run: &Run<'_>, target: &Target<'_>, items: &[Item]) -> Vec<Answer> {
    let mut columns: Vec<String> = vec![target.key_field.to_string()];
    for item in items {
        for name in item.record.keys() {
            if !columns.iter().any(|c| c == name) {
                columns.push(name.clone());
            }
        }
    }
    let operation = match target.op {
        Op::Insert => BulkOperation::Insert,
        Op::Upsert => BulkOperation::Upsert {
            external_id_field: target.key_field.to_string(),
        },
    };
    let mut ingest = match BulkIngest::new(target.object, operation, columns, target.key_field) {
        Ok(ingest) => ingest,
        Err(error) => return items.iter().map(|_| Answer::Fatal(error.clone())).collect(),
    };
    ingest.poll_min = run.config.bulk_poll;
    ingest.poll_max = Duration::from_secs(10).max(run.config.bulk_poll);
    // A named function, not a closure: a closure over `&Item` here makes the
    // future not `Send` (rustc cannot prove it for every lifetime).
    fn keyed_row((item, key_field): (&Item, &str)) -> Map<String, Value> {
        let mut row = item.record.clone();
        row.insert(key_field.to_string(), Value::from(item.key.clone()));
        row
    }
    let records = items
        .iter()
        .zip(std::iter::repeat(target.key_field))
        .map(keyed_row as fn((&Item, &str)) -> Map<String, Value>);
    let mut results: HashMap<String, BulkOutcome> = HashMap::new();
    let finished = ingest
        .run(run.client, records, |r| {
            results.insert(r.key, r.outcome);
        })
        .await;
    let failure = finished.err();
    items
        .iter()
        .map(|item| match results.remove(&item.key) {
            Some(BulkOutcome::Saved { id, created }) => Answer::Saved(Saved { id, created }),
            Some(BulkOutcome::Failed(error)) => classify_row(error),
            Some(BulkOutcome::Unprocessed) => {
                Answer::Again("the Bulk job did not process it".into())
            }
            Some(BulkOutcome::Missing) => Answer::Again("in no result file of its Bulk job".into()),
            None => match &failure {
                Some(error) => match classify(error.clone()) {
                    Answer::Refused(reason) => Answer::Again(reason),
                    other => other,
                },
                None => Answer::Again("no result for it".into()),
            },
        })
        .collect()
}
