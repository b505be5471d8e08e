//! Rejects: records that could not be taken, and why, in words a person can act
//! on. Invariant 1 (nothing lost silently) reconciles counts against this table.

use super::error::LedgerError;
use super::runs::ensure_running;
use super::types::{now_text, time_at, RejectRecord, RunId};
use super::Ledger;
use crate::model::ObjectKind;
use crate::source::Reject;
use rusqlite::Row;
use std::collections::BTreeMap;

const COLUMNS: &str = "id, run_id, phase, kind, source_id, field, reason, hint, created_at";

fn record_from_row(row: &Row<'_>) -> rusqlite::Result<RejectRecord> {
    Ok(RejectRecord {
        id: row.get(0)?,
        run: row.get(1)?,
        phase: row.get(2)?,
        reject: Reject {
            kind: row.get(3)?,
            source_id: row.get(4)?,
            field: row.get(5)?,
            reason: row.get(6)?,
            hint: row.get(7)?,
        },
        created_at: time_at(row, 8)?,
    })
}

impl Ledger {
    /// Records one reject found by `phase` (`discover`, `plan`, `migrate`, …) of `run`.
    pub fn record_reject(
        &self,
        run: RunId,
        phase: &str,
        reject: &Reject,
    ) -> Result<(), LedgerError> {
        self.record_rejects(run, phase, std::iter::once(reject))
            .map(drop)
    }

    /// Records many rejects in one transaction (all or none); returns how many.
    pub fn record_rejects<'a>(
        &self,
        run: RunId,
        phase: &str,
        rejects: impl IntoIterator<Item = &'a Reject>,
    ) -> Result<u64, LedgerError> {
        let action = "record rejects";
        let tx = self.write_tx(action)?;
        ensure_running(&tx, run)?;
        let now = now_text();
        let mut written = 0;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO rejects (run_id, phase, kind, source_id, field, reason, hint, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(LedgerError::sql(action))?;
            for r in rejects {
                stmt.execute((
                    run,
                    phase,
                    r.kind,
                    r.source_id.as_deref(),
                    &r.field,
                    &r.reason,
                    &r.hint,
                    &now,
                ))
                .map_err(LedgerError::sql(action))?;
                written += 1;
            }
        }
        tx.commit().map_err(LedgerError::sql(action))?;
        Ok(written)
    }

    /// Rejects of one run (or of all runs), in the order they were recorded.
    pub fn rejects(&self, run: Option<RunId>) -> Result<Vec<RejectRecord>, LedgerError> {
        self.query_rejects(run, None, None)
    }

    /// Up to `limit` rejects recorded after the reject with id `after`: reads any
    /// number of rejects in bounded memory.
    pub fn rejects_page(
        &self,
        run: Option<RunId>,
        after: Option<i64>,
        limit: usize,
    ) -> Result<Vec<RejectRecord>, LedgerError> {
        self.query_rejects(run, after, Some(limit))
    }

    fn query_rejects(
        &self,
        run: Option<RunId>,
        after: Option<i64>,
        limit: Option<usize>,
    ) -> Result<Vec<RejectRecord>, LedgerError> {
        let action = "read rejects";
        let run_filter = if run.is_some() {
            "run_id = ?3 AND"
        } else {
            "?3 IS NULL AND"
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM rejects WHERE {run_filter} id > ?1 ORDER BY id LIMIT ?2"
        );
        let limit = limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(LedgerError::sql(action))?;
        let rows = stmt
            .query_map((after.unwrap_or(i64::MIN), limit, run), record_from_row)
            .map_err(LedgerError::sql(action))?;
        rows.collect::<Result<_, _>>()
            .map_err(LedgerError::sql(action))
    }

    /// Rejects per object kind, for one run or all; kinds without rejects are absent.
    pub fn reject_counts(
        &self,
        run: Option<RunId>,
    ) -> Result<BTreeMap<ObjectKind, u64>, LedgerError> {
        let action = "count rejects";
        let sql = if run.is_some() {
            "SELECT kind, count(*) FROM rejects WHERE run_id = ?1 GROUP BY kind"
        } else {
            "SELECT kind, count(*) FROM rejects WHERE ?1 IS NULL GROUP BY kind"
        };
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(LedgerError::sql(action))?;
        let rows = stmt
            .query_map([run], |row| {
                Ok((row.get::<_, ObjectKind>(0)?, row.get::<_, i64>(1)?))
            })
            .map_err(LedgerError::sql(action))?;
        let mut counts = BTreeMap::new();
        for row in rows {
            let (kind, n) = row.map_err(LedgerError::sql(action))?;
            counts.insert(kind, super::count(n));
        }
        Ok(counts)
    }
}
