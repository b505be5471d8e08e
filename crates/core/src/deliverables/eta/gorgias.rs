//! Calls the Gorgias writer makes (`crates/gorgias/src/{prepare.rs,writer/}`)
//! into an account that holds none of the workspace yet, object by object:
//!
//! - prepare: ticket fields listed once, one create per Stames ticket field
//!   and per deskshift field (reminder date, SLA deadline, SLA breached);
//!   customer fields cost nothing (their values ride in customer data); tags
//!   listed once, one create per tag left after normalising spellings;
//! - migrate: the preflight lists rules; users listed once (100 a page);
//!   customers: one probe of the account's customers (a listing follows
//!   only when it holds some), then one create per customer that is not a
//!   duplicate of another (its custom-object records ride along); one
//!   ticket create per ticket, carrying up to 499 messages, tags and field
//!   values; one create per message beyond those; uploads of up to 10 files
//!   and 16 MiB, batched per ticket; custom-object records ride in the
//!   create of the customer they end up with, costing nothing of their own.
//!
//! `crates/deskshift/tests/it/cli_deliverables.rs` holds the model to the
//! calls a real run makes against the emulator.

use super::{div_ceil, Budget, CallRow, Phase, Projection, Workload};
use crate::model::ObjectKind::{CustomObjectRecords, Customers, Tickets};

/// Messages a ticket create carries (Gorgias takes 500, one is the note).
const INLINE_MESSAGES: u64 = 499;
const FILES_PER_UPLOAD: u64 = 10;
const BYTES_PER_UPLOAD: u64 = 16 * 1024 * 1024;
/// deskshift's own ticket fields (reminder date, SLA deadline, SLA breached).
const DESKSHIFT_FIELDS: u64 = 3;
/// Seconds per call when the budget is not the limit: about 0.2 s of
/// latency with 4 tickets in flight. A sample run replaces it by a measure.
const UNPACED_SECONDS_PER_CALL: f64 = 0.05;

pub fn project(w: &Workload, budget: &Budget) -> Projection {
    let row = CallRow::new;
    let tags = w.tags.saturating_sub(w.tag_merges);
    let rows = vec![
        row(
            Phase::Prepare,
            "custom_fields",
            w.ticket_fields,
            1 + w.ticket_fields + DESKSHIFT_FIELDS,
            "1 listing + 1 POST /api/custom-fields per ticket field and per deskshift field",
            None,
        ),
        row(
            Phase::Prepare,
            "tags",
            w.tags,
            1 + tags,
            "1 listing + 1 POST /api/tags per normalised tag",
            None,
        ),
        row(Phase::Migrate, "preflight", 0, 1, "GET /api/rules", None),
        row(
            Phase::Migrate,
            "users",
            w.agents,
            1,
            "GET /api/users (100 a page); matched by e-mail, never created",
            None,
        ),
        row(
            Phase::Migrate,
            "customers (existing)",
            0,
            1,
            "GET /api/customers?limit=1: the account holds none yet (one listing page per 100 \
             it holds otherwise)",
            None,
        ),
        row(
            Phase::Migrate,
            "customers",
            w.customers,
            w.customers.saturating_sub(w.duplicate_customers),
            "1 POST /api/customers per customer; duplicates by e-mail merged without a call",
            Some(Customers),
        ),
        row(
            Phase::Migrate,
            "tickets",
            w.tickets,
            w.tickets,
            "1 POST /api/tickets per ticket, with up to 499 messages, tags and field values",
            Some(Tickets),
        ),
        row(
            Phase::Migrate,
            "messages",
            w.public_messages + w.private_notes,
            messages_beyond_inline(w),
            "1 POST /api/tickets/{id}/messages per message beyond the first 499",
            Some(Tickets),
        ),
        row(
            Phase::Migrate,
            "attachments",
            w.files,
            upload_calls(w),
            "POST /api/upload, up to 10 files and 16 MiB per call, per ticket",
            Some(Tickets),
        ),
        row(
            Phase::Migrate,
            "custom_object_records",
            w.custom_object_records,
            0,
            "ride in their customer's create; those of a customer merged into an earlier one \
             (same e-mail) in that one's",
            Some(CustomObjectRecords),
        ),
    ];
    let assumptions = vec![
        format!(
            "Paced at {} calls per {} s ({}); the first window's worth goes at once.",
            budget.calls, budget.per_s, budget.origin
        ),
        format!(
            "Without pacing, {UNPACED_SECONDS_PER_CALL} s per call (0.2 s latency, 4 tickets in \
             flight); a sample run measures the real figure."
        ),
        "The Gorgias account holds none of the workspace's customers yet: each one it holds \
         already is matched by e-mail (no create), and the account's customers are listed 100 a \
         page."
            .into(),
        "`prepare` runs first; each rule it pauses (`--pause-rules`) costs 2 calls, and \
         re-enabling it 1 more at the end of `migrate`."
            .into(),
    ];
    Projection::from_rows(
        budget.clone(),
        rows,
        w,
        assumptions,
        UNPACED_SECONDS_PER_CALL,
        0.0,
    )
}

/// Creates for messages past the ones a ticket create carries.
fn messages_beyond_inline(w: &Workload) -> u64 {
    w.thread_lengths
        .iter()
        .map(|(&length, &tickets)| length.saturating_sub(INLINE_MESSAGES) * tickets)
        .sum()
}

/// Upload calls: a ticket's files go in batches of at most 10 files and
/// 16 MiB (sizes taken as the mean size; a larger file goes alone).
fn upload_calls(w: &Workload) -> u64 {
    let mean = w.mean_file_bytes();
    w.files_per_ticket
        .iter()
        .map(|(&files, &tickets)| {
            let by_count = div_ceil(files, FILES_PER_UPLOAD);
            let by_bytes = div_ceil(files * mean, BYTES_PER_UPLOAD);
            by_count.max(by_bytes).max(files.min(1)) * tickets
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliverables::eta::BudgetKind;
    use std::collections::BTreeMap;

    fn budget() -> Budget {
        Budget {
            calls: 40,
            per_s: 20.0,
            kind: BudgetKind::Window,
            origin: "test".into(),
        }
    }

    fn calls(p: &Projection, object: &str) -> u64 {
        p.rows
            .iter()
            .find(|r| r.object == object)
            .map_or(0, |r| r.calls)
    }

    #[test]
    fn one_call_per_ticket_and_one_per_message_past_499() {
        let w = Workload {
            tickets: 3,
            thread_lengths: BTreeMap::from([(4, 2), (501, 1)]),
            ..Workload::default()
        };
        let p = project(&w, &budget());
        assert_eq!(calls(&p, "tickets"), 3);
        assert_eq!(calls(&p, "messages"), 2);
    }

    #[test]
    fn uploads_batch_ten_files_or_16_mib_per_ticket() {
        let w = Workload {
            files: 12 + 3,
            file_bytes: 15 * 1024 * 1024,
            // one ticket with 12 small files → 2 calls; three with 1 → 3 calls
            files_per_ticket: BTreeMap::from([(12, 1), (1, 3)]),
            ..Workload::default()
        };
        assert_eq!(calls(&project(&w, &budget()), "attachments"), 5);
        let big = Workload {
            files: 4,
            file_bytes: 4 * 10 * 1024 * 1024,
            files_per_ticket: BTreeMap::from([(4, 1)]),
            ..Workload::default()
        };
        // 40 MiB in one ticket: 3 calls of at most 16 MiB.
        assert_eq!(calls(&project(&big, &budget()), "attachments"), 3);
    }

    #[test]
    fn duplicates_cost_no_create_and_merged_tags_no_create() {
        let w = Workload {
            customers: 10,
            duplicate_customers: 3,
            tags: 5,
            tag_merges: 2,
            ..Workload::default()
        };
        let p = project(&w, &budget());
        assert_eq!(calls(&p, "customers"), 7);
        assert_eq!(calls(&p, "tags"), 1 + 3);
    }

    #[test]
    fn duration_is_the_budget_once_past_the_first_window() {
        let w = Workload {
            tickets: 1000,
            thread_lengths: BTreeMap::from([(3, 1000)]),
            ..Workload::default()
        };
        let p = project(&w, &budget());
        // 1000 tickets + fixed calls; 2 calls per second after the first 40.
        let expected = (p.total_calls - 40) as f64 / 2.0;
        assert!((p.duration_s - expected).abs() < 1e-9, "{}", p.duration_s);
        assert_eq!(p.days_forced, None);
        assert_eq!(p.migrate_fixed_calls, 1 + 1 + 1, "preflight, users, probe");
    }

    #[test]
    fn records_ride_in_customer_creates() {
        let w = Workload {
            custom_object_records: 9,
            duplicate_customers: 2,
            ..Workload::default()
        };
        assert_eq!(calls(&project(&w, &budget()), "custom_object_records"), 0);
    }
}
