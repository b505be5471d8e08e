//! Discovery over an in-memory source: reference checks, cascading rejects and
//! reconciliation, independent of any HTTP or file format.

use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use deskshift_core::discover::discover;
use deskshift_core::ledger::{Ledger, RunOutcome};
use deskshift_core::model::*;
use deskshift_core::progress::Silent;
use deskshift_core::source::*;
use futures::stream::{self, StreamExt};
use std::collections::BTreeMap;

fn at(day: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2025, 1, day, 12, 0, 0).unwrap()
}

fn agent(id: &str, departed: bool) -> Agent {
    Agent {
        id: id.into(),
        name: format!("Agent {id}"),
        email: format!("agent{id}@example.com"),
        role: "agent".into(),
        active: !departed,
        departed_at: departed.then(|| at(2)),
        department_ids: vec![],
        created_at: at(1),
        updated_at: at(1),
    }
}

fn customer(id: &str, email: Option<&str>) -> Customer {
    Customer {
        id: id.into(),
        name: Some(format!("Customer {id}")),
        email: email.map(String::from),
        phone: None,
        company: None,
        custom_fields: BTreeMap::new(),
        created_at: at(1),
        updated_at: at(1),
    }
}

fn message(
    id: &str,
    ticket: &str,
    sender: SenderKind,
    sender_id: Option<&str>,
    files: u32,
) -> Message {
    Message {
        id: id.into(),
        ticket_id: ticket.into(),
        sender: Sender {
            kind: sender,
            id: sender_id.map(String::from),
            name: None,
            address: None,
        },
        visibility: Visibility::Public,
        channel: Channel::Email,
        body_text: "hello".into(),
        body_html: None,
        attachments: (0..files)
            .map(|n| Attachment {
                id: format!("{id}-a{n}"),
                message_id: id.into(),
                ticket_id: ticket.into(),
                file_name: "f.pdf".into(),
                content_type: "application/pdf".into(),
                size_bytes: 100,
                inline: false,
                source_url: "https://files.example/f.pdf".into(),
                requires_auth: false,
                created_at: at(3),
            })
            .collect(),
        created_at: at(3),
    }
}

fn thread(
    id: &str,
    customer: &str,
    assignee: Option<&str>,
    messages: Vec<Message>,
) -> TicketThread {
    TicketThread {
        ticket: Ticket {
            id: id.into(),
            subject: "Where is my order?".into(),
            status: "open".into(),
            priority: "normal".into(),
            channel: Channel::Email,
            department_id: None,
            customer_id: customer.into(),
            assignee_id: assignee.map(String::from),
            tags: vec!["VIP".into(), "vip ".into()],
            custom_fields: BTreeMap::new(),
            reminders: vec![],
            notifications: vec![],
            sla: None,
            created_at: at(3),
            updated_at: at(4),
            closed_at: None,
        },
        status_history: vec![StatusEvent {
            ticket_id: id.into(),
            from: None,
            to: "open".into(),
            changed_at: at(3),
            changed_by: None,
        }],
        messages,
    }
}

/// A source holding fixed vectors, optionally over-declaring its ticket count.
struct VecSource {
    agents: Vec<Agent>,
    customers: Vec<Read<Customer>>,
    threads: Vec<TicketThread>,
    declared_tickets: Option<u64>,
}

fn from_vec<T: Clone + Send + 'static>(items: Vec<Read<T>>) -> ReadStream<'static, T> {
    stream::iter(items.into_iter().map(Ok)).boxed()
}

#[async_trait]
impl Source for VecSource {
    fn describe(&self) -> String {
        "test source".into()
    }
    async fn workspace(&self) -> Result<Workspace, SourceError> {
        Ok(Workspace {
            account_id: "acct".into(),
            name: "Test".into(),
            departments: vec![],
            channels: vec![],
            portal: Portal {
                enabled: true,
                url: None,
            },
        })
    }
    fn agents(&self) -> ReadStream<'_, Agent> {
        from_vec(self.agents.iter().cloned().map(Read::Record).collect())
    }
    fn customers(&self, _: Option<Timestamp>) -> ReadStream<'_, Customer> {
        from_vec(self.customers.clone())
    }
    fn tags(&self) -> ReadStream<'_, Tag> {
        from_vec(vec![])
    }
    fn custom_fields(&self) -> ReadStream<'_, CustomFieldDef> {
        from_vec(vec![])
    }
    fn custom_objects(&self) -> ReadStream<'_, CustomObjectDef> {
        from_vec(vec![])
    }
    fn custom_object_records(&self, _: Option<Timestamp>) -> ReadStream<'_, CustomObjectRecord> {
        from_vec(vec![])
    }
    fn automations(&self) -> ReadStream<'_, Automation> {
        from_vec(vec![])
    }
    fn tickets(&self, _: Option<Timestamp>) -> ReadStream<'_, TicketThread> {
        from_vec(self.threads.iter().cloned().map(Read::Record).collect())
    }
    async fn open_attachment(&self, _: &Attachment) -> Result<ByteStream, SourceError> {
        Err(SourceError::Other("no content in tests".into()))
    }
    async fn declared_counts(&self) -> Result<BTreeMap<ObjectKind, u64>, SourceError> {
        Ok(self
            .declared_tickets
            .map(|n| BTreeMap::from([(ObjectKind::Tickets, n)]))
            .unwrap_or_default())
    }
}

fn messy_source(declared_tickets: Option<u64>) -> VecSource {
    VecSource {
        agents: vec![agent("1", false), agent("2", true)],
        customers: vec![
            Read::Record(customer("10", Some("ana@example.com"))),
            Read::Record(customer("11", Some("ana@example.com"))),
            Read::Record(customer("12", None)),
            Read::Rejected(Reject::new(
                ObjectKind::Customers,
                Some("13".into()),
                "email",
                "not an e-mail address",
                "fix it",
            )),
        ],
        threads: vec![
            // Fine, assigned to a departed agent.
            thread(
                "100",
                "10",
                Some("2"),
                vec![message("m1", "100", SenderKind::Customer, Some("10"), 1)],
            ),
            // Its customer was rejected: the ticket and all it carries are rejected.
            thread(
                "101",
                "13",
                None,
                vec![message("m2", "101", SenderKind::Customer, Some("13"), 2)],
            ),
            // One message signed by an agent nobody knows.
            thread(
                "102",
                "12",
                Some("1"),
                vec![
                    message("m3", "102", SenderKind::Customer, Some("12"), 0),
                    message("m4", "102", SenderKind::Agent, Some("99"), 1),
                ],
            ),
        ],
        declared_tickets,
    }
}

#[tokio::test]
async fn references_are_checked_and_rejects_cascade() {
    let ledger = Ledger::open_in_memory().unwrap();
    let run = ledger.begin_run("discover").unwrap();
    let report = discover(&messy_source(Some(3)), &ledger, run, &Silent)
        .await
        .unwrap();
    ledger.finish_run(run, RunOutcome::Succeeded).unwrap();

    let c = |kind| report.counts[&kind];
    assert_eq!(
        (
            c(ObjectKind::Customers).read,
            c(ObjectKind::Customers).rejected
        ),
        (3, 1)
    );
    assert_eq!(
        (c(ObjectKind::Tickets).read, c(ObjectKind::Tickets).rejected),
        (2, 1)
    );
    assert_eq!(
        (
            c(ObjectKind::Messages).read,
            c(ObjectKind::Messages).rejected
        ),
        (2, 2)
    );
    assert_eq!(
        (
            c(ObjectKind::Attachments).read,
            c(ObjectKind::Attachments).rejected
        ),
        (1, 3)
    );
    assert_eq!(
        (
            c(ObjectKind::StatusEvents).read,
            c(ObjectKind::StatusEvents).rejected
        ),
        (2, 1)
    );
    assert!(report.reconciled);

    let rejects = ledger.rejects(Some(run)).unwrap();
    assert_eq!(rejects.len() as u64, report.rejects.total);
    let ticket_reject = rejects
        .iter()
        .find(|r| r.reject.kind == ObjectKind::Tickets)
        .expect("ticket reject recorded");
    assert_eq!(ticket_reject.reject.source_id.as_deref(), Some("101"));
    assert_eq!(ticket_reject.reject.field, "customer_id");
    let message_reject = rejects
        .iter()
        .find(|r| r.reject.source_id.as_deref() == Some("m4"))
        .expect("message reject recorded");
    assert_eq!(message_reject.reject.field, "author.id");

    assert_eq!(report.customers.duplicate_email_groups, 1);
    assert_eq!(report.customers.customers_in_duplicate_groups, 2);
    assert_eq!(report.tickets.assigned_to_departed, 1);
    assert_eq!(
        report.tags.collisions,
        vec![vec!["VIP".to_string(), "vip ".to_string()]]
    );
    assert_eq!(report.unreachable.len(), 1, "the portal is called out");
}

#[tokio::test]
async fn a_gap_between_declared_and_read_is_a_discrepancy() {
    let ledger = Ledger::open_in_memory().unwrap();
    let run = ledger.begin_run("discover").unwrap();
    let report = discover(&messy_source(Some(5)), &ledger, run, &Silent)
        .await
        .unwrap();
    assert!(!report.reconciled);
    assert_eq!(report.discrepancies.len(), 1);
    assert!(
        report.discrepancies[0].starts_with("tickets:"),
        "{:?}",
        report.discrepancies
    );
    assert!(report.discrepancies[0].contains("2 unaccounted"));
}

#[tokio::test]
async fn discovery_twice_rebuilds_the_index_instead_of_growing_it() {
    let ledger = Ledger::open_in_memory().unwrap();
    for _ in 0..2 {
        let run = ledger.begin_run("discover").unwrap();
        discover(&messy_source(None), &ledger, run, &Silent)
            .await
            .unwrap();
        ledger.finish_run(run, RunOutcome::Succeeded).unwrap();
    }
    assert_eq!(ledger.source_count(ObjectKind::Customers).unwrap(), 3);
    assert_eq!(
        ledger
            .duplicate_natural_keys(ObjectKind::Customers)
            .unwrap()
            .len(),
        1
    );
}
