//! Fault injection on the Gorgias emulator, seen from a client.

use crate::gorgias_common;

use deskshift_sim::gorgias::GorgiasConfig;
use gorgias_common::*;
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

async fn with_faults(spec: &str) -> Api {
    Api::start(GorgiasConfig {
        faults: spec.parse().unwrap(),
        ..config()
    })
    .await
}

fn customer(email: &str) -> serde_json::Value {
    json!({"email": email, "channels": [{"type": "email", "address": email, "preferred": true}]})
}

#[tokio::test]
async fn server_errors_come_at_roughly_the_configured_rate() {
    let api = with_faults("5xx=0.25,seed=11").await;
    let mut errors = 0;
    for _ in 0..200 {
        let response = api
            .client
            .get(api.url("/api/account"))
            .basic_auth(EMAIL, Some(KEY))
            .send()
            .await
            .unwrap();
        let status = response.status();
        if status.is_server_error() {
            assert!(matches!(status.as_u16(), 500 | 502 | 503));
            let body: serde_json::Value = response.json().await.unwrap();
            assert!(body["error"]["msg"].is_string());
            errors += 1;
        } else {
            assert_eq!(status, StatusCode::OK);
        }
    }
    // 25 % of 200 = 50; a fixed seed keeps this stable, the bounds keep it honest.
    assert!((30..=70).contains(&errors), "{errors} server errors");
    let stats = api.emulator.stats();
    assert_eq!(stats.faults.server_errors_before, errors);
    // A "before" fault never reaches the API: no budget used.
    assert_eq!(stats.calls, 200 - errors);
}

#[tokio::test]
async fn a_reset_is_a_connection_error_and_nothing_is_written() {
    let api = with_faults("reset=1").await;
    let result = api
        .client
        .post(api.url("/api/customers"))
        .basic_auth(EMAIL, Some(KEY))
        .json(&customer("a@example.com"))
        .send()
        .await;
    let error = result.expect_err("the connection is dropped without an answer");
    assert!(!error.is_status() && !error.is_timeout(), "{error:?}");
    assert_eq!(api.emulator.stats().faults.resets_before, 1);
    assert!(api.emulator.snapshot()["customers"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn faults_after_the_write_leave_the_record_created() {
    // The connection drops after the customer was stored.
    let api = with_faults("reset-after=1").await;
    let result = api
        .client
        .post(api.url("/api/customers"))
        .basic_auth(EMAIL, Some(KEY))
        .json(&customer("a@example.com"))
        .send()
        .await;
    assert!(result.is_err(), "the client sees a failure");
    let customers = api.emulator.snapshot()["customers"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(customers.len(), 1, "but the write happened");
    assert_eq!(customers[0]["email"], "a@example.com");
    assert_eq!(api.emulator.stats().faults.resets_after, 1);

    // A 5xx after the write: same story with a status code.
    let api = with_faults("5xx-after=1").await;
    let answer = api
        .post(
            "/api/tickets",
            ticket(
                "buyer@example.com",
                vec![incoming("buyer@example.com", "hi", "2021-03-03T06:00:00Z")],
            ),
        )
        .await;
    assert!(answer.status.is_server_error());
    assert_eq!(
        api.emulator.snapshot()["tickets"].as_array().unwrap().len(),
        1
    );
    assert_eq!(api.emulator.stats().faults.server_errors_after, 1);
}

#[tokio::test]
async fn a_storm_answers_429_with_retry_after_until_it_ends() {
    let api = with_faults("storm=1@1s").await;
    let answer = api.get("/api/account").await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answer.header("retry-after"), Some("1"));
    assert!(answer.header("x-gorgias-account-api-call-limit").is_some());
    assert_eq!(answer.body, json!({"error": {"msg": "Too many requests"}}));
    let second = api.get("/api/account").await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    let stats = api.emulator.stats();
    assert_eq!(stats.faults.storms, 1);
    assert_eq!(stats.faults.storm_rejections, 2);
    assert_eq!(
        stats.rate_limited, 0,
        "storms are counted apart from the real limit"
    );
}

#[tokio::test]
async fn slow_answers_arrive_late_but_intact() {
    let api = with_faults("slow=1@200ms").await;
    let started = Instant::now();
    let answer = api.get("/api/account").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(api.emulator.stats().faults.slowed, 1);
}

/// The fault layer is generic: any axum router, with or without the
/// kill-switch listener (the Salesforce emulator reuses it).
#[tokio::test]
async fn the_fault_layer_works_on_any_router() {
    use axum::routing::get;
    use deskshift_sim::faults::{inject, Connection, FaultListener, Faults};
    use std::sync::Arc;

    async fn serve(spec: &str, with_listener: bool) -> (String, Arc<Faults>) {
        let faults = Arc::new(Faults::new(spec.parse().unwrap()));
        let app = inject(
            axum::Router::new().route("/", get(|| async { "ok" })),
            Arc::clone(&faults),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        if with_listener {
            let service = app.into_make_service_with_connect_info::<Connection>();
            tokio::spawn(async move { axum::serve(FaultListener::new(listener), service).await });
        } else {
            tokio::spawn(async move { axum::serve(listener, app).await });
        }
        (url, faults)
    }

    let (url, _) = serve("5xx=1", true).await;
    let response = reqwest::get(&url).await.unwrap();
    assert!(response.status().is_server_error());
    let (url, _) = serve("reset=1", true).await;
    let error = reqwest::get(&url).await.unwrap_err();
    assert!(error.is_request(), "{error:?}");
    // Without the listener the answer never completes either.
    let (url, faults) = serve("reset=1", false).await;
    let outcome = match reqwest::get(&url).await {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(outcome.is_err());
    assert_eq!(faults.stats().resets_before, 1);
    let (url, _) = serve("none", false).await;
    assert_eq!(
        reqwest::get(&url).await.unwrap().text().await.unwrap(),
        "ok"
    );
}
