//! Progress bars for `patchwork import` on a terminal (indicatif), one per step.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use patchwork_adapters::nightly::{Progress, Step};

/// The bars of one import: shown only when stderr is a terminal and `--quiet` is off.
pub(crate) struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<Step, ProgressBar>>,
}

impl Bars {
    /// Bars drawn on stderr, or `None` when stderr is not a terminal (a scheduler's log)
    /// or the user asked for quiet.
    pub(crate) fn on_terminal(quiet: bool) -> Option<Self> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        Some(Self {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
        })
    }

    /// Shows one progress report.
    pub(crate) fn update(&self, p: Progress) {
        let Ok(mut bars) = self.bars.lock() else {
            return;
        };
        let bar = bars.entry(p.step).or_insert_with(|| {
            let bar = self.multi.add(new_bar(p.step));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        if bar.is_finished() {
            return;
        }
        if p.total > 0 {
            bar.set_length(p.total);
            bar.set_position(p.done);
            if p.done >= p.total {
                bar.finish();
            }
        }
    }
}

fn new_bar(step: Step) -> ProgressBar {
    let (label, template) = match step {
        Step::Hashing => (
            "hashing",
            "{prefix:>9} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
        ),
        Step::Reading => (
            "reading",
            "{prefix:>9} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {elapsed}",
        ),
        Step::Loading => ("loading", "{prefix:>9} {spinner} stored network {elapsed}"),
        Step::Comparing => (
            "comparing",
            "{prefix:>9} {spinner} with the store {elapsed}",
        ),
        Step::Saving => (
            "saving",
            "{prefix:>9} [{bar:30}] {pos}/{len} rows {elapsed}",
        ),
    };
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    ProgressBar::new(0).with_style(style).with_prefix(label)
}
