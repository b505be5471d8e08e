//! The REST source against the Stames emulator: budget, bad input, bad
//! credentials, delta reads. Assertions are about counts and order, never
//! about how fast something ran.

use crate::common;

use common::{api_source, assert_accounts_for, credentials_of, emulator, Everything};
use deskshift_core::model::ObjectKind;
use deskshift_core::source::{Read, Source, SourceError};
use deskshift_http::RetryPolicy;
use deskshift_stames::{Credentials, StamesApi, StamesOptions};
use futures::StreamExt;
use std::collections::BTreeSet;
use std::time::Duration;

/// Kinds whose totals `declared_counts` reports.
const DECLARED: [ObjectKind; 8] = [
    ObjectKind::Users,
    ObjectKind::Customers,
    ObjectKind::Tags,
    ObjectKind::CustomFields,
    ObjectKind::CustomObjects,
    ObjectKind::CustomObjectRecords,
    ObjectKind::Automations,
    ObjectKind::Tickets,
];

#[tokio::test]
async fn a_tight_budget_slows_the_source_down_and_loses_nothing() {
    let emulator = emulator(11, 60, "20/1", 0).await;
    let source = api_source(&emulator, 4);

    let declared = source.declared_counts().await.unwrap();
    let all = Everything::read(&source).await.unwrap();

    let totals = emulator.totals();
    assert_accounts_for(&all, &totals, "read through a 20/1 budget");
    assert!(all.rejects.is_empty(), "{:?}", all.rejects);
    for kind in DECLARED {
        assert_eq!(declared[&kind], totals[&kind], "declared {kind}");
    }
    // Following the headers, the source waits for each window instead of
    // running into it: 429s stay rare (usually none at all).
    let served = emulator.stats();
    let stats = source.api_stats();
    assert_eq!(
        stats.calls, served.requests,
        "every call reached the emulator"
    );
    assert_eq!(stats.rate_limited, served.rate_limited);
    // … and still uses most of it (the estimate reads the window off the
    // `X-RateLimit-Reset` header).
    let used = source.http_stats().budget_utilization.unwrap();
    assert!(used > 0.5, "only {used:.2} of the budget was used");
    assert!(
        served.rate_limited * 4 <= served.requests,
        "{} of {} calls were refused",
        served.rate_limited,
        served.requests
    );
}

#[tokio::test]
async fn sources_sharing_one_budget_wait_out_429s_and_lose_nothing() {
    // Two readers of one account (say, a migration and another integration)
    // each see the other's calls only through the headers, so some calls are
    // refused. Each must wait them out together — no storm — and read all.
    let emulator = emulator(12, 30, "20/1", 0).await;
    let first = api_source(&emulator, 4);
    let second = api_source(&emulator, 4);

    let (a, b) = tokio::join!(Everything::read(&first), Everything::read(&second));
    let (a, b) = (a.unwrap(), b.unwrap());

    let totals = emulator.totals();
    assert_accounts_for(&a, &totals, "first reader");
    assert_accounts_for(&b, &totals, "second reader");
    assert_eq!(a, b, "both readers saw the same workspace");

    let served = emulator.stats();
    let (one, two) = (first.api_stats(), second.api_stats());
    assert!(
        served.rate_limited > 0,
        "the budget was never exceeded: {served:?}"
    );
    assert_eq!(one.rate_limited + two.rate_limited, served.rate_limited);
    assert!(
        one.retries + two.retries >= served.rate_limited,
        "every 429 was retried"
    );
    assert!(
        served.rate_limited * 4 <= served.requests,
        "retry storm: {} of {} calls were refused",
        served.rate_limited,
        served.requests
    );
}

#[tokio::test]
async fn malformed_records_are_rejected_by_name_and_the_rest_is_read() {
    let emulator = emulator(5, 40, "100000/1", 7).await;
    let source = api_source(&emulator, 4);

    let all = Everything::read(&source).await.unwrap();

    // References to records that do not exist are for discovery to find (it
    // indexes every id); everything else the source itself must reject.
    let data = emulator.data();
    let expected: BTreeSet<(ObjectKind, Option<String>, String)> = data
        .malformed_records()
        .iter()
        .filter(|m| !matches!(m.field.as_str(), "customer_id" | "author.id"))
        .map(|m| (m.kind, m.id.map(|id| id.to_string()), m.field.clone()))
        .collect();
    assert_eq!(expected.len(), 5, "one of each source-level defect");
    let rejected: BTreeSet<_> = all
        .primary_rejects()
        .into_iter()
        .map(|r| (r.kind, r.source_id.clone(), r.field.clone()))
        .collect();
    assert_eq!(rejected, expected);
    for reject in &all.rejects {
        assert!(
            !reject.reason.is_empty() && !reject.hint.is_empty(),
            "{reject}"
        );
    }

    // source = read + rejected, for every kind: children of the rejected
    // ticket are rejected with it.
    assert_accounts_for(&all, &emulator.totals(), "read with malformed records");
    let declared = source.declared_counts().await.unwrap();
    for kind in DECLARED {
        assert_eq!(
            all.accounted()[&kind],
            declared[&kind],
            "{kind} against declared"
        );
    }
}

#[tokio::test]
async fn wrong_credentials_fail_with_one_line_that_names_no_key() {
    let emulator = emulator(1, 3, "1000/1", 0).await;
    let account = credentials_of(&emulator).account_id().to_string();
    let wrong = Credentials::new(account.clone(), "sk_wrong_SECRET_value");
    let source = StamesApi::new(&emulator.url(), wrong, StamesOptions::default()).unwrap();

    let error = source.workspace().await.unwrap_err();
    let SourceError::Auth(message) = &error else {
        panic!("expected an auth error, got {error:?}");
    };
    assert!(message.contains("401"), "{message}");
    assert!(message.contains(&account), "{message}");
    assert!(message.contains("STAMES_API_KEY"), "{message}");
    assert!(
        !message.contains("SECRET") && !message.contains('\n'),
        "{message}"
    );
    assert!(!format!("{source:?}").contains("SECRET"));

    // Streams fail the same way, on their first item.
    let first = source.agents().next().await.unwrap();
    assert!(matches!(first, Err(SourceError::Auth(_))), "{first:?}");
}

#[tokio::test]
async fn an_unreachable_stames_is_unavailable_in_one_line() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let options = StamesOptions {
        retry: RetryPolicy {
            max_attempts: 2,
            min_delay: Duration::from_millis(10),
            ..RetryPolicy::default()
        },
        ..StamesOptions::default()
    };
    let credentials = Credentials::new("acme", "sk_SECRET");
    let source = StamesApi::new(&format!("http://{address}"), credentials, options).unwrap();

    let error = source.workspace().await.unwrap_err();
    let SourceError::Unavailable(message) = &error else {
        panic!("expected unavailable, got {error:?}");
    };
    assert!(
        message.starts_with(&format!("cannot reach http://{address}/api/v1/account")),
        "{message}"
    );
    assert!(message.contains("connection refused"), "{message}");
    assert!(
        !message.contains("SECRET") && !message.contains('\n'),
        "{message}"
    );
}

#[tokio::test]
async fn updated_since_returns_only_what_changed_after_it() {
    let emulator = emulator(3, 20, "100000/1", 0).await;
    let source = api_source(&emulator, 4);
    let data = emulator.data();
    let ids: Vec<u64> = data.tickets.iter().filter_map(|t| t.ticket.id).collect();
    let (patched, replied) = (ids[12], ids[4]);

    // Two writes through the emulator's own API: a status change and a reply.
    let http = reqwest::Client::new();
    let accepted = emulator.credentials();
    let call = |request: reqwest::RequestBuilder| {
        request
            .bearer_auth(&accepted.api_key)
            .header("X-Stames-Account", &accepted.account_id)
    };
    let ticket: serde_json::Value =
        call(http.patch(format!("{}/tickets/{patched}", emulator.api_url())))
            .json(&serde_json::json!({"status": "pending"}))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
    call(http.post(format!("{}/tickets/{replied}/messages", emulator.api_url())))
        .json(&serde_json::json!({"body_text": "Any news?"}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let since = chrono::DateTime::parse_from_rfc3339(ticket["updated_at"].as_str().unwrap())
        .unwrap()
        .to_utc();

    let mut changed = Vec::new();
    let mut threads = source.tickets(Some(since));
    while let Some(item) = threads.next().await {
        match item.unwrap() {
            Read::Record(thread) => changed.push(thread),
            Read::Rejected(reject) => panic!("unexpected reject {reject}"),
        }
    }
    let changed_ids: Vec<String> = changed.iter().map(|t| t.ticket.id.clone()).collect();
    assert_eq!(
        changed_ids,
        [replied.to_string(), patched.to_string()],
        "ascending ids"
    );
    assert_eq!(changed[1].ticket.status, "pending");
    let reply = changed[0].messages.last().unwrap();
    assert_eq!(reply.body_text, "Any news?");
    assert_eq!(
        changed[0].messages.len(),
        data.ticket(replied).unwrap().messages.len() + 1
    );

    let customers = source.customers(Some(since)).collect::<Vec<_>>().await;
    assert!(customers.is_empty(), "no customer changed: {customers:?}");
}
