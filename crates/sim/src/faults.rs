//! Fault injection for any emulator: random server errors, dropped
//! connections, slow answers and "429 storms", deterministic for a seed.
//!
//! deskshift's reliability guarantees (retries with backoff, no duplicates
//! after a crash, a pacing scheduler that survives 429 bursts) can only be
//! tested against a server that misbehaves on purpose. This module is that
//! misbehaviour, written once for every emulator: [`inject`] wraps any axum
//! [`Router`] in a middleware that decides the fate of each request.
//!
//! # Grammar
//!
//! A [`FaultSpec`] is written as comma-separated `KIND=RATE[@PARAM]` entries
//! (whitespace ignored, order irrelevant, each kind at most once), plus an
//! optional `seed=N`. `RATE` is a probability per request in `0..=1`;
//! durations are `250ms`, `2s` or `1.5s`. The empty string and `none` mean
//! "no faults".
//!
//! | entry | when | effect |
//! |---|---|---|
//! | `5xx=R` | before the handler | answers 500, 502 or 503 (equally likely); nothing was applied |
//! | `5xx-after=R` | after the handler | the handler ran (a write **was** applied), then its answer is replaced by 500/502/503 |
//! | `reset=R` | before the handler | the connection is dropped without any response; nothing was applied |
//! | `reset-after=R` | after the handler | the handler ran (a write **was** applied), then the connection is dropped without a response |
//! | `slow=R@D` | before the handler | the request waits `D` (default `500ms`) before it is handled normally |
//! | `storm=R@D` | before the handler | starts a storm: for `D` (default `5s`) every request is answered 429 with `Retry-After` = seconds left (rounded up) |
//! | `lock=R` | in the write path | each record write fails with `UNABLE_TO_LOCK_ROW` (Salesforce emulator only; others ignore it) |
//! | `seed=N` | | seed of the random draws (default 0) |
//!
//! Example: `5xx=0.10,reset=0.02,slow=0.05@300ms,storm=0.01@2s,seed=7`.
//!
//! The `-after` kinds exist for crash-safety tests: the client sees a failure
//! although the record exists, which is exactly the case idempotent creates
//! must handle. A "before" fault never reaches the handler, so it neither
//! changes data nor uses the emulator's own rate-limit budget.
//!
//! # Determinism
//!
//! Every request draws the same seven numbers from one ChaCha stream, in a
//! fixed order, whatever is decided. For a given seed the *sequence* of
//! decisions is therefore fixed; which request gets which decision depends
//! only on the order requests arrive in.
//!
//! # Dropping a connection
//!
//! A handler cannot close its own connection through axum. Serve the router
//! through a [`FaultListener`] with [`Connection`] as connect info and the
//! middleware can: it flips the connection's kill switch, after which every
//! read and write on that socket fails, so hyper closes it before any byte
//! of the answer is written. The client sees "connection closed before
//! message completed" or a reset — never a status line.
//!
//! ```no_run
//! # async fn run(router: axum::Router) -> std::io::Result<()> {
//! use deskshift_sim::faults::{inject, Connection, FaultListener, Faults};
//! use std::sync::Arc;
//! let faults = Arc::new(Faults::new("5xx=0.1,reset=0.02".parse().unwrap()));
//! let app = inject(router, Arc::clone(&faults));
//! let listener = FaultListener::new(tokio::net::TcpListener::bind("127.0.0.1:0").await?);
//! axum::serve(listener, app.into_make_service_with_connect_info::<Connection>()).await
//! # }
//! ```
//!
//! Without the listener (plain `axum::serve`), a reset falls back to an
//! answer whose body fails at once: the status line may reach the client,
//! but the message never completes.

use axum::body::{Body, Bytes};
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::serve::{IncomingStream, Listener};
use axum::Router;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Default wait of a `slow` fault without `@DURATION`.
pub const DEFAULT_SLOW_DELAY: Duration = Duration::from_millis(500);
/// Default length of a `storm` without `@DURATION`.
pub const DEFAULT_STORM_DURATION: Duration = Duration::from_secs(5);

/// Which faults to inject, and how often. See the module docs for the
/// textual grammar ([`FromStr`] / [`fmt::Display`] round-trip).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// Probability of a 5xx answer instead of running the handler.
    pub server_error: f64,
    /// Probability of a 5xx answer replacing the handler's own answer.
    pub server_error_after: f64,
    /// Probability of dropping the connection instead of running the handler.
    pub reset: f64,
    /// Probability of dropping the connection after the handler ran.
    pub reset_after: f64,
    /// Probability of delaying a request by `slow_delay`.
    pub slow: f64,
    pub slow_delay: Duration,
    /// Probability that a request starts a 429 storm of `storm_duration`.
    pub storm: f64,
    pub storm_duration: Duration,
    /// Probability that one record write fails with UNABLE_TO_LOCK_ROW.
    /// Not a transport fault: only emulators with row locks (Salesforce)
    /// act on it, inside their write path; the others ignore it.
    pub lock: f64,
    pub seed: u64,
}

impl Default for FaultSpec {
    /// No faults at all.
    fn default() -> FaultSpec {
        FaultSpec {
            server_error: 0.0,
            server_error_after: 0.0,
            reset: 0.0,
            reset_after: 0.0,
            slow: 0.0,
            slow_delay: DEFAULT_SLOW_DELAY,
            storm: 0.0,
            storm_duration: DEFAULT_STORM_DURATION,
            lock: 0.0,
            seed: 0,
        }
    }
}

impl FaultSpec {
    /// True when no request can ever be affected.
    pub fn is_none(&self) -> bool {
        [
            self.server_error,
            self.server_error_after,
            self.reset,
            self.reset_after,
            self.slow,
            self.storm,
            self.lock,
        ]
        .iter()
        .all(|rate| *rate <= 0.0)
    }
}

/// Why a fault spec was refused; messages are written for the person who
/// typed `--faults`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultSpecError {
    #[error("fault entry {0:?} must look like KIND=RATE or KIND=RATE@DURATION")]
    Shape(String),
    #[error("unknown fault kind {0:?} (expected 5xx, 5xx-after, reset, reset-after, slow, storm, lock or seed)")]
    Kind(String),
    #[error("fault {kind}: rate {rate:?} must be a number between 0 and 1")]
    Rate { kind: String, rate: String },
    #[error("fault {kind}: duration {duration:?} must look like 300ms or 2s")]
    Duration { kind: String, duration: String },
    #[error("fault {0}: this kind takes no @DURATION")]
    UnexpectedDuration(String),
    #[error("fault {0} is given twice")]
    Repeated(String),
    #[error("seed {0:?} must be a whole number")]
    Seed(String),
}

fn parse_rate(kind: &str, text: &str) -> Result<f64, FaultSpecError> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|r| r.is_finite() && (0.0..=1.0).contains(r))
        .ok_or_else(|| FaultSpecError::Rate {
            kind: kind.to_string(),
            rate: text.to_string(),
        })
}

/// `300ms`, `2s`, `1.5s`; a bare number is seconds.
fn parse_duration(kind: &str, text: &str) -> Result<Duration, FaultSpecError> {
    let bad = || FaultSpecError::Duration {
        kind: kind.to_string(),
        duration: text.to_string(),
    };
    let text = text.trim();
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else {
        (text, 1.0)
    };
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    let secs = value * scale;
    if !secs.is_finite() || !(0.0..1e6).contains(&secs) {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(secs))
}

fn format_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else if d.subsec_nanos() % 1_000_000 == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    fn from_str(text: &str) -> Result<FaultSpec, FaultSpecError> {
        let mut spec = FaultSpec::default();
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("none") {
            return Ok(spec);
        }
        let mut seen: Vec<String> = Vec::new();
        for entry in trimmed.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (kind, value) = entry
                .split_once('=')
                .ok_or_else(|| FaultSpecError::Shape(entry.to_string()))?;
            let kind = kind.trim().to_ascii_lowercase();
            if seen.contains(&kind) {
                return Err(FaultSpecError::Repeated(kind));
            }
            seen.push(kind.clone());
            if kind == "seed" {
                spec.seed = value
                    .trim()
                    .parse()
                    .map_err(|_| FaultSpecError::Seed(value.to_string()))?;
                continue;
            }
            let (rate, duration) = match value.split_once('@') {
                Some((rate, duration)) => (rate, Some(duration)),
                None => (value, None),
            };
            let rate = parse_rate(&kind, rate)?;
            let duration = duration.map(|d| parse_duration(&kind, d)).transpose()?;
            let no_duration = |d: Option<Duration>| match d {
                Some(_) => Err(FaultSpecError::UnexpectedDuration(kind.clone())),
                None => Ok(()),
            };
            match kind.as_str() {
                "5xx" => {
                    no_duration(duration)?;
                    spec.server_error = rate;
                }
                "5xx-after" => {
                    no_duration(duration)?;
                    spec.server_error_after = rate;
                }
                "reset" => {
                    no_duration(duration)?;
                    spec.reset = rate;
                }
                "reset-after" => {
                    no_duration(duration)?;
                    spec.reset_after = rate;
                }
                "slow" => {
                    spec.slow = rate;
                    spec.slow_delay = duration.unwrap_or(DEFAULT_SLOW_DELAY);
                }
                "storm" => {
                    spec.storm = rate;
                    spec.storm_duration = duration.unwrap_or(DEFAULT_STORM_DURATION);
                }
                "lock" => {
                    no_duration(duration)?;
                    spec.lock = rate;
                }
                _ => return Err(FaultSpecError::Kind(kind)),
            }
        }
        Ok(spec)
    }
}

impl fmt::Display for FaultSpec {
    /// The grammar [`FromStr`] accepts; kinds with rate 0 are left out, and
    /// a spec without faults prints as `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        let mut rate = |name: &str, r: f64, d: Option<Duration>| {
            if r > 0.0 {
                match d {
                    Some(d) => parts.push(format!("{name}={r}@{}", format_duration(d))),
                    None => parts.push(format!("{name}={r}")),
                }
            }
        };
        rate("5xx", self.server_error, None);
        rate("5xx-after", self.server_error_after, None);
        rate("reset", self.reset, None);
        rate("reset-after", self.reset_after, None);
        rate("slow", self.slow, Some(self.slow_delay));
        rate("storm", self.storm, Some(self.storm_duration));
        rate("lock", self.lock, None);
        if parts.is_empty() {
            return f.write_str("none");
        }
        if self.seed != 0 {
            parts.push(format!("seed={}", self.seed));
        }
        f.write_str(&parts.join(","))
    }
}

/// What a fault answers with when it answers at all. Each emulator renders
/// these in its own service's error shape (see [`Faults::with_responder`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultResponse {
    /// An injected 500, 502 or 503.
    ServerError(StatusCode),
    /// A 429 during a storm; `retry_after` is the time left in the storm.
    Storm { retry_after: Duration },
}

/// Renders a [`FaultResponse`] as an HTTP answer.
pub type Responder = Arc<dyn Fn(FaultResponse) -> Response + Send + Sync>;

/// The default rendering: a small JSON error body, `Retry-After` on 429s.
pub fn default_response(fault: FaultResponse) -> Response {
    match fault {
        FaultResponse::ServerError(status) => (
            status,
            axum::Json(serde_json::json!({"error": {"msg": "injected server error"}})),
        )
            .into_response(),
        FaultResponse::Storm { retry_after } => {
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(serde_json::json!({"error": {"msg": "Too many requests"}})),
            )
                .into_response();
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(storm_retry_secs(retry_after)),
            );
            response
        }
    }
}

/// Seconds a storm 429 tells the client to wait: the time left, rounded up.
pub fn storm_retry_secs(left: Duration) -> u64 {
    let secs = left.as_secs();
    if left.subsec_nanos() > 0 {
        secs + 1
    } else {
        secs
    }
}

/// How many faults of each kind were injected so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FaultStats {
    /// 5xx answers given instead of running the handler.
    pub server_errors_before: u64,
    /// 5xx answers that replaced a handler's answer (the handler ran).
    pub server_errors_after: u64,
    /// Connections dropped before the handler ran.
    pub resets_before: u64,
    /// Connections dropped after the handler ran.
    pub resets_after: u64,
    /// Requests delayed.
    pub slowed: u64,
    /// Storms started.
    pub storms: u64,
    /// 429 answers given during storms.
    pub storm_rejections: u64,
}

impl FaultStats {
    /// Every request that did not get the handler's own answer.
    pub fn failed_requests(&self) -> u64 {
        self.server_errors_before
            + self.server_errors_after
            + self.resets_before
            + self.resets_after
            + self.storm_rejections
    }
}

#[derive(Debug, Default)]
struct Counters {
    server_errors_before: AtomicU64,
    server_errors_after: AtomicU64,
    resets_before: AtomicU64,
    resets_after: AtomicU64,
    slowed: AtomicU64,
    storms: AtomicU64,
    storm_rejections: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// What happens before the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Before {
    Proceed,
    Storm(Duration),
    Reset,
    ServerError(StatusCode),
}

/// What happens after the handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    Deliver,
    Reset,
    ServerError(StatusCode),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Plan {
    before: Before,
    delay: Option<Duration>,
    after: After,
}

#[derive(Debug)]
struct Dice {
    rng: ChaCha8Rng,
    storm_until: Option<Instant>,
}

/// The shared fault injector of one server: the spec, the random stream,
/// the storm clock and the counters.
pub struct Faults {
    spec: FaultSpec,
    dice: Mutex<Dice>,
    counters: Counters,
    responder: Responder,
}

impl fmt::Debug for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faults")
            .field("spec", &self.spec)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Faults {
    /// An injector for `spec`, answering with [`default_response`].
    pub fn new(spec: FaultSpec) -> Faults {
        Faults {
            dice: Mutex::new(Dice {
                rng: ChaCha8Rng::seed_from_u64(spec.seed),
                storm_until: None,
            }),
            spec,
            counters: Counters::default(),
            responder: Arc::new(default_response),
        }
    }

    /// Replaces how injected answers are rendered, so that they look like
    /// the emulated service's own errors (and carry its headers).
    pub fn with_responder(
        mut self,
        responder: impl Fn(FaultResponse) -> Response + Send + Sync + 'static,
    ) -> Faults {
        self.responder = Arc::new(responder);
        self
    }

    pub fn spec(&self) -> &FaultSpec {
        &self.spec
    }

    pub fn stats(&self) -> FaultStats {
        let c = &self.counters;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        FaultStats {
            server_errors_before: load(&c.server_errors_before),
            server_errors_after: load(&c.server_errors_after),
            resets_before: load(&c.resets_before),
            resets_after: load(&c.resets_after),
            slowed: load(&c.slowed),
            storms: load(&c.storms),
            storm_rejections: load(&c.storm_rejections),
        }
    }

    /// Decides the fate of one request arriving at `now`.
    fn plan(&self, now: Instant) -> Plan {
        let spec = &self.spec;
        // A poisoned lock only means a panic elsewhere mid-draw; the stream
        // is still a valid stream.
        let mut dice = self.dice.lock().unwrap_or_else(|p| p.into_inner());
        // Always the same draws in the same order: see "Determinism".
        let mut draw = || dice.rng.gen::<f64>();
        let (u_storm, u_reset, u_5xx, u_slow, u_reset_after, u_5xx_after, u_status) =
            (draw(), draw(), draw(), draw(), draw(), draw(), draw());
        let status = match (u_status * 3.0) as u32 {
            0 => StatusCode::INTERNAL_SERVER_ERROR,
            1 => StatusCode::BAD_GATEWAY,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        let storm_left = dice
            .storm_until
            .and_then(|until| until.checked_duration_since(now))
            .filter(|left| !left.is_zero());
        let before = if let Some(left) = storm_left {
            Before::Storm(left)
        } else if u_storm < spec.storm {
            dice.storm_until = Some(now + spec.storm_duration);
            bump(&self.counters.storms);
            Before::Storm(spec.storm_duration)
        } else if u_reset < spec.reset {
            Before::Reset
        } else if u_5xx < spec.server_error {
            Before::ServerError(status)
        } else {
            Before::Proceed
        };
        let delay = (u_slow < spec.slow).then_some(spec.slow_delay);
        let after = if u_reset_after < spec.reset_after {
            After::Reset
        } else if u_5xx_after < spec.server_error_after {
            After::ServerError(status)
        } else {
            After::Deliver
        };
        Plan {
            before,
            delay,
            after,
        }
    }
}

/// Wraps `router` so that every request passes the fault injector first.
/// Apply it last (outermost), so that "before" faults really happen before
/// authentication, rate limiting and the handler.
pub fn inject<S>(router: Router<S>, faults: Arc<Faults>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    if faults.spec.is_none() {
        return router;
    }
    router.layer(axum::middleware::from_fn_with_state(faults, middleware))
}

async fn middleware(State(faults): State<Arc<Faults>>, request: Request, next: Next) -> Response {
    let plan = faults.plan(Instant::now());
    let connection = request
        .extensions()
        .get::<ConnectInfo<Connection>>()
        .map(|info| info.0.clone());
    match plan.before {
        Before::Proceed => {}
        Before::Storm(left) => {
            bump(&faults.counters.storm_rejections);
            return (faults.responder)(FaultResponse::Storm { retry_after: left });
        }
        Before::Reset => {
            bump(&faults.counters.resets_before);
            return drop_connection(connection.as_ref());
        }
        Before::ServerError(status) => {
            bump(&faults.counters.server_errors_before);
            return (faults.responder)(FaultResponse::ServerError(status));
        }
    }
    if let Some(delay) = plan.delay {
        bump(&faults.counters.slowed);
        tokio::time::sleep(delay).await;
    }
    let response = next.run(request).await;
    match plan.after {
        After::Deliver => response,
        After::Reset => {
            bump(&faults.counters.resets_after);
            drop_connection(connection.as_ref())
        }
        After::ServerError(status) => {
            bump(&faults.counters.server_errors_after);
            (faults.responder)(FaultResponse::ServerError(status))
        }
    }
}

/// Makes sure the client never receives a complete answer.
fn drop_connection(connection: Option<&Connection>) -> Response {
    match connection {
        Some(connection) => {
            connection.kill();
            // Never written: the socket fails before hyper can write it.
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        None => {
            // Served without a FaultListener: a body that fails at once
            // makes hyper abort the message.
            let failing = futures::stream::once(async {
                Err::<Bytes, io::Error>(io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    "injected connection reset",
                ))
            });
            Response::new(Body::from_stream(failing))
        }
    }
}

/// One accepted connection's kill switch, available to handlers as
/// `ConnectInfo<Connection>` when the server runs on a [`FaultListener`].
#[derive(Debug, Clone, Default)]
pub struct Connection {
    killed: Arc<AtomicBool>,
}

impl Connection {
    /// From now on every read and write on this connection fails, so the
    /// server drops it without writing anything more.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
    }

    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }
}

impl<L: Listener> Connected<IncomingStream<'_, FaultListener<L>>> for Connection {
    fn connect_info(stream: IncomingStream<'_, FaultListener<L>>) -> Connection {
        stream.io().connection.clone()
    }
}

/// A [`Listener`] whose connections can be killed by the fault middleware.
#[derive(Debug)]
pub struct FaultListener<L> {
    inner: L,
}

impl<L: Listener> FaultListener<L> {
    pub fn new(inner: L) -> FaultListener<L> {
        FaultListener { inner }
    }
}

impl<L: Listener> Listener for FaultListener<L> {
    type Io = FaultIo<L::Io>;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (io, addr) = self.inner.accept().await;
        (
            FaultIo {
                inner: io,
                connection: Connection::default(),
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection that fails every operation once its [`Connection`] is killed.
#[derive(Debug)]
pub struct FaultIo<Io> {
    inner: Io,
    connection: Connection,
}

fn killed_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionReset,
        "connection dropped by fault injection",
    )
}

impl<Io: AsyncRead + Unpin> AsyncRead for FaultIo<Io> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.connection.is_killed() {
            return Poll::Ready(Err(killed_error()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for FaultIo<Io> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.connection.is_killed() {
            return Poll::Ready(Err(killed_error()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.connection.is_killed() {
            return Poll::Ready(Err(killed_error()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.connection.is_killed() {
            return Poll::Ready(Err(killed_error()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let spec: FaultSpec = "5xx=0.10,reset=0.02,slow=0.05@300ms,storm=0.01@2s"
            .parse()
            .unwrap();
        assert_eq!(spec.server_error, 0.10);
        assert_eq!(spec.reset, 0.02);
        assert_eq!(spec.slow, 0.05);
        assert_eq!(spec.slow_delay, Duration::from_millis(300));
        assert_eq!(spec.storm, 0.01);
        assert_eq!(spec.storm_duration, Duration::from_secs(2));
        assert_eq!(spec.seed, 0);
        assert!(!spec.is_none());
    }

    #[test]
    fn round_trips_through_display() {
        for text in [
            "5xx=0.1,reset=0.02,slow=0.05@300ms,storm=0.01@2s",
            "5xx-after=0.5,reset-after=0.25,seed=9",
            "lock=0.2,seed=3",
            "slow=1@1500ms",
            "none",
        ] {
            let spec: FaultSpec = text.parse().unwrap();
            assert_eq!(spec.to_string(), text);
            assert_eq!(spec.to_string().parse::<FaultSpec>().unwrap(), spec);
        }
        assert!("".parse::<FaultSpec>().unwrap().is_none());
    }

    #[test]
    fn refuses_nonsense_with_a_reason() {
        let err = |t: &str| t.parse::<FaultSpec>().unwrap_err();
        assert!(matches!(err("5xx"), FaultSpecError::Shape(_)));
        assert!(matches!(err("boom=0.1"), FaultSpecError::Kind(_)));
        assert!(matches!(err("5xx=1.5"), FaultSpecError::Rate { .. }));
        assert!(matches!(err("5xx=-0.1"), FaultSpecError::Rate { .. }));
        assert!(matches!(err("5xx=NaN"), FaultSpecError::Rate { .. }));
        assert!(matches!(
            err("slow=0.1@fast"),
            FaultSpecError::Duration { .. }
        ));
        assert!(matches!(
            err("5xx=0.1@2s"),
            FaultSpecError::UnexpectedDuration(_)
        ));
        assert!(matches!(
            err("5xx=0.1,5xx=0.2"),
            FaultSpecError::Repeated(_)
        ));
        assert!(matches!(err("seed=x"), FaultSpecError::Seed(_)));
    }

    #[test]
    fn decisions_are_deterministic_for_a_seed() {
        let spec: FaultSpec = "5xx=0.3,reset=0.1,5xx-after=0.2,seed=42".parse().unwrap();
        let now = Instant::now();
        let a = Faults::new(spec.clone());
        let b = Faults::new(spec);
        let plans_a: Vec<Plan> = (0..200).map(|_| a.plan(now)).collect();
        let plans_b: Vec<Plan> = (0..200).map(|_| b.plan(now)).collect();
        assert_eq!(plans_a, plans_b);
        let errors = plans_a
            .iter()
            .filter(|p| matches!(p.before, Before::ServerError(_)))
            .count();
        // 0.9 * 0.3 of 200 ≈ 54: loosely bounded.
        assert!((25..90).contains(&errors), "{errors}");
    }

    #[test]
    fn a_storm_rejects_everything_until_it_ends() {
        let spec: FaultSpec = "storm=1@2s".parse().unwrap();
        let faults = Faults::new(spec);
        let t0 = Instant::now();
        assert_eq!(
            faults.plan(t0).before,
            Before::Storm(Duration::from_secs(2))
        );
        assert_eq!(
            faults.plan(t0 + Duration::from_millis(500)).before,
            Before::Storm(Duration::from_millis(1500))
        );
        assert_eq!(faults.stats().storms, 1);
        assert_eq!(storm_retry_secs(Duration::from_millis(1500)), 2);
    }
}
