//! A paced, retrying HTTP client: one pacing scheduler shared by every worker,
//! fed by the remote API's own rate-limit headers.
//!
//! The remote's API budget is the speed limit of a migration (DESIGN.md,
//! invariant 8), so every call of every worker goes through one [`Pacer`] per
//! remote account. A [`Client`] wraps `reqwest` with that pacer, a
//! [`RetryPolicy`] (exponential backoff with jitter on 5xx, timeouts and broken
//! connections; one shared pause on 429) and call counters ([`Stats`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), deskshift_http::HttpError> {
//! use deskshift_http::{Budget, Client, Pacer};
//! use std::sync::Arc;
//!
//! let pacer = Arc::new(Pacer::new("40/20".parse::<Budget>().ok()));
//! let client = Client::builder().pacer(pacer).build()?;
//! let page = client
//!     .fetch(|http| http.get("http://127.0.0.1:8080/api/v1/tickets"))
//!     .await?;
//! println!("{} {} bytes", page.status, page.body.len());
//! # Ok(()) }
//! ```
//!
//! This crate knows no remote API: each API crate brings its own
//! [`RateLimitHeaders`] reader, decides what a 4xx means, and converts
//! [`Stats`] into its own vocabulary. Errors never contain header values or
//! query strings, so secrets cannot leak through them.

mod budget;
mod client;
mod error;
mod pacer;
mod retry;

pub use budget::{Budget, BudgetError};
pub use client::{Client, ClientBuilder, Fetched, Stats};
pub use error::{redact_url, HttpError};
pub use pacer::{BudgetObservation, CallPermit, NoRateLimitHeaders, Pacer, RateLimitHeaders};
pub use retry::{retry_after, RetryPolicy};

/// Re-exported so API crates name the same types this crate takes.
pub use reqwest;
