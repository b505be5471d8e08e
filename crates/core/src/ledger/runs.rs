//! Runs: one per invocation of a command that writes to the ledger.

use super::error::LedgerError;
use super::types::{now_text, opt_time_at, time_at, Run, RunId, RunOutcome, RunStatus};
use super::{lock, Ledger, LOCK_WAIT};
use rusqlite::{Connection, OptionalExtension, Row};
use std::time::Duration;

const INTERRUPTED: &str =
    "interrupted: the process ended without finishing this run (crash, kill or power loss); \
     run the command again to resume";

const RUN_COLUMNS: &str = "id, command, started_at, finished_at, status, message";

fn run_from_row(row: &Row<'_>) -> rusqlite::Result<Run> {
    Ok(Run {
        id: row.get(0)?,
        command: row.get(1)?,
        started_at: time_at(row, 2)?,
        finished_at: opt_time_at(row, 3)?,
        status: row.get(4)?,
        message: row.get(5)?,
    })
}

impl Ledger {
    /// Starts a run of `command` (`migrate`, `delta`, …).
    ///
    /// The first run of this `Ledger` takes the project's writer lock and marks
    /// every run still `running` as interrupted: with the lock held, their
    /// processes must be dead. Fails with [`LedgerError::Locked`] while another
    /// process holds the lock. The lock is kept until the `Ledger` is dropped.
    pub fn begin_run(&self, command: &str) -> Result<RunId, LedgerError> {
        if self.lock.get().is_none() {
            if let Some(path) = &self.path {
                let held =
                    lock::try_acquire(path, LOCK_WAIT)?.ok_or_else(|| LedgerError::Locked {
                        lock: lock::lock_path(path),
                    })?;
                mark_running_interrupted(&self.conn)?;
                // Cannot be set already: `Ledger` is not `Sync` and we checked above.
                let _ = self.lock.set(held);
            }
        }
        self.conn
            .execute(
                "INSERT INTO runs (command, started_at, status) VALUES (?1, ?2, 'running')",
                (command, now_text()),
            )
            .map_err(LedgerError::sql("begin a run"))?;
        Ok(RunId(self.conn.last_insert_rowid()))
    }

    /// Ends a running run. A run can only succeed once every intent it recorded
    /// has an outcome; a failed run leaves its pending intents for the next run.
    pub fn finish_run(&self, run: RunId, outcome: RunOutcome) -> Result<(), LedgerError> {
        let tx = self.write_tx("finish a run")?;
        ensure_running(&tx, run)?;
        let (status, message) = match outcome {
            RunOutcome::Succeeded => {
                let pending: i64 = tx
                    .query_row(
                        "SELECT count(*) FROM journal WHERE run_id = ?1 AND state = 'pending'",
                        [run],
                        |row| row.get(0),
                    )
                    .map_err(LedgerError::sql("count a run's pending intents"))?;
                if pending > 0 {
                    return Err(LedgerError::RunHasPending {
                        run,
                        pending: super::count(pending),
                    });
                }
                (RunStatus::Succeeded, None)
            }
            RunOutcome::Failed(message) => (RunStatus::Failed, Some(message)),
        };
        tx.execute(
            "UPDATE runs SET status = ?2, finished_at = ?3, message = ?4 WHERE id = ?1",
            (run, status, now_text(), message),
        )
        .map_err(LedgerError::sql("finish a run"))?;
        tx.commit().map_err(LedgerError::sql("finish a run"))
    }

    /// One run, if it exists.
    pub fn run(&self, run: RunId) -> Result<Option<Run>, LedgerError> {
        self.conn
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM runs WHERE id = ?1"),
                [run],
                run_from_row,
            )
            .optional()
            .map_err(LedgerError::sql("read a run"))
    }

    /// Every run, oldest first.
    pub fn runs(&self) -> Result<Vec<Run>, LedgerError> {
        self.query_runs(&format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id"), &[])
    }

    /// Runs whose process ended without finishing them, oldest first.
    pub fn interrupted_runs(&self) -> Result<Vec<Run>, LedgerError> {
        self.query_runs(
            &format!("SELECT {RUN_COLUMNS} FROM runs WHERE status = 'interrupted' ORDER BY id"),
            &[],
        )
    }

    /// The latest run of `command` that succeeded (delta starts from its start time).
    pub fn last_successful_run(&self, command: &str) -> Result<Option<Run>, LedgerError> {
        let mut runs = self.query_runs(
            &format!(
                "SELECT {RUN_COLUMNS} FROM runs WHERE command = ?1 AND status = 'succeeded'
                 ORDER BY id DESC LIMIT 1"
            ),
            &[&command],
        )?;
        Ok(runs.pop())
    }

    fn query_runs(
        &self,
        sql: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Run>, LedgerError> {
        let action = "read runs";
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(LedgerError::sql(action))?;
        let rows = stmt
            .query_map(params, run_from_row)
            .map_err(LedgerError::sql(action))?;
        rows.collect::<Result<_, _>>()
            .map_err(LedgerError::sql(action))
    }

    /// At open: if runs are marked `running` but nobody holds the writer lock,
    /// their processes are gone; say so now rather than at the next run.
    pub(super) fn mark_dead_runs_if_unlocked(&self) -> Result<(), LedgerError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let running: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM runs WHERE status = 'running'",
                [],
                |row| row.get(0),
            )
            .map_err(LedgerError::sql("look for unfinished runs"))?;
        if running == 0 {
            return Ok(());
        }
        // Never wait: a held lock means a live writer, and its runs are not ours to judge.
        if let Some(_held) = lock::try_acquire(path, Duration::ZERO)? {
            mark_running_interrupted(&self.conn)?;
        }
        Ok(())
    }
}

/// Marks every `running` run interrupted. Only call with the writer lock held.
fn mark_running_interrupted(conn: &Connection) -> Result<(), LedgerError> {
    let marked = conn
        .execute(
            "UPDATE runs SET status = 'interrupted', message = ?1 WHERE status = 'running'",
            [INTERRUPTED],
        )
        .map_err(LedgerError::sql("mark unfinished runs as interrupted"))?;
    if marked > 0 {
        tracing::info!(
            runs = marked,
            "marked runs left unfinished by a dead process as interrupted"
        );
    }
    Ok(())
}

/// The status of `run`, or [`LedgerError::UnknownRun`].
pub(super) fn run_status(conn: &Connection, run: RunId) -> Result<RunStatus, LedgerError> {
    conn.query_row("SELECT status FROM runs WHERE id = ?1", [run], |row| {
        row.get(0)
    })
    .optional()
    .map_err(LedgerError::sql("read a run's status"))?
    .ok_or(LedgerError::UnknownRun(run))
}

/// Fails unless `run` exists and is running: only a live run may write.
pub(super) fn ensure_running(conn: &Connection, run: RunId) -> Result<(), LedgerError> {
    match run_status(conn, run)? {
        RunStatus::Running => Ok(()),
        status => Err(LedgerError::RunNotActive { run, status }),
    }
}
