//! Property: whatever sequence of intents, outcomes, resolutions and restarts
//! the engine throws at the ledger, the id map agrees with the last write of
//! each record, and every journal row is either completed or listed pending.

use deskshift_core::ledger::{
    IdMapState, Intent, JournalId, JournalState, Ledger, LedgerError, Operation, Outcome,
    OutcomeKind, RunId, RunOutcome,
};
use deskshift_core::model::ObjectKind;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const KINDS: [ObjectKind; 2] = [ObjectKind::Customers, ObjectKind::Tickets];
const IDS: [&str; 3] = ["1", "2", "3"];
const RECORDS: usize = KINDS.len() * IDS.len();

type Record = (ObjectKind, &'static str);

fn record(n: usize) -> Record {
    (KINDS[n % KINDS.len()], IDS[n / KINDS.len() % IDS.len()])
}

#[derive(Debug, Clone)]
enum Step {
    Intent {
        record: usize,
        operation: Operation,
        with_dest: bool,
    },
    /// An outcome for the `pick`-th journal entry (or an id that does not exist).
    Outcome {
        pick: usize,
        outcome: OutcomeKind,
        resolve: bool,
    },
    /// The run fails (or the process dies) and a new one begins.
    Restart,
}

fn operation() -> impl Strategy<Value = Operation> {
    prop::sample::select(Operation::ALL.to_vec())
}

fn outcome_kind() -> impl Strategy<Value = OutcomeKind> {
    prop::sample::select(OutcomeKind::ALL.to_vec())
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..RECORDS, operation(), any::<bool>()).prop_map(|(record, operation, with_dest)| {
            Step::Intent { record, operation, with_dest }
        }),
        5 => (0..40usize, outcome_kind(), any::<bool>()).prop_map(|(pick, outcome, resolve)| {
            Step::Outcome { pick, outcome, resolve }
        }),
        1 => Just(Step::Restart),
    ]
}

/// What the model believes about one record.
#[derive(Debug, Clone, PartialEq)]
struct Mapped {
    state: IdMapState,
    dest_id: Option<String>,
    content_hash: Option<String>,
}

/// The id-map state after `outcome` answers `operation` on a record whose
/// landed writes made it `landed`.
fn expected_state(
    operation: Operation,
    outcome: OutcomeKind,
    landed: Option<IdMapState>,
) -> IdMapState {
    match (operation, outcome) {
        (Operation::Update, OutcomeKind::Updated) if landed == Some(IdMapState::Created) => {
            IdMapState::Created
        }
        (Operation::Update | Operation::Delete, OutcomeKind::Failed | OutcomeKind::Rejected) => {
            landed.unwrap_or(state_of(outcome))
        }
        _ => state_of(outcome),
    }
}

#[derive(Debug)]
struct Entry {
    id: JournalId,
    run: RunId,
    record: Record,
    operation: Operation,
    content_hash: String,
    outcome: Option<OutcomeKind>,
}

fn make_outcome(kind: OutcomeKind, id: JournalId) -> Outcome {
    let dest_id = format!("d-{}", id.0);
    match kind {
        OutcomeKind::Created => Outcome::Created { dest_id },
        OutcomeKind::Matched => Outcome::Matched { dest_id },
        OutcomeKind::Updated => Outcome::Updated { dest_id },
        OutcomeKind::Deleted => Outcome::Deleted,
        OutcomeKind::Failed => Outcome::Failed {
            reason: "timeout".into(),
        },
        OutcomeKind::Rejected => Outcome::Rejected {
            reason: "invalid".into(),
        },
    }
}

fn state_of(kind: OutcomeKind) -> IdMapState {
    match kind {
        OutcomeKind::Created => IdMapState::Created,
        OutcomeKind::Matched => IdMapState::Matched,
        OutcomeKind::Updated => IdMapState::Updated,
        OutcomeKind::Deleted => IdMapState::Deleted,
        OutcomeKind::Failed => IdMapState::Failed,
        OutcomeKind::Rejected => IdMapState::Rejected,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn id_map_follows_the_last_outcome_and_nothing_is_lost(
        steps in prop::collection::vec(step(), 1..60)
    ) {
        let ledger = Ledger::open_in_memory().unwrap();
        let mut run = ledger.begin_run("migrate").unwrap();
        let mut map: BTreeMap<Record, Mapped> = BTreeMap::new();
        let mut journal: Vec<Entry> = Vec::new();

        for (n, step) in steps.iter().enumerate() {
            match *step {
                Step::Intent { record: r, operation, with_dest } => {
                    let rec = record(r);
                    let hash = format!("h-{n}");
                    let intent = Intent {
                        kind: rec.0,
                        source_id: rec.1.to_string(),
                        operation,
                        content_hash: Some(hash.clone()),
                        dest_id: with_dest.then(|| format!("x-{r}")),
                        before_image: with_dest.then(|| serde_json::json!({"step": n})),
                    };
                    let current = map.get(&rec);
                    let result = ledger.record_intent(run, &intent);
                    // Predict the guard the ledger applies.
                    if current.is_some_and(|m| m.state == IdMapState::Pending) {
                        prop_assert!(matches!(result, Err(LedgerError::IntentPending { .. })), "{result:?}");
                        continue;
                    }
                    let live_dest = current
                        .filter(|m| m.state != IdMapState::Deleted)
                        .and_then(|m| m.dest_id.clone());
                    let dest = match operation {
                        Operation::Create | Operation::Match if live_dest.is_some() => {
                            prop_assert!(matches!(result, Err(LedgerError::AlreadyInDestination { .. })), "{result:?}");
                            continue;
                        }
                        Operation::Create | Operation::Match => intent.dest_id.clone(),
                        Operation::Update | Operation::Delete => {
                            match intent.dest_id.clone().or(current.and_then(|m| m.dest_id.clone())) {
                                Some(d) => Some(d),
                                None => {
                                    prop_assert!(matches!(result, Err(LedgerError::MissingDestId { .. })), "{result:?}");
                                    continue;
                                }
                            }
                        }
                    };
                    let id = result.unwrap();
                    prop_assert!(journal.last().is_none_or(|e| e.id < id), "ids grow");
                    let entry = map.entry(rec).or_insert(Mapped { state: IdMapState::Pending, dest_id: None, content_hash: None });
                    entry.state = IdMapState::Pending;
                    entry.dest_id = dest.or(entry.dest_id.clone());
                    journal.push(Entry { id, run, record: rec, operation, content_hash: hash, outcome: None });
                }
                Step::Outcome { pick, outcome, resolve } => {
                    let Some(entry) = journal.get_mut(pick) else {
                        let ghost = JournalId(10_000 + pick as i64);
                        let o = make_outcome(outcome, ghost);
                        let result = if resolve { ledger.resolve_pending(run, ghost, &o) } else { ledger.record_outcome(ghost, &o) };
                        prop_assert!(matches!(result, Err(LedgerError::UnknownJournalEntry(_))), "{result:?}");
                        continue;
                    };
                    let o = make_outcome(outcome, entry.id);
                    let result = if resolve {
                        ledger.resolve_pending(run, entry.id, &o)
                    } else {
                        ledger.record_outcome(entry.id, &o)
                    };
                    if entry.outcome.is_some() {
                        prop_assert!(matches!(result, Err(LedgerError::OutcomeAlreadyRecorded { .. })), "{result:?}");
                        continue;
                    }
                    if !o.fits(entry.operation) {
                        prop_assert!(matches!(result, Err(LedgerError::OutcomeMismatch { .. })), "{result:?}");
                        continue;
                    }
                    if !resolve && entry.run != run {
                        prop_assert!(matches!(result, Err(LedgerError::IntentFromOtherRun { .. })), "{result:?}");
                        continue;
                    }
                    prop_assert!(result.is_ok(), "{result:?}");
                    entry.outcome = Some(outcome);
                    // Outcomes may complete entries out of order; the ledger
                    // folds the landed writes recorded before this entry.
                    let before: Option<IdMapState> = journal
                        .iter()
                        .filter(|e| e.record == journal[pick].record && e.id < journal[pick].id)
                        .filter_map(|e| e.outcome)
                        .filter(|o| !matches!(o, OutcomeKind::Failed | OutcomeKind::Rejected))
                        .fold(None, IdMapState::after);
                    let entry = &journal[pick];
                    let m = map.get_mut(&entry.record).unwrap();
                    m.state = expected_state(entry.operation, outcome, before);
                    if let Some(d) = o.dest_id() {
                        m.dest_id = Some(d.to_string());
                    }
                    if matches!(outcome, OutcomeKind::Created | OutcomeKind::Matched | OutcomeKind::Updated) {
                        m.content_hash = Some(entry.content_hash.clone());
                    }
                }
                Step::Restart => {
                    ledger.finish_run(run, RunOutcome::Failed("restart".into())).unwrap();
                    run = ledger.begin_run("migrate").unwrap();
                }
            }
        }

        // The id map is exactly the model ...
        for (rec, expected) in &map {
            let got = ledger.mapping(rec.0, rec.1).unwrap().unwrap();
            prop_assert_eq!(&Mapped { state: got.state, dest_id: got.dest_id, content_hash: got.content_hash }, expected, "{:?}", rec);
        }
        let counts = ledger.id_map_counts().unwrap();
        prop_assert_eq!(counts.values().map(|c| c.total()).sum::<u64>(), map.len() as u64);

        // ... and agrees with the last journal entry of every record.
        let stored = ledger.journal(None).unwrap();
        prop_assert_eq!(stored.len(), journal.len());
        let mut last: BTreeMap<Record, &deskshift_core::ledger::JournalEntry> = BTreeMap::new();
        for e in &stored {
            let key = *map.keys().find(|k| k.0 == e.intent.kind && k.1 == e.intent.source_id).unwrap();
            last.insert(key, e);
        }
        for (rec, e) in &last {
            let before = stored
                .iter()
                .filter(|x| x.intent.kind == e.intent.kind && x.intent.source_id == e.intent.source_id)
                .filter(|x| x.id < e.id && x.state == JournalState::Done)
                .filter_map(|x| x.outcome.as_ref().map(|o| o.kind()))
                .fold(None, IdMapState::after);
            let expected = match &e.outcome {
                None => IdMapState::Pending,
                Some(o) => expected_state(e.intent.operation, o.kind(), before),
            };
            prop_assert_eq!(ledger.mapping(rec.0, rec.1).unwrap().unwrap().state, expected);
        }

        // Every journal row is completed or listed as pending; nothing in between.
        let pending: BTreeSet<JournalId> = ledger.pending_intents().unwrap().iter().map(|p| p.id).collect();
        for e in &stored {
            match e.state {
                JournalState::Pending => prop_assert!(pending.contains(&e.id) && e.outcome.is_none()),
                JournalState::Done | JournalState::Failed => {
                    prop_assert!(!pending.contains(&e.id));
                    prop_assert!(e.outcome.is_some() && e.completed_at.is_some());
                }
            }
        }
        let expected_pending: BTreeSet<JournalId> = journal.iter().filter(|e| e.outcome.is_none()).map(|e| e.id).collect();
        prop_assert_eq!(pending, expected_pending);
        prop_assert!(ledger.check_integrity().unwrap().is_empty());
    }
}
