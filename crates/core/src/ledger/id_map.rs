//! The id map: per source record, its destination id and the state of the last
//! write. It is the journal's summary and is only ever changed together with a
//! journal row, in the same transaction.

use super::error::LedgerError;
use super::types::{
    time_at, IdMapEntry, IdMapState, JournalId, Operation, Outcome, OutcomeKind, RunId, StateCounts,
};
use super::Ledger;
use crate::model::ObjectKind;
use rusqlite::{Connection, OptionalExtension, Row};
use std::collections::BTreeMap;

const COLUMNS: &str =
    "kind, source_id, dest_id, state, content_hash, run_id, journal_id, updated_at";

fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<IdMapEntry> {
    Ok(IdMapEntry {
        kind: row.get(0)?,
        source_id: row.get(1)?,
        dest_id: row.get(2)?,
        state: row.get(3)?,
        content_hash: row.get(4)?,
        run: row.get(5)?,
        journal: row.get(6)?,
        updated_at: time_at(row, 7)?,
    })
}

impl Ledger {
    /// What the ledger knows about one source record in the destination.
    pub fn mapping(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<Option<IdMapEntry>, LedgerError> {
        get(&self.conn, kind, source_id)
    }

    /// The source record mapped to a destination record, if any (e.g. for verify).
    pub fn mapping_for_dest(
        &self,
        kind: ObjectKind,
        dest_id: &str,
    ) -> Result<Option<IdMapEntry>, LedgerError> {
        self.conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM id_map WHERE kind = ?1 AND dest_id = ?2 LIMIT 1"),
                (kind, dest_id),
                entry_from_row,
            )
            .optional()
            .map_err(LedgerError::sql("read the id map by destination id"))
    }

    /// Id-map rows per object kind and state; kinds without rows are absent.
    pub fn id_map_counts(&self) -> Result<BTreeMap<ObjectKind, StateCounts>, LedgerError> {
        let action = "count the id map";
        let mut stmt = self
            .conn
            .prepare_cached("SELECT kind, state, count(*) FROM id_map GROUP BY kind, state")
            .map_err(LedgerError::sql(action))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, ObjectKind>(0)?,
                    row.get::<_, IdMapState>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })
            .map_err(LedgerError::sql(action))?;
        let mut counts: BTreeMap<ObjectKind, StateCounts> = BTreeMap::new();
        for row in rows {
            let (kind, state, n) = row.map_err(LedgerError::sql(action))?;
            counts.entry(kind).or_default().add(state, super::count(n));
        }
        Ok(counts)
    }

    /// Records each run wrote and that are still in force (created or
    /// updated), per run and kind, with up to `examples` source ids each:
    /// what a field-map change since that run would leave stale.
    pub fn written_per_run(&self, examples: usize) -> Result<Vec<RunWrites>, LedgerError> {
        let action = "count the records each run wrote";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT run_id, kind, count(*) FROM id_map
                 WHERE state IN ('created', 'updated')
                 GROUP BY run_id, kind ORDER BY run_id, kind",
            )
            .map_err(LedgerError::sql(action))?;
        let rows = stmt
            .query_map([], |row| {
                Ok(RunWrites {
                    run: row.get(0)?,
                    kind: row.get(1)?,
                    records: super::count(row.get(2)?),
                    examples: Vec::new(),
                })
            })
            .map_err(LedgerError::sql(action))?;
        let mut writes: Vec<RunWrites> = rows
            .collect::<Result<_, _>>()
            .map_err(LedgerError::sql(action))?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source_id FROM id_map
                 WHERE run_id = ?1 AND kind = ?2 AND state IN ('created', 'updated')
                 ORDER BY source_id LIMIT ?3",
            )
            .map_err(LedgerError::sql(action))?;
        for w in &mut writes {
            w.examples = stmt
                .query_map((w.run, w.kind, examples as i64), |row| row.get(0))
                .and_then(|rows| rows.collect())
                .map_err(LedgerError::sql(action))?;
        }
        Ok(writes)
    }
}

/// How many records of one kind a run wrote that are still in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunWrites {
    pub run: RunId,
    pub kind: ObjectKind,
    pub records: u64,
    /// A few of their source ids, smallest first.
    pub examples: Vec<String>,
}

pub(super) fn get(
    conn: &Connection,
    kind: ObjectKind,
    source_id: &str,
) -> Result<Option<IdMapEntry>, LedgerError> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM id_map WHERE kind = ?1 AND source_id = ?2"
    ))
    .and_then(|mut stmt| stmt.query_row((kind, source_id), entry_from_row).optional())
    .map_err(LedgerError::sql("read the id map"))
}

/// Marks a record `pending` for the intent `journal`. A known destination id is
/// kept (the record still exists there); the content hash is left alone until an
/// outcome says the destination accepted new content.
pub(super) fn mark_pending(
    conn: &Connection,
    kind: ObjectKind,
    source_id: &str,
    dest_id: Option<&str>,
    run: RunId,
    journal: JournalId,
    now: &str,
) -> Result<(), LedgerError> {
    conn.prepare_cached(
        "INSERT INTO id_map (kind, source_id, dest_id, state, content_hash, run_id, journal_id, updated_at)
         VALUES (?1, ?2, ?3, 'pending', NULL, ?4, ?5, ?6)
         ON CONFLICT (kind, source_id) DO UPDATE SET
             dest_id = coalesce(excluded.dest_id, id_map.dest_id),
             state = 'pending',
             run_id = excluded.run_id,
             journal_id = excluded.journal_id,
             updated_at = excluded.updated_at",
    )
    .and_then(|mut stmt| stmt.execute((kind, source_id, dest_id, run, journal, now)))
    .map_err(LedgerError::sql("mark a record pending in the id map"))?;
    Ok(())
}

/// The journal entry an outcome completes.
pub(super) struct Completed<'a> {
    pub kind: ObjectKind,
    pub source_id: &'a str,
    pub operation: Operation,
    pub journal: JournalId,
}

/// Moves a record from `pending` to the state `outcome` implies.
///
/// Success with content (created, matched, updated) adopts the intent's content
/// hash; a deletion, failure or rejection keeps the previous hash and
/// destination id, since whatever was in the destination before still is.
///
/// A change to a record that is already in the destination does not change
/// what the record *is*: an update of a record deskshift created leaves it
/// `created` (rollback still removes it), and an update or delete that failed
/// leaves it in the state its last landed write gave it, so a failed delta
/// never makes a migrated record look unmigrated.
pub(super) fn apply_outcome(
    conn: &Connection,
    entry: Completed<'_>,
    outcome: &Outcome,
    content_hash: Option<&str>,
    now: &str,
) -> Result<(), LedgerError> {
    let Completed {
        kind,
        source_id,
        operation,
        journal,
    } = entry;
    let adopts_content = matches!(
        outcome.kind(),
        OutcomeKind::Created | OutcomeKind::Matched | OutcomeKind::Updated
    );
    let content_hash = content_hash.filter(|_| adopts_content);
    let state = match (operation, outcome.kind()) {
        (Operation::Update, OutcomeKind::Updated) => {
            match landed_state(conn, kind, source_id, journal)? {
                Some(IdMapState::Created) => IdMapState::Created,
                _ => IdMapState::Updated,
            }
        }
        (Operation::Update | Operation::Delete, OutcomeKind::Failed | OutcomeKind::Rejected) => {
            landed_state(conn, kind, source_id, journal)?.unwrap_or(outcome.id_map_state())
        }
        _ => outcome.id_map_state(),
    };
    let changed = conn
        .prepare_cached(
            "UPDATE id_map SET
                 state = ?3,
                 dest_id = coalesce(?4, dest_id),
                 content_hash = coalesce(?5, content_hash),
                 journal_id = ?6,
                 updated_at = ?7
             WHERE kind = ?1 AND source_id = ?2",
        )
        .and_then(|mut stmt| {
            stmt.execute((
                kind,
                source_id,
                state,
                outcome.dest_id(),
                content_hash,
                journal,
                now,
            ))
        })
        .map_err(LedgerError::sql("record an outcome in the id map"))?;
    if changed == 1 {
        Ok(())
    } else {
        Err(LedgerError::Corrupt {
            what: format!("journal entry {journal} for {kind} {source_id} without an id-map row"),
        })
    }
}

/// What the landed writes of a record before journal entry `before` made it:
/// created, matched, updated (a pre-existing record deskshift changed), or
/// nothing (never landed, or deleted since).
pub(super) fn landed_state(
    conn: &Connection,
    kind: ObjectKind,
    source_id: &str,
    before: JournalId,
) -> Result<Option<IdMapState>, LedgerError> {
    let action = "read a record's landed writes";
    let mut stmt = conn
        .prepare_cached(
            "SELECT outcome FROM journal
             WHERE kind = ?1 AND source_id = ?2 AND id < ?3 AND state = 'done'
             ORDER BY id",
        )
        .map_err(LedgerError::sql(action))?;
    let outcomes = stmt
        .query_map((kind, source_id, before), |row| {
            row.get::<_, OutcomeKind>(0)
        })
        .map_err(LedgerError::sql(action))?;
    let mut state = None;
    for outcome in outcomes {
        state = IdMapState::after(state, outcome.map_err(LedgerError::sql(action))?);
    }
    Ok(state)
}
