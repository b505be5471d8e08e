//! The client against tiny local servers. Assertions are about order and
//! counts on the server side, never about how fast something ran.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::get;
use axum::Router;
use deskshift_http::{
    Budget, BudgetObservation, Client, HttpError, Pacer, RateLimitHeaders, RetryPolicy,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// Starts `router` on a free loopback port and returns its base URL.
async fn serve(router: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

/// Quick retries, so the tests spend their time on what they test.
fn fast_policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        max_rate_limited: 5,
        min_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    }
}

fn client(pacer: Pacer, policy: RetryPolicy) -> Client {
    Client::builder()
        .pacer(Arc::new(pacer))
        .retry(policy)
        .build()
        .unwrap()
}

#[tokio::test]
async fn retries_a_503_then_succeeds() {
    let hits = Arc::new(AtomicU32::new(0));
    let counter = hits.clone();
    let url = serve(Router::new().route(
        "/x",
        get(move || async move {
            match counter.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
                _ => (StatusCode::OK, "ok"),
            }
        }),
    ))
    .await;
    let client = client(Pacer::new(None), fast_policy(5));

    let page = client
        .fetch(|http| http.get(format!("{url}/x")))
        .await
        .unwrap();

    assert_eq!(page.status, 200);
    assert_eq!(&page.body[..], b"ok");
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    let stats = client.stats();
    assert_eq!((stats.calls, stats.retries, stats.rate_limited), (3, 2, 0));
}

#[tokio::test]
async fn gives_up_after_the_configured_attempts_with_a_clear_error() {
    let hits = Arc::new(AtomicU32::new(0));
    let counter = hits.clone();
    let url = serve(Router::new().route(
        "/x",
        get(move || async move {
            counter.fetch_add(1, Ordering::SeqCst);
            StatusCode::BAD_GATEWAY
        }),
    ))
    .await;
    let client = client(Pacer::new(None), fast_policy(3));

    let error = client
        .send(|http| http.get(format!("{url}/x?token=SECRET")))
        .await
        .unwrap_err();

    assert_eq!(hits.load(Ordering::SeqCst), 3);
    assert!(matches!(error, HttpError::Failing { attempts: 3, .. }));
    let message = error.to_string();
    assert!(message.contains("502 Bad Gateway"), "{message}");
    assert!(message.contains("after 3 attempts"), "{message}");
    assert!(message.contains(&format!("{url}/x")), "{message}");
    assert!(!message.contains("SECRET"), "{message}");
}

#[tokio::test]
async fn other_client_errors_come_back_to_the_caller_untouched() {
    let hits = Arc::new(AtomicU32::new(0));
    let counter = hits.clone();
    let url = serve(Router::new().route(
        "/x",
        get(move || async move {
            counter.fetch_add(1, Ordering::SeqCst);
            StatusCode::NOT_FOUND
        }),
    ))
    .await;
    let client = client(Pacer::new(None), fast_policy(3));

    let response = client
        .send(|http| http.get(format!("{url}/x")))
        .await
        .unwrap();

    assert_eq!(response.status(), 404);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

/// Server side of the 429 test: answers one request with 429 and records
/// every request that arrives while its `Retry-After` runs.
#[derive(Default)]
struct Gate {
    closed_until: Mutex<Option<Instant>>,
    arrivals: AtomicU32,
    during_pause: AtomicU32,
}

#[tokio::test]
async fn a_429_pauses_every_worker_until_retry_after_passed() {
    let gate = Arc::new(Gate::default());
    let server_gate = gate.clone();
    let url = serve(Router::new().route(
        "/x",
        get(move || {
            let gate = server_gate.clone();
            async move {
                let now = Instant::now();
                let mut closed = gate.closed_until.lock().unwrap();
                if gate.arrivals.fetch_add(1, Ordering::SeqCst) == 0 {
                    *closed = Some(now + Duration::from_secs(1));
                    let mut headers = HeaderMap::new();
                    headers.insert("retry-after", HeaderValue::from_static("1"));
                    return (StatusCode::TOO_MANY_REQUESTS, headers);
                }
                if closed.is_some_and(|until| now < until) {
                    gate.during_pause.fetch_add(1, Ordering::SeqCst);
                }
                (StatusCode::OK, HeaderMap::new())
            }
        }),
    ))
    .await;
    let client = client(Pacer::new(None), fast_policy(3));

    // The first worker runs into the 429 …
    let first = {
        let (client, url) = (client.clone(), url.clone());
        tokio::spawn(async move { client.send(|http| http.get(format!("{url}/x"))).await })
    };
    let paused = async {
        while client.pacer().paused_until().is_none() {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), paused)
        .await
        .expect("the 429 never paused the pacer");
    // … and every other worker that wants to call during the pause waits too.
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                for _ in 0..3 {
                    let response = client.send(|http| http.get(format!("{url}/x"))).await;
                    assert_eq!(response.unwrap().status(), 200);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    assert_eq!(first.await.unwrap().unwrap().status(), 200);

    assert_eq!(gate.during_pause.load(Ordering::SeqCst), 0);
    assert_eq!(gate.arrivals.load(Ordering::SeqCst), 1 + 1 + 8 * 3);
    let stats = client.stats();
    assert_eq!((stats.rate_limited, stats.retries), (1, 1));
}

/// Reads a test header pair `x-left` / `x-reset-ms`.
#[derive(Debug)]
struct TestHeaders;

impl RateLimitHeaders for TestHeaders {
    fn observe(&self, headers: &HeaderMap) -> Option<BudgetObservation> {
        let number = |name| headers.get(name)?.to_str().ok()?.parse::<u64>().ok();
        Some(BudgetObservation {
            remaining: number("x-left")?,
            limit: None,
            reset_in: Some(Duration::from_millis(number("x-reset-ms")?)),
        })
    }
}

#[tokio::test]
async fn an_empty_remote_budget_holds_the_next_call_until_the_reset() {
    let resets_at: Arc<Mutex<Option<Instant>>> = Arc::default();
    let early = Arc::new(AtomicU32::new(0));
    let (server_resets_at, server_early) = (resets_at.clone(), early.clone());
    let url = serve(Router::new().route(
        "/x",
        get(move || {
            let (resets_at, early) = (server_resets_at.clone(), server_early.clone());
            async move {
                let now = Instant::now();
                let mut resets_at = resets_at.lock().unwrap();
                match *resets_at {
                    Some(at) if now < at => {
                        early.fetch_add(1, Ordering::SeqCst);
                    }
                    Some(_) => {}
                    None => *resets_at = Some(now + Duration::from_millis(600)),
                }
                let mut headers = HeaderMap::new();
                headers.insert("x-left", HeaderValue::from_static("0"));
                headers.insert("x-reset-ms", HeaderValue::from_static("600"));
                (StatusCode::OK, headers)
            }
        }),
    ))
    .await;
    let client = Client::builder()
        .rate_limit_headers(TestHeaders)
        .retry(fast_policy(3))
        .build()
        .unwrap();

    for _ in 0..3 {
        let response = client.send(|http| http.get(format!("{url}/x"))).await;
        assert_eq!(response.unwrap().status(), 200);
    }

    // The remote said "nothing left" every time: no call may have come early,
    // and none was answered with a 429 because none was needed.
    assert_eq!(early.load(Ordering::SeqCst), 0);
    assert_eq!(client.stats().rate_limited, 0);
}

#[tokio::test]
async fn pacing_keeps_calls_within_the_budget() {
    let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let log = arrivals.clone();
    let url = serve(Router::new().route(
        "/x",
        get(move || {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(Instant::now());
                StatusCode::OK
            }
        }),
    ))
    .await;
    let budget = Budget::new(10, Duration::from_millis(500));
    let client = client(Pacer::new(budget), fast_policy(3));

    let workers: Vec<_> = (0..6)
        .map(|_| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                for _ in 0..5 {
                    client
                        .send(|http| http.get(format!("{url}/x")))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }

    let arrivals = arrivals.lock().unwrap();
    assert_eq!(arrivals.len(), 30);
    // Any 11 consecutive arrivals span at least one window. The slack covers
    // loopback latency differences between two requests, not pacing speed.
    for (i, pair) in arrivals.windows(11).enumerate() {
        let span = pair[10] - pair[0];
        assert!(
            span >= Duration::from_millis(450),
            "calls {i}..{} within {span:?}",
            i + 10
        );
    }
    let utilization = client.stats().budget_utilization.unwrap();
    assert!(utilization > 0.5 && utilization <= 1.0, "{utilization}");
}

#[tokio::test]
async fn an_unreachable_host_gives_one_clear_line_without_secrets() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let client = client(Pacer::new(None), fast_policy(2));

    let error = client
        .send(|http| {
            http.get(format!("http://{address}/api/v1/agents?api_key=SECRET"))
                .bearer_auth("SECRET")
        })
        .await
        .unwrap_err();

    assert!(error.is_unreachable());
    let message = error.to_string();
    assert_eq!(
        message,
        format!(
            "cannot reach http://{address}/api/v1/agents: connection refused; \
             is the URL right and the service up?"
        )
    );
    assert_eq!(client.stats().calls, 2);
}

#[tokio::test]
async fn a_body_that_breaks_off_is_fetched_again() {
    // A raw server: the first answer promises 100 bytes and hangs up after 7.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        for attempt in 0..2 {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let _ = socket.read(&mut request).await.unwrap();
            let answer: &[u8] = if attempt == 0 {
                b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial"
            } else {
                b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\nconnection: close\r\n\r\ncomplete"
            };
            socket.write_all(answer).await.unwrap();
            socket.shutdown().await.unwrap();
        }
    });
    let client = client(Pacer::new(None), fast_policy(3));

    let page = client
        .fetch(|http| http.get(format!("{url}/x")))
        .await
        .unwrap();

    assert_eq!(&page.body[..], b"complete");
    assert_eq!(client.stats().retries, 1);
}

#[tokio::test]
async fn a_create_is_not_repeated_after_a_5xx_it_may_have_applied() {
    let hits = Arc::new(AtomicU32::new(0));
    let counter = hits.clone();
    let url = serve(Router::new().route(
        "/x",
        axum::routing::post(move || async move {
            counter.fetch_add(1, Ordering::SeqCst);
            StatusCode::BAD_GATEWAY
        }),
    ))
    .await;
    let client = client(Pacer::new(None), fast_policy(5));

    let err = client
        .fetch_once(|http| http.post(format!("{url}/x")))
        .await
        .unwrap_err();

    assert!(err.is_uncertain(), "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 1, "one call, no blind retry");
}

#[tokio::test]
async fn a_create_is_retried_after_a_429_because_nothing_was_applied() {
    let hits = Arc::new(AtomicU32::new(0));
    let counter = hits.clone();
    let url = serve(Router::new().route(
        "/x",
        axum::routing::post(move || async move {
            let mut headers = HeaderMap::new();
            headers.insert("retry-after", HeaderValue::from_static("0"));
            match counter.fetch_add(1, Ordering::SeqCst) {
                0 => (StatusCode::TOO_MANY_REQUESTS, headers, "slow down"),
                _ => (StatusCode::CREATED, headers, "made"),
            }
        }),
    ))
    .await;
    let client = client(
        Pacer::new(None).with_min_pause(Duration::from_millis(10)),
        fast_policy(5),
    );

    let page = client
        .fetch_once(|http| http.post(format!("{url}/x")))
        .await
        .unwrap();

    assert_eq!(page.status, 201);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_create_whose_connection_breaks_is_reported_uncertain() {
    // A raw server that reads the request and hangs up without answering.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicU32::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            count.fetch_add(1, Ordering::SeqCst);
            let mut request = [0u8; 1024];
            let _ = socket.read(&mut request).await;
            drop(socket);
        }
    });
    let client = client(Pacer::new(None), fast_policy(5));

    let err = client
        .fetch_once(|http| http.post(format!("{url}/x")).body("{}"))
        .await
        .unwrap_err();

    assert!(matches!(err, HttpError::Interrupted { .. }), "{err}");
    assert!(err.is_uncertain());
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "one attempt only");
    assert!(
        !err.to_string().contains('?'),
        "no query string in errors: {err}"
    );
}
