//! A spill index of custom-object records by customer, on disk in the
//! project's cache.
//!
//! Records stream from the source in their own order, customers in theirs.
//! To write a customer's records *in the same call that creates the
//! customer* (its sidebar data; no extra call), the records are first
//! indexed by customer in a throwaway SQLite file, so memory stays flat
//! however many records there are (invariant 7). Each record is marked once
//! accounted for (written, skipped or rejected); whatever is left at the end
//! is written by [`super::records`] the slower way (read, merge, write).
//!
//! Stames customers that share an e-mail become one Gorgias customer, the
//! first of them (its *leader*; see [`super::customers`]). A follower's
//! records are therefore indexed under its leader as well as under itself,
//! so they ride in the leader's create instead of costing a read and a
//! write each afterwards; should the leader's create fail, they are still
//! open under the follower, which is then created on its own. Who leads is
//! found by a first pass over the customers, into the same file.

use super::Run;
use deskshift_core::destination::DestinationError;
use deskshift_core::model::{CustomObjectRecord, ObjectKind};
use deskshift_core::source::Read;
use futures::TryStreamExt;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashSet;
use std::sync::Mutex;
use tempfile::NamedTempFile;

/// Records indexed per batch transaction.
const BATCH: usize = 1000;

pub struct RecordIndex {
    conn: Mutex<Connection>,
    /// Removed with the index.
    _file: NamedTempFile,
}

fn sql(error: rusqlite::Error) -> DestinationError {
    DestinationError::Other(format!("the custom-object record index failed: {error}"))
}

impl RecordIndex {
    /// Reads every record (of the customers in `only`, for a sample) into
    /// the index; counts each as a source record.
    pub async fn build(
        run: &Run<'_>,
        only: Option<&HashSet<String>>,
    ) -> Result<RecordIndex, DestinationError> {
        let file = tempfile::Builder::new()
            .prefix("gorgias-records-")
            .suffix(".db")
            .tempfile_in(run.ctx.cache_dir)
            .map_err(|e| DestinationError::Other(format!("cannot create the record index: {e}")))?;
        let conn = Connection::open(file.path()).map_err(sql)?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             CREATE TABLE records (
                 id TEXT NOT NULL, customer TEXT NOT NULL, body TEXT NOT NULL,
                 accounted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (id, customer));
             CREATE INDEX records_by_customer ON records (customer, accounted);
             CREATE TABLE leaders (email TEXT PRIMARY KEY, customer TEXT NOT NULL);
             CREATE TABLE followers (customer TEXT PRIMARY KEY, leader TEXT NOT NULL);",
        )
        .map_err(sql)?;
        let index = RecordIndex {
            conn: Mutex::new(conn),
            _file: file,
        };
        index.find_leaders(run, only).await?;
        let mut records = run.object_records(run.ctx.source.custom_object_records(None));
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(record) = records.try_next().await? {
            if only.is_some_and(|only| !record.customer_ids.iter().any(|c| only.contains(c))) {
                continue;
            }
            run.ctx.counts.source(ObjectKind::CustomObjectRecords, 1);
            batch.push(record);
            if batch.len() == BATCH {
                index.insert(&std::mem::take(&mut batch))?;
            }
        }
        index.insert(&batch)?;
        Ok(index)
    }

    /// Records which customers follow another one (the first customer in
    /// source order with the same e-mail key, as the customers writer
    /// merges them). Only this pass's customers of `only` take part. The
    /// source's rejects are left to the customers writer's own pass.
    async fn find_leaders(
        &self,
        run: &Run<'_>,
        only: Option<&HashSet<String>>,
    ) -> Result<(), DestinationError> {
        let mut customers = run.ctx.source.customers(None);
        let mut batch = Vec::with_capacity(BATCH);
        while let Some(read) = customers.try_next().await? {
            let Read::Record(customer) = read else {
                continue;
            };
            if only.is_some_and(|only| !only.contains(&customer.id)) {
                continue;
            }
            if let Some(email) = crate::map::customer::email_of(&customer) {
                batch.push((email, customer.id));
            }
            if batch.len() == BATCH {
                self.insert_leaders(&std::mem::take(&mut batch))?;
            }
        }
        self.insert_leaders(&batch)
    }

    fn insert_leaders(&self, customers: &[(String, String)]) -> Result<(), DestinationError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(sql)?;
        {
            let mut lead = tx
                .prepare_cached("INSERT OR IGNORE INTO leaders (email, customer) VALUES (?1, ?2)")
                .map_err(sql)?;
            let mut follow = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO followers (customer, leader)
                     SELECT ?2, customer FROM leaders WHERE email = ?1 AND customer <> ?2",
                )
                .map_err(sql)?;
            for (email, customer) in customers {
                lead.execute(params![email, customer]).map_err(sql)?;
                follow.execute(params![email, customer]).map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn insert(&self, records: &[CustomObjectRecord]) -> Result<(), DestinationError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(sql)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO records (id, customer, body) VALUES (?1, ?2, ?3)",
                )
                .map_err(sql)?;
            // The same record under the customer's leader, if it follows one.
            let mut under_leader = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO records (id, customer, body)
                     SELECT ?1, leader, ?3 FROM followers WHERE customer = ?2",
                )
                .map_err(sql)?;
            for record in records {
                let body = serde_json::to_string(record).map_err(|e| {
                    DestinationError::Other(format!("cannot index record {}: {e}", record.id))
                })?;
                // A record linked to nobody is kept under "" and skipped later.
                let customers: Vec<&str> = if record.customer_ids.is_empty() {
                    vec![""]
                } else {
                    record.customer_ids.iter().map(String::as_str).collect()
                };
                for customer in customers {
                    stmt.execute(params![record.id, customer, body])
                        .map_err(sql)?;
                    under_leader
                        .execute(params![record.id, customer, body])
                        .map_err(sql)?;
                }
            }
        }
        tx.commit().map_err(sql)
    }

    /// The records of one customer not accounted for yet, in id order.
    pub fn open_records_of(
        &self,
        customer: &str,
    ) -> Result<Vec<CustomObjectRecord>, DestinationError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT body FROM records WHERE customer = ?1 AND accounted = 0 ORDER BY id",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map([customer], |row| row.get::<_, String>(0))
            .map_err(sql)?;
        let mut records = Vec::new();
        for body in rows {
            let body = body.map_err(sql)?;
            records.push(serde_json::from_str(&body).map_err(|e| {
                DestinationError::Other(format!("the record index is corrupt: {e}"))
            })?);
        }
        Ok(records)
    }

    /// Marks a record accounted for, under every customer it links to.
    pub fn account(&self, record_id: &str) -> Result<(), DestinationError> {
        self.conn()
            .execute(
                "UPDATE records SET accounted = 1 WHERE id = ?1",
                [record_id],
            )
            .map_err(sql)?;
        Ok(())
    }

    /// The next customer (after `after`, in order) with records not
    /// accounted for; `Some("")` for records linked to nobody.
    pub fn next_open_customer(
        &self,
        after: Option<&str>,
    ) -> Result<Option<String>, DestinationError> {
        let conn = self.conn();
        conn.query_row(
            "SELECT customer FROM records WHERE accounted = 0 AND (?1 IS NULL OR customer > ?1)
             ORDER BY customer LIMIT 1",
            [after],
            |row| row.get(0),
        )
        .optional()
        .map_err(sql)
    }
}
