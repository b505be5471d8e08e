//! The journal: an ordered, append-only log of every destination write, each
//! recorded as an intent before the call and completed with its outcome after.

use super::error::LedgerError;
use super::id_map;
use super::runs::{ensure_running, run_status};
use super::types::{
    conversion_error, now_text, opt_json_at, opt_time_at, parse_time, time_at, IdMapState, Intent,
    JournalEntry, JournalId, JournalOrder, JournalState, Operation, Outcome, OutcomeKind,
    PendingIntent, RunId, RunStatus,
};
use super::Ledger;
use crate::model::{ObjectKind, Timestamp};
use rusqlite::types::FromSqlError;
use rusqlite::{Connection, OptionalExtension, Row};

pub(super) const COLUMNS: &str =
    "id, run_id, kind, source_id, operation, content_hash, dest_id, before_image, \
                       state, outcome, outcome_dest_id, outcome_reason, recorded_at, completed_at, \
                       resolved_by";

fn intent_from_row(row: &Row<'_>) -> rusqlite::Result<Intent> {
    Ok(Intent {
        kind: row.get(2)?,
        source_id: row.get(3)?,
        operation: row.get(4)?,
        content_hash: row.get(5)?,
        dest_id: row.get(6)?,
        before_image: opt_json_at(row, 7)?,
    })
}

pub(super) fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<JournalEntry> {
    let outcome = match row.get::<_, Option<OutcomeKind>>(9)? {
        None => None,
        Some(kind) => Some(
            Outcome::from_parts(kind, row.get(10)?, row.get(11)?).ok_or_else(|| {
                let what = format!("outcome `{kind}` stored without its destination id or reason");
                conversion_error(9, FromSqlError::Other(what.into()))
            })?,
        ),
    };
    Ok(JournalEntry {
        id: row.get(0)?,
        run: row.get(1)?,
        intent: intent_from_row(row)?,
        state: row.get(8)?,
        outcome,
        recorded_at: time_at(row, 12)?,
        completed_at: opt_time_at(row, 13)?,
        resolved_by: row.get(14)?,
    })
}

/// Who is completing a journal entry.
#[derive(Clone, Copy)]
enum Completer {
    /// The run that recorded the intent, still running.
    OwnRun,
    /// A (usually later) running run settling an entry left pending.
    Resolver(RunId),
}

impl Ledger {
    /// Records that `run` is about to make a destination write, before making it.
    ///
    /// Inserts a `pending` journal row and marks the record `pending` in the id
    /// map, in one durable transaction. Refuses, so that nothing is written twice,
    /// a second intent for a record that already has one pending, and a create
    /// or match for a record the destination already holds. Updates and deletes
    /// need the destination id (taken from the id map when the intent has none).
    pub fn record_intent(&self, run: RunId, intent: &Intent) -> Result<JournalId, LedgerError> {
        let tx = self.write_tx("record an intent")?;
        ensure_running(&tx, run)?;
        let id = insert_intent(&tx, run, intent, &now_text())?;
        tx.commit().map_err(LedgerError::sql("record an intent"))?;
        Ok(id)
    }

    /// [`Ledger::record_intent`] for many writes at once (a bulk job): all are
    /// recorded or, if any is refused, none.
    pub fn record_intents<'a>(
        &self,
        run: RunId,
        intents: impl IntoIterator<Item = &'a Intent>,
    ) -> Result<Vec<JournalId>, LedgerError> {
        let tx = self.write_tx("record intents")?;
        ensure_running(&tx, run)?;
        let now = now_text();
        let ids = intents
            .into_iter()
            .map(|intent| insert_intent(&tx, run, intent, &now))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit().map_err(LedgerError::sql("record intents"))?;
        Ok(ids)
    }

    /// Records what came of the write announced by journal entry `id`, and updates
    /// the id map to match, in one transaction.
    ///
    /// Only the run that recorded the intent may do this, while it is running; an
    /// entry left pending by an ended run is settled with [`Ledger::resolve_pending`].
    /// An outcome is recorded once: a second one is an error, as is an outcome
    /// that does not fit the operation (a `Deleted` answer to a create).
    pub fn record_outcome(&self, id: JournalId, outcome: &Outcome) -> Result<(), LedgerError> {
        self.relaxed("record an outcome", || {
            let tx = self.write_tx("record an outcome")?;
            complete(&tx, id, outcome, Completer::OwnRun, &now_text())?;
            tx.commit().map_err(LedgerError::sql("record an outcome"))
        })
    }

    /// [`Ledger::record_outcome`] for many entries at once: all or none.
    pub fn record_outcomes(&self, outcomes: &[(JournalId, Outcome)]) -> Result<(), LedgerError> {
        self.relaxed("record outcomes", || {
            let tx = self.write_tx("record outcomes")?;
            let now = now_text();
            for (id, outcome) in outcomes {
                complete(&tx, *id, outcome, Completer::OwnRun, &now)?;
            }
            tx.commit().map_err(LedgerError::sql("record outcomes"))
        })
    }

    /// Settles a journal entry left pending, typically by an earlier run that
    /// died between intent and outcome, after `run` has found out what happened
    /// (e.g. looked the record up in the destination by its external id). Same
    /// rules as [`Ledger::record_outcome`]; the entry remembers which run resolved it.
    pub fn resolve_pending(
        &self,
        run: RunId,
        id: JournalId,
        outcome: &Outcome,
    ) -> Result<(), LedgerError> {
        let tx = self.write_tx("resolve a pending intent")?;
        ensure_running(&tx, run)?;
        complete(&tx, id, outcome, Completer::Resolver(run), &now_text())?;
        tx.commit()
            .map_err(LedgerError::sql("resolve a pending intent"))
    }

    /// Journal entries without an outcome, oldest first: writes that may or may
    /// not have reached the destination. Includes the in-flight intents of runs
    /// still running; compare [`PendingIntent::run`] with the current run.
    pub fn pending_intents(&self) -> Result<Vec<PendingIntent>, LedgerError> {
        let action = "list pending intents";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM journal WHERE state = 'pending' ORDER BY id"
            ))
            .map_err(LedgerError::sql(action))?;
        let rows = stmt
            .query_map([], |row| {
                Ok(PendingIntent {
                    id: row.get(0)?,
                    run: row.get(1)?,
                    intent: intent_from_row(row)?,
                    recorded_at: time_at(row, 12)?,
                })
            })
            .map_err(LedgerError::sql(action))?;
        rows.collect::<Result<_, _>>()
            .map_err(LedgerError::sql(action))
    }

    /// One journal entry.
    pub fn journal_entry(&self, id: JournalId) -> Result<Option<JournalEntry>, LedgerError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM journal WHERE id = ?1"),
                [id],
                entry_from_row,
            )
            .optional()
            .map_err(LedgerError::sql("read a journal entry"))
    }

    /// The journal of one run (or of all runs), in write order.
    pub fn journal(&self, run: Option<RunId>) -> Result<Vec<JournalEntry>, LedgerError> {
        self.query_journal(run, JournalOrder::Forward, None, None)
    }

    /// The journal newest first: the order rollback undoes it in.
    pub fn journal_reversed(&self, run: Option<RunId>) -> Result<Vec<JournalEntry>, LedgerError> {
        self.query_journal(run, JournalOrder::Reverse, None, None)
    }

    /// Up to `limit` journal entries after the entry `after` (exclusive) in
    /// `order`: reads a journal of any length in bounded memory, without holding
    /// the ledger between pages. Pass the last id of one page to get the next.
    pub fn journal_page(
        &self,
        run: Option<RunId>,
        order: JournalOrder,
        after: Option<JournalId>,
        limit: usize,
    ) -> Result<Vec<JournalEntry>, LedgerError> {
        self.query_journal(run, order, after, Some(limit))
    }

    /// The journal entry of one record still waiting for its outcome, if any
    /// (at most one exists: a second intent is refused while one is pending).
    pub fn pending_entry(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<Option<JournalEntry>, LedgerError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM journal
                 WHERE kind = ?1 AND source_id = ?2 AND state = 'pending' LIMIT 1"
            ))
            .and_then(|mut stmt| stmt.query_row((kind, source_id), entry_from_row).optional())
            .map_err(LedgerError::sql("read a pending intent"))
    }

    /// The before-image of the first update of a record that has not landed
    /// since the record's last landed write (it failed, or its process died).
    ///
    /// A repeated update must journal *this* image, not one read again: the
    /// attempt that did not land may have changed the destination half-way,
    /// and rollback has to restore the record as it was before any of it.
    pub fn unlanded_update_image(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<Option<serde_json::Value>, LedgerError> {
        let image: Option<Option<String>> = self
            .conn
            .prepare_cached(
                "SELECT before_image FROM journal
                 WHERE kind = ?1 AND source_id = ?2 AND operation = 'update' AND state <> 'done'
                   AND id > coalesce((SELECT max(id) FROM journal
                                      WHERE kind = ?1 AND source_id = ?2 AND state = 'done'), 0)
                 ORDER BY id LIMIT 1",
            )
            .and_then(|mut stmt| {
                stmt.query_row((kind, source_id), |row| row.get(0))
                    .optional()
            })
            .map_err(LedgerError::sql("read an unlanded update"))?;
        image
            .flatten()
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|source| LedgerError::Encode {
                what: "a stored before-image",
                source,
            })
    }

    /// When deskshift last wrote to the destination, over every run but those
    /// of `except` (rollback asks "what changed after the migration's last
    /// write?", not after its own). `None` before any write.
    pub fn last_write_at(&self, except: &str) -> Result<Option<Timestamp>, LedgerError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT max(coalesce(j.completed_at, j.recorded_at))
                 FROM journal j JOIN runs r ON r.id = j.run_id WHERE r.command <> ?1",
                [except],
                |row| row.get(0),
            )
            .map_err(LedgerError::sql("find the last write"))?;
        text.map(|t| {
            parse_time(&t).map_err(|e| LedgerError::Corrupt {
                what: format!("journal time `{t}`: {e}"),
            })
        })
        .transpose()
    }

    fn query_journal(
        &self,
        run: Option<RunId>,
        order: JournalOrder,
        after: Option<JournalId>,
        limit: Option<usize>,
    ) -> Result<Vec<JournalEntry>, LedgerError> {
        let action = "read the journal";
        let (cmp, dir, start) = match order {
            JournalOrder::Forward => (">", "ASC", i64::MIN),
            JournalOrder::Reverse => ("<", "DESC", i64::MAX),
        };
        let run_filter = if run.is_some() {
            "run_id = ?3 AND"
        } else {
            "?3 IS NULL AND"
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM journal WHERE {run_filter} id {cmp} ?1 ORDER BY id {dir} LIMIT ?2"
        );
        // LIMIT -1 is SQLite for "no limit".
        let limit = limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let after = after.map_or(start, |id| id.0);
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(LedgerError::sql(action))?;
        let rows = stmt
            .query_map((after, limit, run), entry_from_row)
            .map_err(LedgerError::sql(action))?;
        rows.collect::<Result<_, _>>()
            .map_err(LedgerError::sql(action))
    }
}

/// Inserts one intent and marks its record pending; see [`Ledger::record_intent`].
fn insert_intent(
    conn: &Connection,
    run: RunId,
    intent: &Intent,
    now: &str,
) -> Result<JournalId, LedgerError> {
    let kind = intent.kind;
    let source_id = intent.source_id.as_str();
    let pending: Option<JournalId> = conn
        .prepare_cached(
            "SELECT id FROM journal WHERE kind = ?1 AND source_id = ?2 AND state = 'pending' LIMIT 1",
        )
        .and_then(|mut stmt| stmt.query_row((kind, source_id), |row| row.get(0)).optional())
        .map_err(LedgerError::sql("look for a pending intent"))?;
    if let Some(pending) = pending {
        return Err(LedgerError::IntentPending {
            kind,
            source_id: source_id.to_owned(),
            pending,
        });
    }
    let mapping = id_map::get(conn, kind, source_id)?;
    let known_dest = mapping.as_ref().and_then(|m| m.dest_id.clone());
    let dest_id = match intent.operation {
        Operation::Create | Operation::Match => {
            if let Some(m) = mapping.as_ref().filter(|m| m.state != IdMapState::Deleted) {
                if let Some(dest_id) = &m.dest_id {
                    return Err(LedgerError::AlreadyInDestination {
                        kind,
                        source_id: source_id.to_owned(),
                        dest_id: dest_id.clone(),
                        state: m.state,
                    });
                }
            }
            intent.dest_id.clone()
        }
        Operation::Update | Operation::Delete => {
            Some(intent.dest_id.clone().or(known_dest).ok_or_else(|| {
                LedgerError::MissingDestId {
                    kind,
                    source_id: source_id.to_owned(),
                    operation: intent.operation,
                }
            })?)
        }
    };
    let before_image = intent
        .before_image
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|source| LedgerError::Encode {
            what: "a before-image",
            source,
        })?;
    conn.prepare_cached(
        "INSERT INTO journal (run_id, kind, source_id, operation, content_hash, dest_id,
                              before_image, state, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?8)",
    )
    .and_then(|mut stmt| {
        stmt.execute((
            run,
            kind,
            source_id,
            intent.operation,
            intent.content_hash.as_deref(),
            dest_id.as_deref(),
            before_image,
            now,
        ))
    })
    .map_err(LedgerError::sql("record an intent"))?;
    let id = JournalId(conn.last_insert_rowid());
    id_map::mark_pending(conn, kind, source_id, dest_id.as_deref(), run, id, now)?;
    Ok(id)
}

/// Completes journal entry `id` with `outcome` and updates the id map.
fn complete(
    conn: &Connection,
    id: JournalId,
    outcome: &Outcome,
    by: Completer,
    now: &str,
) -> Result<(), LedgerError> {
    let row = conn
        .prepare_cached(
            "SELECT run_id, kind, source_id, operation, content_hash, outcome
             FROM journal WHERE id = ?1",
        )
        .and_then(|mut stmt| {
            stmt.query_row([id], |row| {
                Ok((
                    row.get::<_, RunId>(0)?,
                    row.get(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Operation>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, Option<OutcomeKind>>(5)?,
                ))
            })
            .optional()
        })
        .map_err(LedgerError::sql("read a journal entry"))?;
    let (run, kind, source_id, operation, content_hash, recorded) =
        row.ok_or(LedgerError::UnknownJournalEntry(id))?;
    if let Some(recorded) = recorded {
        return Err(LedgerError::OutcomeAlreadyRecorded {
            id,
            outcome: recorded,
        });
    }
    if !outcome.fits(operation) {
        return Err(LedgerError::OutcomeMismatch {
            id,
            operation,
            outcome: outcome.kind(),
        });
    }
    let resolved_by = match by {
        Completer::OwnRun => match run_status(conn, run)? {
            RunStatus::Running => None,
            status => return Err(LedgerError::IntentFromOtherRun { id, run, status }),
        },
        Completer::Resolver(resolver) => Some(resolver).filter(|&r| r != run),
    };
    let state: JournalState = outcome.journal_state();
    conn.prepare_cached(
        "UPDATE journal SET state = ?2, outcome = ?3, outcome_dest_id = ?4, outcome_reason = ?5,
                            completed_at = ?6, resolved_by = ?7
         WHERE id = ?1",
    )
    .and_then(|mut stmt| {
        stmt.execute((
            id,
            state,
            outcome.kind(),
            outcome.dest_id(),
            outcome.reason(),
            now,
            resolved_by,
        ))
    })
    .map_err(LedgerError::sql("record an outcome"))?;
    id_map::apply_outcome(
        conn,
        id_map::Completed {
            kind,
            source_id: &source_id,
            operation,
            journal: id,
        },
        outcome,
        content_hash.as_deref(),
        now,
    )
}
