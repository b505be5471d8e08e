//! Calls a Salesforce load makes, following DESIGN.md §4 and the reference
//! notes (§2.2 Collections, §3 Bulk API 2.0):
//!
//! - schema through the Tooling API: a field and its field permissions per
//!   custom field (two calls), an object per custom object and the status
//!   history object, deskshift's own fields (external ids, channel source,
//!   reminder and SLA fields, tags);
//! - records: sObject Collections (200 records per call) for small objects,
//!   Bulk API 2.0 above [`BULK_THRESHOLD`] records: per job of up to
//!   [`RECORDS_PER_JOB`] records, create + upload + close + polls + the
//!   successful and failed results;
//! - files: one ContentVersion insert per file, linked to its Case with
//!   `FirstPublishLocationId` (no separate ContentDocumentLink call);
//! - look-ups: Users by e-mail, existing Contacts by e-mail in chunks of 200.

use super::{div_ceil, Budget, CallRow, Phase, Projection, Workload};

/// Above this many records an object goes through Bulk API 2.0.
const BULK_THRESHOLD: u64 = 2_000;
/// Records per Bulk job: one upload per job (a second PUT fails), kept
/// well under the 100 MB upload limit for message bodies.
const RECORDS_PER_JOB: u64 = 10_000;
/// Status polls per job, at one every 10 s for about a minute of processing.
const POLLS_PER_JOB: u64 = 6;
/// create, upload, close, successful results, failed results.
const CALLS_PER_JOB_BESIDES_POLLS: u64 = 5;
const PER_COLLECTION: u64 = 200;
const QUERY_ROWS: u64 = 2_000;
/// deskshift's own fields: external ids on Account, Contact, Case,
/// EmailMessage and CaseComment, the channel source on Case and
/// EmailMessage, reminder date, SLA deadline, SLA breached, tags.
const DESKSHIFT_FIELDS: u64 = 11;
/// Multi-select picklists hold at most 500 values; above, Topics.
const PICKLIST_VALUES: u64 = 500;
/// Seconds per REST call (sequential) and of processing per Bulk job.
const SECONDS_PER_CALL: f64 = 0.25;
const SECONDS_PER_JOB: f64 = 60.0;

/// How an object's records are written and what it costs.
struct Load {
    calls: u64,
    jobs: u64,
    method: String,
}

fn load(records: u64) -> Load {
    if records > BULK_THRESHOLD {
        let jobs = div_ceil(records, RECORDS_PER_JOB);
        Load {
            calls: jobs * (CALLS_PER_JOB_BESIDES_POLLS + POLLS_PER_JOB),
            jobs,
            method: format!(
                "Bulk API 2.0: {jobs} job(s) of ≤{RECORDS_PER_JOB} records × (create, upload, \
                 close, {POLLS_PER_JOB} polls, 2 result reads)"
            ),
        }
    } else {
        Load {
            calls: div_ceil(records, PER_COLLECTION),
            jobs: 0,
            method: "sObject Collections upsert, 200 records per call".into(),
        }
    }
}

pub fn project(w: &Workload, budget: &Budget) -> Projection {
    let mut rows = Vec::new();
    let mut jobs = 0;
    let schema_fields = w.ticket_fields + w.customer_fields + w.custom_object_fields;
    rows.push(CallRow {
        phase: Phase::Prepare,
        object: "schema".into(),
        records: schema_fields + w.custom_objects,
        calls: 2 * (schema_fields + DESKSHIFT_FIELDS) + w.custom_objects + 1 + 3,
        method: "Tooling API: field + field permissions per custom field; one create per custom \
                 object and for the status-history object; 3 describes"
            .into(),
        scales_with_tickets: false,
    });
    rows.push(CallRow {
        phase: Phase::Migrate,
        object: "users".into(),
        records: w.agents,
        calls: div_ceil(w.agents, QUERY_ROWS).max(1),
        method: "SOQL on User by e-mail; never created".into(),
        scales_with_tickets: false,
    });
    let people = w.customers.saturating_sub(w.duplicate_customers);
    rows.push(CallRow {
        phase: Phase::Migrate,
        object: "contacts (existing)".into(),
        records: people,
        calls: div_ceil(people, PER_COLLECTION),
        method: "SOQL on Contact by e-mail, 200 addresses per query".into(),
        scales_with_tickets: true,
    });
    let mut records = |object: &str, n: u64, scales: bool| {
        let l = load(n);
        jobs += l.jobs;
        rows.push(CallRow {
            phase: Phase::Migrate,
            object: object.into(),
            records: n,
            calls: l.calls,
            method: l.method,
            scales_with_tickets: scales,
        });
    };
    records("accounts", people, true);
    records("contacts", people, true);
    records("cases", w.tickets, true);
    records("email_messages", w.public_messages, true);
    records("case_comments", w.private_notes, true);
    records("status_events", w.status_events, true);
    records("custom_object_records", w.custom_object_records, true);
    if w.distinct_tags_used > PICKLIST_VALUES {
        records("topics", w.distinct_tags_used, false);
        records("topic_assignments", w.tag_applications, true);
    }
    rows.push(CallRow {
        phase: Phase::Migrate,
        object: "attachments".into(),
        records: w.files,
        calls: w.files,
        method: "1 multipart ContentVersion insert per file, linked by FirstPublishLocationId"
            .into(),
        scales_with_tickets: true,
    });
    let assumptions = vec![
        format!(
            "Daily limit {} requests ({}); deskshift is assumed to have all of it — reserve \
             headroom for other integrations by lowering the budget.",
            budget.calls, budget.origin
        ),
        format!(
            "Bulk API 2.0 above {BULK_THRESHOLD} records, {RECORDS_PER_JOB} records per job, \
             {POLLS_PER_JOB} polls per job; Collections (200 per call) below."
        ),
        "One Account per customer (company accounts deduplicated later lower this); tags fit \
         a multi-select picklist up to 500 values, Topics above."
            .into(),
        format!(
            "{SECONDS_PER_CALL} s per REST call and {SECONDS_PER_JOB} s of processing per Bulk \
             job; a sample run measures the real figures."
        ),
    ];
    Projection::from_rows(
        budget.clone(),
        rows,
        w.tickets,
        assumptions,
        SECONDS_PER_CALL,
        jobs as f64 * SECONDS_PER_JOB,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliverables::eta::BudgetKind;

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
    fn small_objects_use_collections_and_large_ones_bulk_jobs() {
        let w = Workload {
            tickets: 450,
            public_messages: 25_000,
            ..Workload::default()
        };
        let p = project(&w, &daily(15_000));
        assert_eq!(row(&p, "cases").calls, 3, "450 cases: 3 collections");
        let messages = row(&p, "email_messages");
        assert_eq!(messages.calls, 3 * 11, "25,000 messages: 3 bulk jobs");
        assert!(messages.method.contains("Bulk API 2.0"));
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
    fn many_distinct_tags_switch_to_topics() {
        let w = Workload {
            distinct_tags_used: 600,
            tag_applications: 900,
            ..Workload::default()
        };
        let p = project(&w, &daily(100_000));
        assert!(p.rows.iter().any(|r| r.object == "topic_assignments"));
        let few = project(&Workload::default(), &daily(100_000));
        assert!(!few.rows.iter().any(|r| r.object == "topics"));
    }
}
