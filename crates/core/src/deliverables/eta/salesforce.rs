//! Calls the Salesforce writer makes (`crates/salesforce/src/{prepare.rs,
//! preflight.rs,writer/}`) into an org that holds none of the workspace yet:
//!
//! - every process signs in once (OAuth token; not counted against the
//!   daily limit, but a call);
//! - prepare: the org's objects listed, the status-history object and each
//!   custom object created, every planned field created through the
//!   Tooling API, field-level security granted in one Composite call, the
//!   Case Status, Priority and Origin value sets extended, and the loaded
//!   objects described after each of those steps;
//! - migrate: the preflight (validation rules, triggers, assignment rules,
//!   the Case describe); the schema checked again (objects listed, loaded
//!   objects described twice); users listed; customers a chunk of 200 at a
//!   time (one Account upsert and one Contact upsert per chunk); tickets a
//!   chunk of 200 at a time: the chunk's Contacts looked up, its Cases,
//!   EmailMessages, CaseComments and status events inserted 200 per call
//!   (sObject Collections), or through one Bulk API 2.0 job per chunk when
//!   the object's volume reaches the Bulk threshold (create, upload, close,
//!   polls, the successful results; the failed and unprocessed ones only
//!   when the job reports such rows); every file one ContentVersion
//!   insert, and a file of a private note also its internal-only
//!   ContentDocumentLink (its document looked up, a check for an existing
//!   link, the insert); custom-object records 200 at a time; past 500
//!   distinct tags, Topics found or created by `prepare` and each chunk's
//!   TopicAssignments listed and created.
//!
//! Exact for an org that holds none of the workspace; where a chunk's
//! share of a workspace matters (records per chunk), each chunk is given
//! its tickets' share of the workspace's figures.
//! `crates/deskshift/tests/it/cli_deliverables.rs` holds the model to the
//! calls a real run makes against the emulator.

use super::{div_ceil, Budget, CallRow, Phase, Projection, Workload};
use crate::model::ObjectKind::{CustomObjectRecords, Customers, Tickets};

/// Records per object from which the writer goes through Bulk API 2.0.
const BULK_THRESHOLD: u64 = 2_000;
/// Tickets (and customers) per chunk on the Collections route, and per
/// chunk on the Bulk route.
const CHUNK: u64 = 200;
const BULK_CHUNK: u64 = 1_000;
/// Records per Bulk job.
const RECORDS_PER_JOB: u64 = 10_000;
/// create, upload, close, and the successful results (a clean job has no
/// failed or unprocessed rows to read).
const CALLS_PER_JOB_BESIDES_POLLS: u64 = 4;
/// Status polls per job: at once, then after 1 s growing 1.5× to 10 s; a
/// job processed in about 30 s is seen done at the eighth.
const POLLS_PER_JOB: u64 = 8;
const PER_COLLECTION: u64 = 200;
/// The objects the writer describes (Account, Contact, Case, EmailMessage,
/// CaseComment, ContentVersion), besides the status-history object and
/// the custom objects.
const LOADED_OBJECTS: u64 = 6;
/// deskshift's own fields: external ids, channel source, created and
/// closed dates, assignee, reminders, notification triggers and SLA
/// fields (20), plus the tag picklist while tags fit one.
const DESKSHIFT_FIELDS: u64 = 20;
/// Fields of the status-history object.
const STATUS_EVENT_FIELDS: u64 = 7;
/// Multi-select picklists hold at most 500 values; above, Topics.
const PICKLIST_VALUES: u64 = 500;
/// Topic names per look-up query (4,000 characters of quoted names).
const NAMES_PER_QUERY: u64 = 100;
/// Case Status, Priority and Origin: find the value set, read it, extend it.
const VALUE_SET_CALLS: u64 = 3 * 3;
/// Preflight: validation rules, Apex triggers, assignment rules, Case describe.
const PREFLIGHT_CALLS: u64 = 4;
/// Contact ids per look-up query (4,000 characters of `'003…',`).
const IDS_PER_QUERY: u64 = 187;
/// A CaseComment holds 4,000 bytes, less the marker and header lines.
const COMMENT_TEXT_BYTES: u64 = 3_700;
/// Seconds per REST call (sequential) and of processing per Bulk job.
const SECONDS_PER_CALL: f64 = 0.25;
const SECONDS_PER_JOB: f64 = 30.0;

/// The chunks the writer cuts the tickets into, as their sizes.
fn chunks(tickets: u64, chunk: u64) -> impl Iterator<Item = u64> {
    let full = tickets / chunk;
    let rest = tickets % chunk;
    std::iter::repeat_n(chunk, full as usize).chain((rest > 0).then_some(rest))
}

/// How one object's records are written, chunk by chunk.
struct Load {
    calls: u64,
    jobs: u64,
    method: String,
}

/// `total` records spread over the ticket chunks in proportion to their
/// tickets, each chunk's share written through Collections, or Bulk when
/// the object's `volume` reaches the threshold.
fn load(w: &Workload, total: u64, volume: u64) -> Load {
    let bulk = volume >= BULK_THRESHOLD;
    let chunk = ticket_chunk(w);
    let mut calls = 0;
    let mut jobs = 0;
    for size in chunks(w.tickets, chunk) {
        let share = div_ceil(total * size, w.tickets.max(1));
        if share == 0 {
            continue;
        }
        if bulk {
            let n = div_ceil(share, RECORDS_PER_JOB);
            jobs += n;
            calls += n * (CALLS_PER_JOB_BESIDES_POLLS + POLLS_PER_JOB);
        } else {
            calls += div_ceil(share, PER_COLLECTION);
        }
    }
    let method = if bulk {
        format!(
            "Bulk API 2.0: a job per chunk of {chunk} tickets (create, upload, close, \
             {POLLS_PER_JOB} polls, 3 result reads)"
        )
    } else {
        format!("sObject Collections, 200 records per call, per chunk of {chunk} tickets")
    };
    Load {
        calls,
        jobs,
        method,
    }
}

/// Tickets per chunk: 200, or 1,000 once the Cases go through Bulk.
fn ticket_chunk(w: &Workload) -> u64 {
    if w.tickets >= BULK_THRESHOLD {
        BULK_CHUNK
    } else {
        CHUNK
    }
}

/// Fields the schema plan creates.
fn planned_fields(w: &Workload) -> u64 {
    let tags = u64::from(w.distinct_tags_used <= PICKLIST_VALUES);
    DESKSHIFT_FIELDS
        + tags
        + STATUS_EVENT_FIELDS
        + w.ticket_fields
        + w.customer_fields
        + w.custom_objects
        + 2 * w.custom_object_links
        + w.custom_object_fields
}

/// CaseComments private notes become: long ones split.
fn comment_parts(w: &Workload) -> u64 {
    let long: u64 = w.long_private_notes.values().sum();
    let parts: u64 = w
        .long_private_notes
        .iter()
        .map(|(&bytes, &notes)| div_ceil(bytes, COMMENT_TEXT_BYTES).max(1) * notes)
        .sum();
    w.private_notes.saturating_sub(long) + parts
}

/// Every process signs in once.
fn sign_in(phase: Phase) -> CallRow {
    let method = "OAuth token (not counted against the daily limit)";
    CallRow::new(phase, "sign-in", 0, 1, method, None)
}

pub fn project(w: &Workload, budget: &Budget) -> Projection {
    use Phase::{Migrate, Prepare};
    let objects = w.custom_objects + 1;
    let describe_all = LOADED_OBJECTS + objects;
    let fields = planned_fields(w);
    let mut rows = vec![
        sign_in(Prepare),
        CallRow::new(
            Prepare,
            "custom_objects",
            objects,
            1 + objects + 4 * describe_all,
            format!(
                "objects listed; 1 Tooling create per custom object and for the status-history \
                 object; the {describe_all} loaded objects described 4 times"
            ),
            None,
        ),
        CallRow::new(
            Prepare,
            "custom_fields",
            fields,
            fields + 2 + div_ceil(fields, PER_COLLECTION),
            "1 Tooling create per field; field-level security: 2 look-ups + 1 Composite call \
             per 200 fields",
            None,
        ),
        CallRow::new(
            Prepare,
            "picklist values",
            3,
            VALUE_SET_CALLS,
            "Case Status, Priority, Origin: find, read, extend each value set",
            None,
        ),
        sign_in(Migrate),
        CallRow::new(
            Migrate,
            "preflight",
            0,
            PREFLIGHT_CALLS,
            "validation rules, triggers, assignment rules, the Case describe",
            None,
        ),
        CallRow::new(
            Migrate,
            "schema check",
            describe_all,
            1 + 2 * describe_all,
            "objects listed; the loaded objects described twice",
            None,
        ),
        CallRow::new(
            Migrate,
            "users",
            w.agents,
            1,
            "SOQL on User (2,000 a page); matched by e-mail, never created",
            None,
        ),
    ];
    let customer_bulk = w.customers >= BULK_THRESHOLD;
    let customer_chunks = div_ceil(w.customers, if customer_bulk { BULK_CHUNK } else { CHUNK });
    let per_customer_chunk = if customer_bulk {
        CALLS_PER_JOB_BESIDES_POLLS + POLLS_PER_JOB
    } else {
        1
    };
    let mut jobs = if customer_bulk {
        2 * customer_chunks
    } else {
        0
    };
    let accounts = w.customers.saturating_sub(w.customers_with_company) + w.companies;
    for (object, records, method) in [
        (
            "accounts",
            accounts,
            "1 upsert per chunk of customers: one Account per company, else per customer",
        ),
        (
            "contacts",
            w.customers,
            "1 upsert per chunk of customers, AccountId resolved",
        ),
    ] {
        let calls = customer_chunks * per_customer_chunk;
        rows.push(CallRow::new(
            Migrate,
            object,
            records,
            calls,
            method,
            Some(Customers),
        ));
    }
    let lookups: u64 = chunks(w.tickets, ticket_chunk(w))
        .map(|size| {
            let contacts = div_ceil(w.customers.min(w.tickets) * size, w.tickets.max(1));
            div_ceil(contacts, IDS_PER_QUERY)
        })
        .sum();
    rows.push(CallRow::new(
        Migrate,
        "contacts (look-up)",
        w.tickets,
        lookups,
        "the Contacts of each chunk of tickets, 187 ids per SOQL query",
        Some(Tickets),
    ));
    let all_messages = w.public_messages + w.private_notes;
    for (object, records, volume) in [
        ("cases", w.tickets, w.tickets),
        ("email_messages", w.public_messages, all_messages),
        ("status_events", w.status_events, w.status_events),
    ] {
        let l = load(w, records, volume);
        jobs += l.jobs;
        rows.push(CallRow::new(
            Migrate,
            object,
            records,
            l.calls,
            l.method,
            Some(Tickets),
        ));
    }
    let parts = comment_parts(w);
    rows.push(CallRow::new(
        Migrate,
        "case_comments",
        w.private_notes,
        load(w, parts, 0).calls,
        format!(
            "sObject Collections, 200 per call per chunk; {parts} comments (notes over 4,000 \
             bytes split)"
        ),
        Some(Tickets),
    ));
    if w.distinct_tags_used > PICKLIST_VALUES {
        let names = w.tags.max(w.distinct_tags_used);
        rows.push(CallRow::new(
            Prepare,
            "topics",
            names,
            div_ceil(names, NAMES_PER_QUERY) + div_ceil(names, PER_COLLECTION),
            "Topics found by name (100 names per query), the rest created 200 per call",
            None,
        ));
        let chunks = div_ceil(w.tickets, ticket_chunk(w));
        rows.push(CallRow::new(
            Migrate,
            "topic_assignments",
            w.tag_applications,
            2 * chunks + div_ceil(w.tag_applications, PER_COLLECTION),
            "per chunk of tickets its Topics found by name and its Cases' assignments listed \
             (a query each), the missing ones created 200 per call",
            Some(Tickets),
        ));
    }
    let files = w.files.saturating_sub(w.empty_files);
    let private_files = w.private_note_files.min(files);
    rows.push(CallRow::new(
        Migrate,
        "attachments",
        files,
        files + 3 * private_files,
        format!(
            "1 ContentVersion insert per file; {private_files} files of private notes also \
             get an internal ContentDocumentLink (3 calls)"
        ),
        Some(Tickets),
    ));
    let records = w.custom_object_records;
    rows.push(CallRow::new(
        Migrate,
        "custom_object_records",
        records,
        div_ceil(records, PER_COLLECTION) + w.custom_objects.saturating_sub(1).min(records),
        "sObject Collections, 200 records per call, per object",
        Some(CustomObjectRecords),
    ));
    let assumptions = vec![
        format!(
            "Daily limit {} requests ({}); deskshift is assumed to have all of it — reserve \
             headroom for other integrations by lowering the budget.",
            budget.calls, budget.origin
        ),
        format!(
            "Bulk API 2.0 from {BULK_THRESHOLD} records of an object, one job per chunk of \
             tickets, {POLLS_PER_JOB} status polls per job; sObject Collections (200 per call) \
             below."
        ),
        "The org holds none of the workspace yet and every Case Status, Priority and Origin \
         value set needs Stames values; tags fit a multi-select picklist up to 500 values \
         (Topics above are not written)."
            .into(),
        format!(
            "{SECONDS_PER_CALL} s per REST call and {SECONDS_PER_JOB} s of processing per Bulk \
             job; a sample run measures the real figures."
        ),
    ];
    Projection::from_rows(
        budget.clone(),
        rows,
        w,
        assumptions,
        SECONDS_PER_CALL,
        jobs as f64 * SECONDS_PER_JOB,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliverables::eta::BudgetKind;
    use std::collections::BTreeMap;

    fn daily(calls: u64) -> Budget {
        Budget {
            calls,
            per_s: 86_400.0,
            kind: BudgetKind::Daily,
            origin: "test".into(),
        }
    }

    fn row<'p>(p: &'p Projection, object: &str) -> &'p CallRow {
        p.rows.iter().find(|r| r.object == object).unwrap()
    }

    #[test]
    fn collections_per_chunk_of_200_tickets() {
        let w = Workload {
            tickets: 450,
            customers: 300,
            public_messages: 1_800,
            ..Workload::default()
        };
        let p = project(&w, &daily(15_000));
        assert_eq!(row(&p, "cases").calls, 3, "chunks of 200, 200 and 50");
        // 1,800 messages over chunks of 200/200/50 tickets: 800, 800, 200.
        assert_eq!(row(&p, "email_messages").calls, 4 + 4 + 1);
        assert_eq!(row(&p, "accounts").calls, 2, "two chunks of customers");
        assert!(row(&p, "email_messages").method.contains("Collections"));
    }

    #[test]
    fn an_object_at_the_bulk_threshold_goes_through_a_job_per_chunk() {
        let w = Workload {
            tickets: 300,
            public_messages: 2_100,
            ..Workload::default()
        };
        let p = project(&w, &daily(15_000));
        let messages = row(&p, "email_messages");
        assert_eq!(messages.calls, 2 * (4 + 8), "two chunks, a job each");
        assert!(messages.method.contains("Bulk API 2.0"));
        assert_eq!(row(&p, "cases").calls, 2);
    }

    #[test]
    fn files_of_private_notes_also_get_their_link() {
        let w = Workload {
            files: 10,
            private_note_files: 3,
            empty_files: 1,
            ..Workload::default()
        };
        assert_eq!(
            row(&project(&w, &daily(15_000)), "attachments").calls,
            9 + 3 * 3
        );
    }

    #[test]
    fn long_private_notes_become_several_comments() {
        let w = Workload {
            tickets: 10,
            private_notes: 300,
            long_private_notes: BTreeMap::from([(9_000, 2), (2_100, 1)]),
            ..Workload::default()
        };
        assert_eq!(comment_parts(&w), 297 + 2 * 3 + 1);
        assert_eq!(row(&project(&w, &daily(15_000)), "case_comments").calls, 2);
    }

    #[test]
    fn past_500_tags_topics_are_costed() {
        let few = Workload {
            tickets: 300,
            distinct_tags_used: 400,
            tag_applications: 900,
            ..Workload::default()
        };
        let p = project(&few, &daily(15_000));
        assert!(p.rows.iter().all(|r| !r.object.starts_with("topic")));
        let many = Workload {
            tags: 650,
            distinct_tags_used: 600,
            ..few
        };
        let p = project(&many, &daily(15_000));
        assert_eq!(row(&p, "topics").calls, 7 + 4);
        assert_eq!(row(&p, "topic_assignments").calls, 2 * 2 + 5);
    }

    #[test]
    fn the_daily_limit_forces_days() {
        let w = Workload {
            files: 40_000,
            ..Workload::default()
        };
        let p = project(&w, &daily(15_000));
        assert!(p.total_calls > 30_000);
        assert_eq!(p.days_forced, Some(3));
        assert!(p.duration_s > 2.0 * 86_400.0);
    }

    #[test]
    fn the_schema_plan_counts_every_field() {
        let w = Workload {
            ticket_fields: 8,
            customer_fields: 6,
            custom_objects: 1,
            custom_object_links: 2,
            custom_object_fields: 4,
            ..Workload::default()
        };
        assert_eq!(planned_fields(&w), 21 + 7 + 14 + 1 + 4 + 4);
    }
}
