//! Resources about the API itself: the version list, the resource
//! directory of a version, and `limits`.

use super::dispatch::Env;
use serde_json::{json, Value};

/// The API versions this emulator serves (v40.0, Summer '17, to v67.0,
/// Summer '26), each with its release name.
pub const VERSIONS: std::ops::RangeInclusive<u32> = 40..=67;

fn release(version: u32) -> String {
    if version == 40 {
        return "Summer '17".to_string();
    }
    let step = version - 41;
    let season = ["Winter", "Spring", "Summer"][(step % 3) as usize];
    format!("{season} '{}", 18 + step / 3)
}

/// `GET /services/data/`: `[{"label","url","version"}]`, oldest first
/// (REST API guide, "Versions").
pub fn versions() -> Value {
    VERSIONS
        .map(|v| {
            json!({
                "label": release(v),
                "url": format!("/services/data/v{v}.0"),
                "version": format!("{v}.0"),
            })
        })
        .collect::<Vec<_>>()
        .into()
}

/// Whether `segment` names a served version (`v59.0`).
pub fn valid_version(segment: &str) -> bool {
    segment
        .strip_prefix('v')
        .and_then(|v| v.strip_suffix(".0"))
        .and_then(|v| v.parse::<u32>().ok())
        .is_some_and(|v| VERSIONS.contains(&v))
}

/// `GET /services/data/vXX.X/`: the resource directory.
pub fn resources(version: &str) -> Value {
    let base = format!("/services/data/{version}");
    json!({
        "sobjects": format!("{base}/sobjects"),
        "query": format!("{base}/query"),
        "queryAll": format!("{base}/queryAll"),
        "composite": format!("{base}/composite"),
        "limits": format!("{base}/limits"),
        "tooling": format!("{base}/tooling"),
        "jobs": format!("{base}/jobs"),
    })
}

/// `GET /limits/` (REST API guide, "Limits"): the daily request budget is
/// the one the emulator enforces; the others are a Developer org's.
pub fn limits(env: &Env<'_>) -> Value {
    let pair = |max: u64, used: u64| json!({"Max": max, "Remaining": max.saturating_sub(used)});
    json!({
        "DailyApiRequests": pair(env.daily_limit, env.used),
        "DailyBulkApiBatches": pair(15_000, 0),
        "DailyBulkV2QueryJobs": pair(10_000, 0),
        "DailyBulkV2QueryFileStorageMB": pair(976_562, 0),
        "DataStorageMB": pair(5, 0),
        "FileStorageMB": pair(20, 0),
        "ConcurrentAsyncGetReportInstances": pair(200, 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_names() {
        assert_eq!(release(59), "Winter '24");
        assert_eq!(release(67), "Summer '26");
        assert_eq!(release(41), "Winter '18");
        assert!(valid_version("v59.0"));
        assert!(!valid_version("v39.0"));
        assert!(!valid_version("v68.0"));
        assert!(!valid_version("59.0"));
    }
}
