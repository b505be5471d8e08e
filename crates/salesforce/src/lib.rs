//! The Salesforce Service Cloud destination.
//!
//! - [`client`]: the org's APIs (OAuth 2.0 token flows, REST sObjects and
//!   SOQL, Composite and sObject Collections, Bulk API 2.0 ingest, Tooling),
//!   guarded against the daily limit read from `Sforce-Limit-Info`, every
//!   call with `Sforce-Auto-Assign: FALSE`.
//! - [`map`]: the standard map of DESIGN.md §4, Stames records to Salesforce
//!   records, as small pure functions.

pub mod client;
pub mod map;
