//! `deskshift rollback`: undoes the journal, newest writes first, children
//! before parents, and never touches what existed before the migration
//! (DESIGN.md invariant 5).
//!
//! # What is undone
//!
//! The journal is folded record by record ([`crate::ledger::UndoTarget`]):
//! what a selected run *created* is removed (deleted; a Gorgias user is
//! deactivated, a field archived: whatever the API allows), what it
//! *updated* gets its before-image back, what it *matched* is released —
//! the pre-existing record is not called at all. The selected runs are all
//! of them, or those from `--run ID` on (undoing a run undoes what later
//! runs built on it), narrowed to `--objects KINDS` (with their children:
//! removing a ticket removes its messages).
//!
//! # Safety
//!
//! - A record someone changed in the destination after deskshift's last
//!   write stops the rollback before anything is undone, listed, unless
//!   `--force` ([`Destination::changed_after`]).
//! - A create whose outcome is unknown (an interrupted run) stops it too:
//!   the run that wrote it settles it when run again.
//! - Every undo is journaled before its call and settled after, in a run
//!   of its own: a rollback that dies is run again and finishes the job
//!   (each undo is safe to repeat). Until it has, nothing else writes
//!   ([`crate::engine::gates::rollback_gate`]).
//! - `--dry-run` computes the same plan and writes it out, record by
//!   record, changing nothing.
//!
//! After a full rollback every record it touched is `deleted` in the id map
//! and the notes of the old migration are gone: a new migration starts
//! clean.

use crate::destination::{
    notes, DestinationError, Touched, UndoAction, UndoContext, UndoPlan, UndoStep, Undone,
};
use crate::engine::gates::ROLLBACK;
use crate::engine::{Changed, Counts, Journal, PhaseError, Phases, WriteError};
use crate::ledger::{
    rollback_scope_key, Intent, JournalId, Ledger, LedgerError, Outcome, RunId, RunOutcome,
    UndoTarget,
};
use crate::mapping::FieldMap;
use crate::model::ObjectKind;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

/// The order kinds are undone in: children before their parents.
pub const UNDO_ORDER: [ObjectKind; 10] = [
    ObjectKind::CustomObjectRecords,
    ObjectKind::Attachments,
    ObjectKind::StatusEvents,
    ObjectKind::Messages,
    ObjectKind::Tickets,
    ObjectKind::Customers,
    ObjectKind::Users,
    ObjectKind::Tags,
    ObjectKind::CustomFields,
    ObjectKind::CustomObjects,
];

/// Records undone per destination call.
pub const BATCH: usize = 200;

/// Records listed per kind in the summary; the plan file lists them all.
pub const LISTED: usize = 20;

/// What to roll back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollbackOptions {
    /// Undo this run and every run after it; `None`: everything.
    pub from: Option<RunId>,
    /// Only these kinds (with their children); `None`: every kind.
    pub kinds: Option<BTreeSet<ObjectKind>>,
    /// Undo records someone changed in the destination since, too.
    pub force: bool,
    /// Say what would be done; change nothing.
    pub dry_run: bool,
}

impl RollbackOptions {
    fn full(&self) -> bool {
        self.from.is_none() && self.kinds.is_none()
    }

    /// The kinds undone, children included, in [`UNDO_ORDER`].
    pub fn selected_kinds(&self) -> Vec<ObjectKind> {
        let Some(asked) = &self.kinds else {
            return UNDO_ORDER.to_vec();
        };
        let mut kinds: BTreeSet<ObjectKind> = asked.clone();
        let mut grew = true;
        while grew {
            let before = kinds.len();
            for kind in kinds.clone() {
                kinds.extend(children_of(kind).iter().copied());
            }
            grew = kinds.len() != before;
        }
        UNDO_ORDER
            .into_iter()
            .filter(|k| kinds.contains(k))
            .collect()
    }
}

/// Kinds that live inside records of `kind` and go with them.
pub fn children_of(kind: ObjectKind) -> &'static [ObjectKind] {
    match kind {
        ObjectKind::Tickets => &[
            ObjectKind::Messages,
            ObjectKind::Attachments,
            ObjectKind::StatusEvents,
        ],
        ObjectKind::Messages => &[ObjectKind::Attachments],
        ObjectKind::Customers => &[ObjectKind::Tickets, ObjectKind::CustomObjectRecords],
        ObjectKind::CustomObjects => &[ObjectKind::CustomObjectRecords],
        _ => &[],
    }
}

/// What rollback does to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Created by deskshift: removed as far as the API allows.
    Remove,
    /// Changed by deskshift: its before-image is put back.
    Restore,
    /// Matched to a pre-existing record: released, the record untouched.
    Release,
}

impl Action {
    fn of(target: &UndoTarget) -> Option<Action> {
        if target.created {
            Some(Action::Remove)
        } else if target.before_image.is_some() {
            Some(Action::Restore)
        } else if target.matched {
            Some(Action::Release)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Remove => "remove",
            Action::Restore => "restore",
            Action::Release => "release",
        }
    }
}

/// One planned undo, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Planned {
    pub source_id: String,
    pub dest_id: Option<String>,
    pub action: Action,
}

/// Per kind: what was (or would be) done.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KindReport {
    pub remove: u64,
    pub restore: u64,
    pub release: u64,
    /// Undone (or found gone already).
    pub undone: u64,
    /// The destination would not; see [`RollbackReport::refused`].
    pub refused: u64,
    /// The first records, in order.
    pub listed: Vec<Planned>,
}

impl KindReport {
    fn plan(&mut self, planned: Planned) {
        match planned.action {
            Action::Remove => self.remove += 1,
            Action::Restore => self.restore += 1,
            Action::Release => self.release += 1,
        }
        if self.listed.len() < LISTED {
            self.listed.push(planned);
        }
    }

    pub fn planned(&self) -> u64 {
        self.remove + self.restore + self.release
    }
}

/// One record the destination would not undo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    pub kind: ObjectKind,
    pub source_id: String,
    pub dest_id: String,
    pub reason: String,
}

/// What a rollback did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RollbackReport {
    pub dry_run: bool,
    /// The first run undone; `None`: all.
    pub from: Option<RunId>,
    pub kinds: BTreeMap<ObjectKind, KindReport>,
    pub refused: Vec<Refusal>,
    /// Records changed in the destination since deskshift's last write
    /// (undone only with `--force`).
    pub touched: Vec<Touched>,
    /// Side effects brought back (rules `prepare` paused).
    pub side_effects_restored: Vec<String>,
    /// Every planned record, one per line.
    pub plan_file: Option<PathBuf>,
}

impl RollbackReport {
    pub fn is_complete(&self) -> bool {
        self.refused.is_empty()
    }

    /// Per kind, one line; then the records listed.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let verb = if self.dry_run { "would" } else { "did" };
        let _ = writeln!(
            out,
            "Rollback ({}), {verb}:",
            match self.from {
                Some(run) => format!("run {run} and later"),
                None => "everything deskshift wrote".into(),
            }
        );
        for (kind, k) in &self.kinds {
            let _ = writeln!(
                out,
                "  {kind:<22} remove {:>6}  restore {:>5}  release {:>5}{}",
                k.remove,
                k.restore,
                k.release,
                if self.dry_run {
                    String::new()
                } else {
                    format!("  undone {:>6}  refused {:>4}", k.undone, k.refused)
                }
            );
            for p in &k.listed {
                let _ = writeln!(
                    out,
                    "      {} {kind} {} (destination {})",
                    p.action.as_str(),
                    p.source_id,
                    p.dest_id.as_deref().unwrap_or("—")
                );
            }
            if k.planned() > k.listed.len() as u64 {
                let _ = writeln!(out, "      … {} more", k.planned() - k.listed.len() as u64);
            }
        }
        for t in &self.touched {
            let _ = writeln!(
                out,
                "  changed since the migration: {} {} ({})",
                t.kind, t.dest_id, t.detail
            );
        }
        for r in &self.refused {
            let _ = writeln!(
                out,
                "  not undone: {} {} (destination {}): {}",
                r.kind, r.source_id, r.dest_id, r.reason
            );
        }
        for s in &self.side_effects_restored {
            let _ = writeln!(out, "  restored: {s}");
        }
        if let Some(path) = &self.plan_file {
            let _ = writeln!(out, "Every record: {}", path.display());
        }
        out
    }
}

/// The core's answer to "does this rollback remove that record?".
struct LedgerPlan<'a> {
    journal: &'a Journal,
    from: Option<RunId>,
    kinds: Vec<ObjectKind>,
}

impl UndoPlan for LedgerPlan<'_> {
    fn removes(&self, kind: ObjectKind, dest_id: &str) -> bool {
        if !self.kinds.contains(&kind) {
            return false;
        }
        self.journal
            .with(|l| -> Result<bool, LedgerError> {
                let Some(entry) = l.mapping_for_dest(kind, dest_id)? else {
                    return Ok(false);
                };
                Ok(l.undo_target(kind, &entry.source_id, self.from)?
                    .is_some_and(|t| t.created))
            })
            .unwrap_or(false)
    }
}

fn refused(message: String) -> PhaseError {
    PhaseError::Refused(message)
}

impl Phases<'_> {
    /// `deskshift rollback`; see the module docs.
    pub async fn rollback(
        &self,
        ledger: Ledger,
        options: &RollbackOptions,
    ) -> Result<(Ledger, RollbackReport), PhaseError> {
        let kinds = options.selected_kinds();
        let mut report = RollbackReport {
            dry_run: options.dry_run,
            from: options.from,
            ..RollbackReport::default()
        };
        if let Some(from) = options.from {
            if ledger.run(from)?.is_none() {
                return Err(refused(format!(
                    "there is no run {from}; `deskshift status` lists the runs"
                )));
            }
        }
        self.plan(&ledger, options, &kinds, &mut report)?;
        report.touched = self.touched(&ledger, options, &kinds, &report).await?;
        if options.dry_run {
            return Ok((ledger, report));
        }
        if !report.touched.is_empty() && !options.force {
            let mut message = format!(
                "{} migrated records changed in the destination after deskshift's last write \
                 (someone worked on them):",
                report.touched.len()
            );
            for t in report.touched.iter().take(LISTED) {
                let _ = write!(message, " {} {} ({});", t.kind, t.dest_id, t.detail);
            }
            message.push_str(
                " nothing was undone; look at them, then run `deskshift rollback --force` to \
                 undo them anyway",
            );
            return Err(refused(message));
        }
        let journal = Journal::begin(ledger, ROLLBACK)?;
        if let Some(from) = options.from {
            journal.with(|l| l.set_meta(&rollback_scope_key(journal.run()), &from.to_string()))?;
        }
        let result = self.undo_all(&journal, options, &kinds, &mut report).await;
        let outcome = match &result {
            Ok(()) if report.is_complete() => RunOutcome::Succeeded,
            Ok(()) => RunOutcome::Failed(format!(
                "{} records were not undone; see the rollback report",
                report.refused.len()
            )),
            Err(error) => RunOutcome::Failed(error.to_string()),
        };
        let ledger = journal.finish(outcome)?;
        result?;
        Ok((ledger, report))
    }

    /// Counts what each selected kind needs and writes the full plan.
    fn plan(
        &self,
        ledger: &Ledger,
        options: &RollbackOptions,
        kinds: &[ObjectKind],
        report: &mut RollbackReport,
    ) -> Result<(), PhaseError> {
        let path = self.reports_dir.join("rollback-plan.md");
        let mut file = PlanFile::create(path.clone(), options)?;
        let mut unsure = Vec::new();
        for &kind in kinds {
            let mut after: Option<String> = None;
            loop {
                let page = ledger.undo_targets(kind, options.from, after.as_deref(), BATCH)?;
                let Some(last) = page.last() else { break };
                after = Some(last.source_id.clone());
                for target in &page {
                    if target.pending {
                        unsure.push(format!("{kind} {}", target.source_id));
                        continue;
                    }
                    let Some(action) = Action::of(target) else {
                        continue;
                    };
                    let planned = Planned {
                        source_id: target.source_id.clone(),
                        dest_id: target.dest_id.clone(),
                        action,
                    };
                    file.line(kind, &planned)?;
                    report.kinds.entry(kind).or_default().plan(planned);
                }
            }
        }
        if !unsure.is_empty() {
            return Err(refused(format!(
                "{} writes have no known outcome (their run was interrupted): {}{}; run the \
                 command that wrote them (migrate or delta) again to settle them, then roll back",
                unsure.len(),
                unsure
                    .iter()
                    .take(LISTED)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                if unsure.len() > LISTED { ", …" } else { "" }
            )));
        }
        report.plan_file = Some(file.finish()?);
        Ok(())
    }

    /// Records with removes or restores that changed in the destination
    /// after deskshift's last write.
    async fn touched(
        &self,
        ledger: &Ledger,
        options: &RollbackOptions,
        kinds: &[ObjectKind],
        report: &RollbackReport,
    ) -> Result<Vec<Touched>, PhaseError> {
        let Some(last_write) = ledger.last_write_at(ROLLBACK)? else {
            return Ok(Vec::new());
        };
        let mut touched = Vec::new();
        for &kind in kinds {
            let Some(k) = report.kinds.get(&kind) else {
                continue;
            };
            if k.remove + k.restore == 0 {
                continue;
            }
            for t in self.destination.changed_after(kind, last_write).await? {
                let ours = match ledger.mapping_for_dest(kind, &t.dest_id)? {
                    Some(entry) => ledger
                        .undo_target(kind, &entry.source_id, options.from)?
                        .is_some_and(|u| u.created || u.before_image.is_some()),
                    None => false,
                };
                if ours {
                    touched.push(t);
                }
            }
        }
        Ok(touched)
    }

    async fn undo_all(
        &self,
        journal: &Journal,
        options: &RollbackOptions,
        kinds: &[ObjectKind],
        report: &mut RollbackReport,
    ) -> Result<(), PhaseError> {
        let counts = Counts::default();
        // Undoing follows the ledger, not the map: the confirmed map rides
        // along when there is one (see `LoadContext::map`).
        let map = journal
            .with(crate::mapping::confirmation::confirmed)?
            .map_or_else(
                || FieldMap::unmapped(self.destination.name()),
                |confirmed| confirmed.map,
            );
        let load = self.context(journal, &counts, self.progress, &map);
        let plan = LedgerPlan {
            journal,
            from: options.from,
            kinds: kinds.to_vec(),
        };
        let ctx = UndoContext {
            load: &load,
            plan: &plan,
        };
        for &kind in kinds {
            let Some(total) = report.kinds.get(&kind).map(KindReport::planned) else {
                continue;
            };
            self.progress.start(kind, Some(total));
            let mut after: Option<String> = None;
            loop {
                let page = journal
                    .with(|l| l.undo_targets(kind, options.from, after.as_deref(), BATCH))?;
                let Some(last) = page.last() else { break };
                after = Some(last.source_id.clone());
                self.undo_page(&ctx, options, kind, &page, report).await?;
                self.progress.advance(kind, page.len() as u64);
            }
            self.progress.finish(kind);
        }
        if options.full() {
            report.side_effects_restored = self.destination.restore_side_effects(&load).await?;
            journal.with(|l| {
                notes::clear(l, self.destination.name())?;
                l.clear_checkpoints()
            })?;
        }
        Ok(())
    }

    /// Undoes one page of records of `kind`: releases without a call,
    /// partial restores through the update protocol, the rest journaled
    /// as undo entries before one destination call for the page.
    async fn undo_page(
        &self,
        ctx: &UndoContext<'_>,
        options: &RollbackOptions,
        kind: ObjectKind,
        page: &[UndoTarget],
        report: &mut RollbackReport,
    ) -> Result<(), PhaseError> {
        let journal = ctx.load.journal;
        let mut intents = Vec::new();
        let mut steps = Vec::new();
        let mut releases = Vec::new();
        for target in page {
            let (Some(action), Some(dest_id)) = (Action::of(target), target.dest_id.clone()) else {
                continue;
            };
            journal.close_interrupted_change(kind, &target.source_id)?;
            let image = target.before_image.clone().unwrap_or(json!(null));
            if action == Action::Restore && options.from.is_some() && !target.matched {
                // Partial: the record stays migrated, as it was before the
                // undone runs changed it.
                self.restore_in_place(ctx, target, &dest_id, image, report)
                    .await?;
                continue;
            }
            let marker = json!({"undo": action.as_str(), "image": image});
            intents.push(Intent::delete(
                kind,
                target.source_id.clone(),
                dest_id.clone(),
                Some(marker),
            ));
            match action {
                Action::Release => releases.push(intents.len() - 1),
                Action::Remove | Action::Restore => steps.push((
                    intents.len() - 1,
                    UndoStep {
                        kind,
                        source_id: target.source_id.clone(),
                        dest_id,
                        action: match action {
                            Action::Remove => UndoAction::Remove,
                            _ => UndoAction::Restore(image),
                        },
                    },
                )),
            }
        }
        if intents.is_empty() {
            return Ok(());
        }
        let ids: Vec<JournalId> = journal.with(|l| l.record_intents(journal.run(), &intents))?;
        let mut outcomes: Vec<(JournalId, Outcome)> = releases
            .iter()
            .map(|&at| (ids[at], Outcome::Deleted))
            .collect();
        let k = report.kinds.entry(kind).or_default();
        k.undone += releases.len() as u64;
        if !steps.is_empty() {
            let calls: Vec<UndoStep> = steps.iter().map(|(_, s)| s.clone()).collect();
            let answers = match self.destination.undo(ctx, kind, &calls).await {
                Ok(answers) if answers.len() == calls.len() => answers,
                Ok(answers) => {
                    return Err(PhaseError::Destination(DestinationError::Other(format!(
                        "{} answered {} undos for {} {kind} records",
                        self.destination.name(),
                        answers.len(),
                        calls.len()
                    ))))
                }
                Err(error) => {
                    // Settled as failed; the next rollback makes them again.
                    let failed: Vec<_> = steps
                        .iter()
                        .map(|(at, _)| {
                            (
                                ids[*at],
                                Outcome::Failed {
                                    reason: error.to_string(),
                                },
                            )
                        })
                        .chain(outcomes)
                        .collect();
                    journal.with(|l| l.record_outcomes(&failed))?;
                    return Err(error.into());
                }
            };
            for ((at, step), answer) in steps.iter().zip(answers) {
                match answer {
                    Undone::Done(_) | Undone::Gone => {
                        k.undone += 1;
                        outcomes.push((ids[*at], Outcome::Deleted));
                    }
                    Undone::Refused(reason) => {
                        k.refused += 1;
                        outcomes.push((
                            ids[*at],
                            Outcome::Failed {
                                reason: reason.clone(),
                            },
                        ));
                        report.refused.push(Refusal {
                            kind,
                            source_id: step.source_id.clone(),
                            dest_id: step.dest_id.clone(),
                            reason,
                        });
                    }
                }
            }
        }
        journal.with(|l| l.record_outcomes(&outcomes))?;
        Ok(())
    }

    /// A record created or matched before the undone runs and changed by
    /// them: its before-image goes back through the update protocol, so it
    /// stays migrated, with the content hash it had before.
    async fn restore_in_place(
        &self,
        ctx: &UndoContext<'_>,
        target: &UndoTarget,
        dest_id: &str,
        image: serde_json::Value,
        report: &mut RollbackReport,
    ) -> Result<(), PhaseError> {
        let kind = target.kind;
        let step = UndoStep {
            kind,
            source_id: target.source_id.clone(),
            dest_id: dest_id.to_string(),
            action: UndoAction::Restore(image),
        };
        let destination = self.destination;
        let hash = target.restore_hash.clone().unwrap_or_default();
        let changed = ctx
            .load
            .journal
            .update_once(
                kind,
                &target.source_id,
                &hash,
                |dest| async move {
                    match destination.read_state(kind, &dest).await {
                        Ok(Some(state)) => Ok(state),
                        Ok(None) => Err(WriteError::Refused(format!(
                            "{kind} {dest} is not in the destination any more"
                        ))),
                        Err(error) => Err(WriteError::Fatal(error.to_string())),
                    }
                },
                |_| async {
                    match destination
                        .undo(ctx, kind, std::slice::from_ref(&step))
                        .await
                    {
                        Ok(answers) => match answers.into_iter().next() {
                            Some(Undone::Done(_) | Undone::Gone) => Ok(()),
                            Some(Undone::Refused(reason)) => Err(WriteError::Refused(reason)),
                            None => Err(WriteError::Fatal("no answer".into())),
                        },
                        Err(error) => Err(WriteError::Fatal(error.to_string())),
                    }
                },
            )
            .await
            .map_err(|e| PhaseError::Destination(e.into()))?;
        let k = report.kinds.entry(kind).or_default();
        match changed {
            Changed::Updated(_) | Changed::Unchanged(_) => k.undone += 1,
            Changed::Rejected(reason) => {
                k.refused += 1;
                report.refused.push(Refusal {
                    kind,
                    source_id: target.source_id.clone(),
                    dest_id: dest_id.to_string(),
                    reason,
                });
            }
        }
        Ok(())
    }
}

/// `reports/rollback-plan.md`, written record by record.
struct PlanFile {
    path: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    kind: Option<ObjectKind>,
}

impl PlanFile {
    fn create(path: PathBuf, options: &RollbackOptions) -> Result<PlanFile, PhaseError> {
        let io = |source| PhaseError::Report {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).map_err(io)?);
        writeln!(
            out,
            "# Rollback plan\n\n{}; every record below, children before parents. `remove`: \
             deskshift created it; `restore`: deskshift changed it, its before-image goes back; \
             `release`: it existed before the migration and is left untouched.",
            match options.from {
                Some(run) => format!("Undoes run {run} and every run after it"),
                None => "Undoes everything deskshift wrote".into(),
            }
        )
        .map_err(io)?;
        Ok(PlanFile {
            path: path.clone(),
            out,
            kind: None,
        })
    }

    fn line(&mut self, kind: ObjectKind, p: &Planned) -> Result<(), PhaseError> {
        let path = self.path.clone();
        let io = |source| PhaseError::Report { path, source };
        if self.kind != Some(kind) {
            writeln!(self.out, "\n## {kind}\n").map_err(io)?;
            self.kind = Some(kind);
        }
        writeln!(
            self.out,
            "- {} {} → destination {}",
            p.action.as_str(),
            p.source_id,
            p.dest_id.as_deref().unwrap_or("—")
        )
        .map_err(|source| PhaseError::Report {
            path: self.path.clone(),
            source,
        })
    }

    fn finish(mut self) -> Result<PathBuf, PhaseError> {
        if self.kind.is_none() {
            let _ = writeln!(self.out, "\nNothing to undo.");
        }
        self.out.flush().map_err(|source| PhaseError::Report {
            path: self.path.clone(),
            source,
        })?;
        Ok(self.path)
    }
}
