//! The client every API crate calls through: paced, retrying, counting.

use crate::error::{redact_url, transport_cause};
use crate::retry::{is_transient, is_transient_error, retry_after};
use crate::{HttpError, NoRateLimitHeaders, Pacer, RateLimitHeaders, RetryPolicy};
use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// API usage of one [`Client`] and its clones.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stats {
    /// Requests sent, retries included.
    pub calls: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Requests that were a retry of an earlier one.
    pub retries: u64,
    /// See [`Pacer::utilization`]; `None` without a configured budget.
    pub budget_utilization: Option<f64>,
}

/// A whole answer, body read: what list endpoints need. Reading the body is
/// part of the retried call, so a connection reset halfway through a page is
/// retried like any other transient failure.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A paced, retrying HTTP client. Cheap to clone; clones share the connection
/// pool, the pacer and the counters.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    pacer: Arc<Pacer>,
    limits: Box<dyn RateLimitHeaders>,
    policy: RetryPolicy,
    calls: AtomicU64,
    rate_limited: AtomicU64,
    retries: AtomicU64,
}

/// Where one call stands in its retry budget.
struct Tries<B> {
    backoff: B,
    made: u32,
    rate_limited: u32,
    /// The method of the last attempt, for error messages about its answer.
    method: Method,
    /// For a call that must not be repeated blindly (a create): retry only
    /// what certainly did not reach the server (429, a refused connection) and
    /// hand every other failure back as [`HttpError::is_uncertain`].
    once: bool,
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The pacer this client spends; share it with other clients of the same
    /// remote account.
    pub fn pacer(&self) -> &Arc<Pacer> {
        &self.inner.pacer
    }

    pub fn stats(&self) -> Stats {
        Stats {
            calls: self.inner.calls.load(Ordering::Relaxed),
            rate_limited: self.inner.rate_limited.load(Ordering::Relaxed),
            retries: self.inner.retries.load(Ordering::Relaxed),
            budget_utilization: self.inner.pacer.utilization(),
        }
    }

    /// Sends one request, built afresh by `build` for every attempt.
    ///
    /// Waits for the pacer, retries transient failures with exponential
    /// backoff and jitter, and waits out 429s with one pause shared by every
    /// worker. Any other answer — success or not — is returned for the caller
    /// to judge: only the caller knows what a 404 means.
    pub async fn send<F>(&self, build: F) -> Result<reqwest::Response, HttpError>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let mut tries = self.tries();
        self.send_with(&build, &mut tries).await
    }

    /// Like [`Client::send`], and reads the whole body too, retrying the call if
    /// the body breaks off. For answers of bounded size (a page, a record);
    /// stream large downloads with [`Client::send`] instead.
    pub async fn fetch<F>(&self, build: F) -> Result<Fetched, HttpError>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        self.fetch_with(build, self.tries()).await
    }

    /// Like [`Client::fetch`], for a call that is not idempotent (a create).
    ///
    /// A timeout, a reset or a 5xx may come *after* the server applied the
    /// call, and repeating it would duplicate the record. So only a 429 or a
    /// connection that was never made are retried here; every other failure is
    /// returned at once with [`HttpError::is_uncertain`] true, and the caller
    /// looks the record up before trying again (`deskshift_core::engine`).
    pub async fn fetch_once<F>(&self, build: F) -> Result<Fetched, HttpError>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let mut tries = self.tries();
        tries.once = true;
        self.fetch_with(build, tries).await
    }

    async fn fetch_with<F>(
        &self,
        build: F,
        mut tries: Tries<impl Iterator<Item = Duration>>,
    ) -> Result<Fetched, HttpError>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        loop {
            let response = self.send_with(&build, &mut tries).await?;
            let (status, headers) = (response.status(), response.headers().clone());
            let (method, url) = (tries.method.clone(), redact_url(response.url()));
            match response.bytes().await {
                Ok(body) => {
                    return Ok(Fetched {
                        status,
                        headers,
                        body,
                    })
                }
                Err(error) => {
                    let next = if tries.once {
                        None
                    } else {
                        tries.backoff.next()
                    };
                    let Some(delay) = next else {
                        return Err(HttpError::Body {
                            method,
                            url,
                            cause: transport_cause(&error),
                            attempts: tries.made,
                        });
                    };
                    tracing::debug!(%url, cause = %transport_cause(&error), ?delay, "body broke off; retrying");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    fn tries(&self) -> Tries<impl Iterator<Item = Duration>> {
        Tries {
            backoff: self.inner.policy.backoff(),
            made: 0,
            rate_limited: 0,
            method: Method::GET,
            once: false,
        }
    }

    async fn send_with<F>(
        &self,
        build: &F,
        tries: &mut Tries<impl Iterator<Item = Duration>>,
    ) -> Result<reqwest::Response, HttpError>
    where
        F: Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let inner = &*self.inner;
        loop {
            let request = build(&inner.http)
                .build()
                .map_err(|error| HttpError::Request(transport_cause(&error)))?;
            let method = request.method().clone();
            let url = redact_url(request.url());
            tries.method = method.clone();

            // Wait for our turn in the shared budget; the permit marks the call
            // as in flight until its answer's headers have been read.
            let permit = inner.pacer.acquire().await;
            inner.calls.fetch_add(1, Ordering::Relaxed);
            tracing::trace!(%method, %url, "call");
            if tries.made > 0 {
                inner.retries.fetch_add(1, Ordering::Relaxed);
            }
            tries.made += 1;
            let outcome = inner.http.execute(request).await;

            let response = match outcome {
                Ok(response) => response,
                // The request may have reached the server: not ours to repeat.
                Err(error) if tries.once && !error.is_connect() => {
                    return Err(HttpError::Interrupted {
                        method,
                        url,
                        cause: transport_cause(&error),
                    });
                }
                Err(error) if is_transient_error(&error) => {
                    drop(permit);
                    let cause = transport_cause(&error);
                    let Some(delay) = tries.backoff.next() else {
                        return Err(if error.is_timeout() {
                            HttpError::TimedOut {
                                method,
                                url,
                                attempts: tries.made,
                            }
                        } else {
                            HttpError::Unreachable {
                                url,
                                cause,
                                attempts: tries.made,
                            }
                        });
                    };
                    tracing::debug!(%method, %url, %cause, ?delay, "transport error; retrying");
                    tokio::time::sleep(delay).await;
                    continue;
                }
                Err(error) => return Err(HttpError::Request(transport_cause(&error))),
            };

            // Every answer, 429s included, tells the pacer about the budget.
            let status = response.status();
            let observation = inner.limits.observe(response.headers());
            if status == StatusCode::TOO_MANY_REQUESTS {
                // One pause for everyone: the pacer holds every worker, this
                // one included, until the remote said it would take calls
                // again. Set before the answer is observed, since observing
                // wakes the waiting workers and they must find the pause.
                let pause = retry_after(response.headers())
                    .or(observation.and_then(|o| o.reset_in))
                    .unwrap_or(inner.policy.min_delay);
                tracing::debug!(%method, %url, ?pause, "rate limited; pausing all workers");
                inner.pacer.pause_for(pause);
            }
            if let Some(observation) = &observation {
                inner.pacer.observe(observation);
            }
            drop(permit);

            if status == StatusCode::TOO_MANY_REQUESTS {
                inner.rate_limited.fetch_add(1, Ordering::Relaxed);
                tries.rate_limited += 1;
                if tries.rate_limited >= inner.policy.max_rate_limited {
                    return Err(HttpError::RateLimited {
                        method,
                        url,
                        waits: tries.rate_limited,
                    });
                }
                continue;
            }
            if is_transient(status) {
                let next = if tries.once {
                    None
                } else {
                    tries.backoff.next()
                };
                let Some(delay) = next else {
                    return Err(HttpError::Failing {
                        method,
                        url,
                        status,
                        attempts: tries.made,
                    });
                };
                // A 503 may say when to come back; honour it within reason.
                let delay = retry_after(response.headers())
                    .map_or(delay, |asked| delay.max(asked.min(inner.policy.max_delay)));
                tracing::debug!(%method, %url, %status, ?delay, "transient failure; retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
            return Ok(response);
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("pacer", &self.inner.pacer)
            .field("limits", &self.inner.limits)
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
pub struct ClientBuilder {
    pacer: Option<Arc<Pacer>>,
    limits: Box<dyn RateLimitHeaders>,
    policy: RetryPolicy,
    user_agent: String,
    connect_timeout: Duration,
    read_timeout: Duration,
}

impl Default for ClientBuilder {
    fn default() -> ClientBuilder {
        ClientBuilder {
            pacer: None,
            limits: Box::new(NoRateLimitHeaders),
            policy: RetryPolicy::default(),
            user_agent: concat!("deskshift/", env!("CARGO_PKG_VERSION")).into(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
        }
    }
}

impl ClientBuilder {
    /// The pacer to spend; by default a fresh one with no configured budget.
    pub fn pacer(mut self, pacer: Arc<Pacer>) -> ClientBuilder {
        self.pacer = Some(pacer);
        self
    }

    /// How to read the remote's rate-limit headers; by default they are ignored.
    pub fn rate_limit_headers(mut self, reader: impl RateLimitHeaders + 'static) -> ClientBuilder {
        self.limits = Box::new(reader);
        self
    }

    pub fn retry(mut self, policy: RetryPolicy) -> ClientBuilder {
        self.policy = policy;
        self
    }

    pub fn user_agent(mut self, user_agent: impl Into<String>) -> ClientBuilder {
        self.user_agent = user_agent.into();
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// Longest silence while waiting for an answer or between two chunks of a
    /// body. Not a limit on the whole call, so a long download is fine as long
    /// as bytes keep coming.
    pub fn read_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.read_timeout = timeout;
        self
    }

    pub fn build(self) -> Result<Client, HttpError> {
        let http = reqwest::Client::builder()
            .user_agent(self.user_agent)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .build()
            .map_err(|error| HttpError::Request(transport_cause(&error)))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                pacer: self.pacer.unwrap_or_else(|| Arc::new(Pacer::new(None))),
                limits: self.limits,
                policy: RetryPolicy {
                    max_attempts: self.policy.max_attempts.max(1),
                    max_rate_limited: self.policy.max_rate_limited.max(1),
                    ..self.policy
                },
                calls: AtomicU64::new(0),
                rate_limited: AtomicU64::new(0),
                retries: AtomicU64::new(0),
            }),
        })
    }
}
