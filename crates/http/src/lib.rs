//! A paced, retrying HTTP client: one pacing scheduler shared by every worker,
//! fed by the remote API's own rate-limit headers.
