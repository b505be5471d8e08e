//! What the benchmarks share: their sections of `docs/benchmarks.md`, the
//! peak memory of a child process, and the date.
//!
//! Each benchmark owns one section of the file, between
//! `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, and rewrites only
//! that, so running one benchmark never erases another's figures.

#![allow(dead_code)] // each benchmark uses its own part of this module

use std::path::{Path, PathBuf};
use std::process::Command;

/// `docs/benchmarks.md`.
pub fn report_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/benchmarks.md")
}

/// Replaces (or appends) section `name` of `docs/benchmarks.md` with `body`.
pub fn write_section(name: &str, body: &str) -> PathBuf {
    let path = report_path();
    let existing = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        "# Benchmarks\n\nEach section is written by the benchmark it names; run one and \
         only its section changes.\n"
            .to_string()
    });
    let open = format!("<!-- bench:{name} -->");
    let close = format!("<!-- /bench:{name} -->");
    let section = format!("{open}\n{}\n{close}", body.trim_end());
    let updated = match (existing.find(&open), existing.find(&close)) {
        (Some(start), Some(end)) if end > start => format!(
            "{}{section}{}",
            &existing[..start],
            &existing[end + close.len()..]
        ),
        _ => format!("{}\n{section}\n", existing.trim_end()),
    };
    std::fs::write(&path, updated).expect("write docs/benchmarks.md");
    path
}

/// The peak resident set of a running process, in KiB, from `/proc`.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Waits for `child` (spawned at `started`), sampling its peak resident set
/// as it runs: the wall seconds and the peak in MiB of that process only.
pub fn watch(child: &mut std::process::Child, started: std::time::Instant) -> (f64, f64) {
    let pid = child.id();
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        peak = peak.max(peak_rss_kib(pid).unwrap_or(0));
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    (started.elapsed().as_secs_f64(), peak as f64 / 1024.0)
}

/// Today's date from the system clock, without a date crate.
pub fn today() -> String {
    Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "(unknown date)".into())
}

/// The machine line every section ends with.
pub fn machine_line() -> String {
    format!(
        "Machine: {} cores; measured {}.",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        today()
    )
}

/// True unless `cargo bench` started this benchmark: `cargo bench` passes
/// `--bench` to a `harness = false` target and `cargo test --benches` (or
/// `--all-targets`) passes nothing. A benchmark in test mode does nothing,
/// so it never rewrites `docs/benchmarks.md` with debug-build figures.
pub fn in_test_mode() -> bool {
    !std::env::args().any(|a| a == "--bench")
}

/// The workspace sizes to migrate: `DESKSHIFT_BENCH_SIZES` (comma-separated
/// ticket counts) when set, else 1k and 10k tickets.
pub fn sizes() -> Vec<usize> {
    std::env::var("DESKSHIFT_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1000, 10000])
}
