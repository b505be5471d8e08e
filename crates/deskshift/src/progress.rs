//! Progress display: bars with ETA on a terminal, plain lines otherwise (CI logs,
//! pipes), nothing with `--json` so stdout stays machine-readable.

use deskshift_core::model::ObjectKind;
use deskshift_core::progress::Progress;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Instant;

/// Picks the display for the current stderr.
pub fn for_terminal(quiet: bool) -> Box<dyn Progress> {
    if quiet {
        Box::new(deskshift_core::progress::Silent)
    } else if std::io::stderr().is_terminal() {
        Box::new(Bars::new())
    } else {
        Box::new(Lines::default())
    }
}

/// indicatif bars, one per object kind.
struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<ObjectKind, ProgressBar>>,
}

impl Bars {
    fn new() -> Bars {
        Bars {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
        }
    }
}

impl Progress for Bars {
    fn start(&self, kind: ObjectKind, total: Option<u64>) {
        let bar = match total {
            Some(total) => {
                let bar = ProgressBar::new(total);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{prefix:>22} [{bar:30}] {pos}/{len} {per_sec} ETA {eta}",
                    )
                    .expect("static template")
                    .progress_chars("=> "),
                );
                bar
            }
            None => {
                let bar = ProgressBar::new_spinner();
                bar.set_style(
                    ProgressStyle::with_template("{prefix:>22} {spinner} {pos} {per_sec}")
                        .expect("static template"),
                );
                bar
            }
        };
        bar.set_prefix(kind.as_str());
        let bar = self.multi.add(bar);
        self.bars.lock().expect("progress lock").insert(kind, bar);
    }

    fn advance(&self, kind: ObjectKind, n: u64) {
        if let Some(bar) = self.bars.lock().expect("progress lock").get(&kind) {
            bar.inc(n);
        }
    }

    fn finish(&self, kind: ObjectKind) {
        if let Some(bar) = self.bars.lock().expect("progress lock").get(&kind) {
            bar.finish();
        }
    }

    fn note(&self, line: &str) {
        let _ = self.multi.println(line);
    }
}

/// Plain lines: one when a kind starts, every ten seconds while it runs, and one
/// when it ends.
#[derive(Default)]
struct Lines {
    state: Mutex<HashMap<ObjectKind, LineState>>,
}

/// Done so far, the total if known, and when the last line was printed.
type LineState = (u64, Option<u64>, Instant);

impl Progress for Lines {
    fn start(&self, kind: ObjectKind, total: Option<u64>) {
        self.state
            .lock()
            .expect("progress lock")
            .insert(kind, (0, total, Instant::now()));
    }

    fn advance(&self, kind: ObjectKind, n: u64) {
        let mut state = self.state.lock().expect("progress lock");
        if let Some((done, total, last)) = state.get_mut(&kind) {
            *done += n;
            if last.elapsed().as_secs() >= 10 {
                *last = Instant::now();
                match total {
                    Some(total) => eprintln!("  {kind}: {done}/{total}"),
                    None => eprintln!("  {kind}: {done}"),
                }
            }
        }
    }

    fn finish(&self, kind: ObjectKind) {
        if let Some((done, _, _)) = self.state.lock().expect("progress lock").get(&kind) {
            eprintln!("  {kind}: {done} done");
        }
    }

    fn note(&self, line: &str) {
        eprintln!("{line}");
    }
}
