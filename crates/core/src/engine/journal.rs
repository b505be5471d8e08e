//! The exactly-once write protocol (DESIGN.md invariants 2 and 3).
//!
//! A destination create is the one call deskshift cannot take back, and the
//! network can fail *after* the destination applied it (a timeout, a reset, a
//! 502 from a proxy in front of a server that did the work). Retrying such a
//! call blindly duplicates the record. So a create goes like this:
//!
//! 1. Ask the ledger what is known. Created or matched before: done, no call.
//! 2. If an earlier attempt is *pending* (the process died mid-call) or *failed
//!    uncertainly*, look the record up in the destination by its external id
//!    first. Found: adopt it. Not found: it never landed; go on.
//! 3. Record the intent (durably), make the call, record the outcome.
//! 4. If the call's result is uncertain, look up again before trying again.
//!
//! The destination supplies two closures, `lookup` and `create`; this module
//! owns the order of events, so both destinations are safe in the same way.

use crate::ledger::{
    IdMapEntry, IdMapState, Intent, JournalId, Ledger, LedgerError, Operation, Outcome, RunId,
    RunOutcome,
};
use crate::model::ObjectKind;
use std::future::Future;
use std::sync::Mutex;

/// How a destination call failed, as the protocol needs to know it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The destination refused this record (a validation error): permanent for
    /// this content. Recorded as a reject with the destination's own message.
    #[error("refused: {0}")]
    Refused(String),
    /// The call may or may not have taken effect (timeout, 5xx, reset).
    #[error("uncertain: {0}")]
    Uncertain(String),
    /// The destination is unusable (credentials, quota): the run must stop.
    #[error("{0}")]
    Fatal(String),
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// Created now (or adopted after an interrupted create found it).
    Created(String),
    /// An existing destination record stands for it; nothing was created.
    Matched(String),
    /// An earlier run already created or matched it with this content.
    AlreadyDone(String),
    /// The destination refused it; the reason is its own words.
    Rejected(String),
}

impl Written {
    /// The destination id, when there is one.
    pub fn dest_id(&self) -> Option<&str> {
        match self {
            Written::Created(id) | Written::Matched(id) | Written::AlreadyDone(id) => Some(id),
            Written::Rejected(_) => None,
        }
    }
}

/// What became of one update ([`Journal::update_once`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// The destination already holds this content: nothing was called.
    Unchanged(String),
    /// Changed now; the before-image is in the journal.
    Updated(String),
    /// The destination refused the change, in its own words; the record is
    /// as it was.
    Rejected(String),
}

/// Errors that stop a run.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("{kind} {source_id}: {message}")]
    Fatal {
        kind: ObjectKind,
        source_id: String,
        message: String,
    },
    #[error("{kind} {source_id}: gave up after {attempts} uncertain attempts, each followed by a look-up that found nothing: {last}")]
    GaveUp {
        kind: ObjectKind,
        source_id: String,
        attempts: u32,
        last: String,
    },
}

/// How many times an uncertain create is tried (each after a look-up).
const MAX_ATTEMPTS: u32 = 4;

/// A run's shared handle on the ledger. Ledger calls are short and synchronous,
/// so a plain mutex serves every worker; it is never held across an `.await`.
pub struct Journal {
    ledger: Mutex<Ledger>,
    run: RunId,
}

impl Journal {
    /// Begins a run of `command` on `ledger`.
    pub fn begin(ledger: Ledger, command: &str) -> Result<Journal, LedgerError> {
        let run = ledger.begin_run(command)?;
        Ok(Journal {
            ledger: Mutex::new(ledger),
            run,
        })
    }

    pub fn run(&self) -> RunId {
        self.run
    }

    /// Short, synchronous access to the ledger. The closure must not call
    /// other `Journal` methods: the lock is not reentrant.
    pub fn with<R>(&self, f: impl FnOnce(&Ledger) -> R) -> R {
        // A panic while holding the lock leaves the ledger itself consistent
        // (every write is a transaction), so a poisoned lock is still usable.
        let ledger = self.ledger.lock().unwrap_or_else(|p| p.into_inner());
        f(&ledger)
    }

    /// Ends the run and hands the ledger back.
    pub fn finish(self, outcome: RunOutcome) -> Result<Ledger, LedgerError> {
        let ledger = self.ledger.into_inner().unwrap_or_else(|p| p.into_inner());
        ledger.finish_run(self.run, outcome)?;
        Ok(ledger)
    }

    /// Records that an existing destination record stands for a source record
    /// (a customer found by e-mail, a user found by e-mail). Rollback leaves it.
    ///
    /// A match writes nothing to the destination, so a match intent left
    /// pending by a dead process is simply settled as this match.
    pub fn matched(
        &self,
        kind: ObjectKind,
        source_id: &str,
        content_hash: &str,
        dest_id: &str,
    ) -> Result<Written, JournalError> {
        if let Some(done) = self.already_done(kind, source_id)? {
            return Ok(done);
        }
        let matched = Outcome::Matched {
            dest_id: dest_id.to_string(),
        };
        let unsure = self.unsure(kind, source_id)?;
        self.with(|ledger| match unsure {
            Some(Unsure::Pending(pending)) => {
                // Only a match can be settled as a match; a pending create or
                // update must go through its own recovery.
                let entry = ledger.journal_entry(pending)?;
                if entry.is_some_and(|e| e.intent.operation == Operation::Match) {
                    return ledger.resolve_pending(self.run, pending, &matched);
                }
                Err(LedgerError::IntentPending {
                    kind,
                    source_id: source_id.to_string(),
                    pending,
                })
            }
            _ => {
                let intent = Intent::match_existing(kind, source_id, content_hash);
                let id = ledger.record_intent(self.run, &intent)?;
                ledger.record_outcome(id, &matched)
            }
        })?;
        Ok(Written::Matched(dest_id.to_string()))
    }

    /// Creates `source_id` in the destination exactly once; see the module docs.
    ///
    /// `lookup` finds a record this migration created earlier (by external id);
    /// `create` makes the call and returns the new destination id.
    pub async fn create_once<L, LF, C, CF>(
        &self,
        kind: ObjectKind,
        source_id: &str,
        content_hash: &str,
        lookup: L,
        create: C,
    ) -> Result<Written, JournalError>
    where
        L: Fn() -> LF,
        LF: Future<Output = Result<Option<String>, WriteError>>,
        C: Fn() -> CF,
        CF: Future<Output = Result<String, WriteError>>,
    {
        let fatal = |message: String| JournalError::Fatal {
            kind,
            source_id: source_id.to_string(),
            message,
        };
        if let Some(done) = self.already_done(kind, source_id)? {
            return Ok(done);
        }
        // An earlier attempt may have landed: settle it before calling again.
        if let Some(adopted) = self.settle(kind, source_id, content_hash, &lookup).await? {
            return Ok(adopted);
        }
        let mut last = String::new();
        for _ in 0..MAX_ATTEMPTS {
            let intent = Intent::create(kind, source_id, content_hash);
            let journal_id = self.with(|l| l.record_intent(self.run, &intent))?;
            match create().await {
                Ok(dest_id) => {
                    self.complete(
                        journal_id,
                        Outcome::Created {
                            dest_id: dest_id.clone(),
                        },
                    )?;
                    return Ok(Written::Created(dest_id));
                }
                Err(WriteError::Refused(reason)) => {
                    return Ok(Written::Rejected(self.refused(journal_id, reason)?));
                }
                Err(WriteError::Fatal(message)) => {
                    self.complete(
                        journal_id,
                        Outcome::Failed {
                            reason: message.clone(),
                        },
                    )?;
                    return Err(fatal(message));
                }
                Err(WriteError::Uncertain(reason)) => {
                    self.complete(
                        journal_id,
                        Outcome::Failed {
                            reason: reason.clone(),
                        },
                    )?;
                    last = reason;
                    match lookup().await {
                        Ok(Some(dest_id)) => {
                            self.adopt(kind, source_id, content_hash, Unsure::Failed, &dest_id)?;
                            return Ok(Written::Created(dest_id));
                        }
                        Ok(None) => continue,
                        Err(WriteError::Fatal(message)) => return Err(fatal(message)),
                        Err(err) => {
                            last = format!("{last}; look-up failed too: {err}");
                            continue;
                        }
                    }
                }
            }
        }
        Err(JournalError::GaveUp {
            kind,
            source_id: source_id.to_string(),
            attempts: MAX_ATTEMPTS,
            last,
        })
    }

    /// Settles an earlier create of `source_id` that may have landed: one
    /// left pending by a dead process, or one that failed uncertainly.
    /// `lookup` finds it by external id; found, it is adopted as created
    /// (`Some`); not found, the attempt is closed as failed (`None`).
    ///
    /// A caller about to *match* a record must settle first: a create that
    /// landed looks, to a listing of the destination, exactly like a record
    /// that was there before, and matching it would leave it behind on
    /// rollback. [`Journal::create_once`] settles on its own. A record that
    /// turns out to be done (its interrupted update closed) answers
    /// `Some(AlreadyDone)`.
    pub async fn settle<L, LF>(
        &self,
        kind: ObjectKind,
        source_id: &str,
        content_hash: &str,
        lookup: L,
    ) -> Result<Option<Written>, JournalError>
    where
        L: Fn() -> LF,
        LF: Future<Output = Result<Option<String>, WriteError>>,
    {
        // A change a dead process left pending is not a create: once closed,
        // the record is what it was (done, typically).
        if self.close_interrupted_change(kind, source_id)? {
            if let Some(done) = self.already_done(kind, source_id)? {
                return Ok(Some(done));
            }
        }
        let Some(unsure) = self.unsure(kind, source_id)? else {
            return Ok(None);
        };
        if let Unsure::Pending(id) = unsure {
            // A match wrote nothing to the destination: there is nothing to
            // find, and the match is simply decided again.
            let entry = self.with(|l| l.journal_entry(id))?;
            if entry.is_some_and(|e| e.intent.operation == Operation::Match) {
                self.with(|l| {
                    l.resolve_pending(
                        self.run,
                        id,
                        &Outcome::Failed {
                            reason: "interrupted match; decided again".into(),
                        },
                    )
                })?;
                return Ok(None);
            }
        }
        match lookup().await {
            Ok(Some(dest_id)) => {
                self.adopt(kind, source_id, content_hash, unsure, &dest_id)?;
                Ok(Some(Written::Created(dest_id)))
            }
            Ok(None) => {
                self.clear_unsure(unsure)?;
                Ok(None)
            }
            // A failed look-up settles nothing; try again on the next run.
            Err(err) => Err(JournalError::Fatal {
                kind,
                source_id: source_id.to_string(),
                message: match err {
                    WriteError::Fatal(message) => message,
                    other => format!("cannot check for an earlier create: {other}"),
                },
            }),
        }
    }

    /// Changes the destination record of `source_id` to the content
    /// `content_hash`, journaling its before-image first (DESIGN.md
    /// invariant 5: rollback restores it):
    ///
    /// 1. the record must be done (created, matched, updated); the same
    ///    content landed already: nothing to do ([`Changed::Unchanged`]);
    /// 2. the before-image is that of an earlier attempt that did not land,
    ///    if any, else `read(dest_id)` — the destination as it is now;
    /// 3. the intent, with the image, is recorded durably; `apply(image)`
    ///    makes the change (it must be idempotent: a repeat after a crash
    ///    runs it again); the outcome is recorded.
    ///
    /// A refusal is a result ([`Changed::Rejected`]; the record is as it
    /// was). An uncertain or fatal failure stops the run: the next one
    /// repeats the change with the same before-image.
    pub async fn update_once<R, RF, A, AF>(
        &self,
        kind: ObjectKind,
        source_id: &str,
        content_hash: &str,
        read: R,
        apply: A,
    ) -> Result<Changed, JournalError>
    where
        R: FnOnce(String) -> RF,
        RF: Future<Output = Result<serde_json::Value, WriteError>>,
        A: FnOnce(serde_json::Value) -> AF,
        AF: Future<Output = Result<(), WriteError>>,
    {
        let fatal = |message: String| JournalError::Fatal {
            kind,
            source_id: source_id.to_string(),
            message,
        };
        self.close_interrupted_change(kind, source_id)?;
        let entry = self.with(|l| l.mapping(kind, source_id))?;
        let dest_id = match entry {
            Some(IdMapEntry {
                state: IdMapState::Created | IdMapState::Matched | IdMapState::Updated,
                dest_id: Some(dest_id),
                content_hash: landed,
                ..
            }) => {
                if landed.as_deref() == Some(content_hash) {
                    return Ok(Changed::Unchanged(dest_id));
                }
                dest_id
            }
            _ => {
                return Err(fatal(
                    "is not in the destination, so it cannot be updated; run migrate first".into(),
                ))
            }
        };
        let earlier = self.with(|l| l.unlanded_update_image(kind, source_id))?;
        let before = match earlier {
            Some(image) => image,
            None => read(dest_id.clone()).await.map_err(|error| {
                fatal(format!(
                    "cannot read it from the destination before changing it: {error}"
                ))
            })?,
        };
        let intent = Intent::update(
            kind,
            source_id,
            dest_id.clone(),
            content_hash,
            before.clone(),
        );
        let journal_id = self.with(|l| l.record_intent(self.run, &intent))?;
        match apply(before).await {
            Ok(()) => {
                self.complete(
                    journal_id,
                    Outcome::Updated {
                        dest_id: dest_id.clone(),
                    },
                )?;
                Ok(Changed::Updated(dest_id))
            }
            Err(WriteError::Refused(reason)) => {
                Ok(Changed::Rejected(self.refused(journal_id, reason)?))
            }
            Err(error @ (WriteError::Uncertain(_) | WriteError::Fatal(_))) => {
                let reason = error.to_string();
                self.complete(
                    journal_id,
                    Outcome::Failed {
                        reason: reason.clone(),
                    },
                )?;
                Err(fatal(format!(
                    "the change may not have landed ({reason}); run the command again: it is \
                     repeated with the same before-image"
                )))
            }
        }
    }

    /// Records that the destination refused the write `id`; returns its words.
    fn refused(&self, id: JournalId, reason: String) -> Result<String, LedgerError> {
        self.complete(
            id,
            Outcome::Rejected {
                reason: reason.clone(),
            },
        )?;
        Ok(reason)
    }

    fn complete(&self, id: JournalId, outcome: Outcome) -> Result<(), LedgerError> {
        self.with(|l| l.record_outcome(id, &outcome))
    }

    /// Created or matched before with the same content: nothing to do.
    fn already_done(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<Option<Written>, LedgerError> {
        self.close_interrupted_change(kind, source_id)?;
        let entry = self.with(|l| l.mapping(kind, source_id))?;
        Ok(entry.and_then(|e| match (e.state, e.dest_id) {
            (IdMapState::Created | IdMapState::Matched | IdMapState::Updated, Some(dest)) => {
                Some(Written::AlreadyDone(dest))
            }
            _ => None,
        }))
    }

    /// An update or delete a dead process left pending is closed as failed:
    /// the record is still what its last landed write made it (the ledger
    /// says so again), and whoever wants the change makes it again, with the
    /// before-image of the first attempt ([`Journal::update_once`]).
    /// Answers whether there was one.
    pub fn close_interrupted_change(
        &self,
        kind: ObjectKind,
        source_id: &str,
    ) -> Result<bool, LedgerError> {
        self.with(|l| {
            let Some(entry) = l.pending_entry(kind, source_id)? else {
                return Ok(false);
            };
            let change = matches!(
                entry.intent.operation,
                Operation::Update | Operation::Delete
            );
            if entry.run == self.run || !change {
                return Ok(false);
            }
            l.resolve_pending(
                self.run,
                entry.id,
                &Outcome::Failed {
                    reason: "interrupted before its outcome was known; made again if still wanted"
                        .into(),
                },
            )
            .map(|()| true)
        })
    }

    /// A pending intent left by a dead process, or a failure that may have landed.
    fn unsure(&self, kind: ObjectKind, source_id: &str) -> Result<Option<Unsure>, LedgerError> {
        let entry = self.with(|l| l.mapping(kind, source_id))?;
        Ok(entry.and_then(|e| match e.state {
            IdMapState::Pending => e.journal.map(Unsure::Pending),
            IdMapState::Failed => Some(Unsure::Failed),
            _ => None,
        }))
    }

    fn clear_unsure(&self, unsure: Unsure) -> Result<(), LedgerError> {
        match unsure {
            Unsure::Pending(id) => self.with(|l| {
                l.resolve_pending(
                    self.run,
                    id,
                    &Outcome::Failed {
                        reason:
                            "interrupted before the destination applied it (look-up found nothing)"
                                .into(),
                    },
                )
            }),
            Unsure::Failed => Ok(()),
        }
    }

    /// Records that an earlier, uncertain create did land as `dest_id`.
    fn adopt(
        &self,
        kind: ObjectKind,
        source_id: &str,
        content_hash: &str,
        unsure: Unsure,
        dest_id: &str,
    ) -> Result<(), LedgerError> {
        let created = Outcome::Created {
            dest_id: dest_id.to_string(),
        };
        self.with(|l| match unsure {
            Unsure::Pending(id) => l.resolve_pending(self.run, id, &created),
            Unsure::Failed => {
                let intent = Intent::create(kind, source_id, content_hash);
                let id = l.record_intent(self.run, &intent)?;
                l.record_outcome(id, &created)
            }
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum Unsure {
    Pending(JournalId),
    Failed,
}
