//! A window whose web process ends (a crash, WebKit's memory limit, a kill) loads its page
//! again instead of staying blank: the main window, and a terminal's own window (its page
//! attaches the same shell again, which ran on). The backend runs on throughout: the page reads
//! everything anew from it, as at launch (its streams were already ended by the page load).
//! A page that keeps ending at once is not reloaded for ever: past [`MAX_RELOADS`] within
//! [`RELOAD_WINDOW`], the window says what happened and what to do.

#![cfg_attr(not(target_os = "linux"), allow(dead_code))]

use std::time::{Duration, Instant};

/// Reloads allowed within [`RELOAD_WINDOW`].
pub const MAX_RELOADS: usize = 3;
pub const RELOAD_WINDOW: Duration = Duration::from_secs(60);

/// What to do when the web process ended at `now`, given when it ended before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterEnd {
    Reload,
    GiveUp,
}

/// The web process's recent ends, and what the next one calls for.
#[derive(Debug, Default)]
pub struct Ends(Vec<Instant>);

impl Ends {
    pub fn record(&mut self, now: Instant) -> AfterEnd {
        self.0
            .retain(|at| now.saturating_duration_since(*at) < RELOAD_WINDOW);
        self.0.push(now);
        if self.0.len() > MAX_RELOADS {
            AfterEnd::GiveUp
        } else {
            AfterEnd::Reload
        }
    }
}

/// Shown in place of the main page when it keeps ending: text only, no script.
pub const MAIN_GAVE_UP: &str = "<!doctype html><meta charset=utf-8><title>Squirrel</title>\
<body style=\"font:15px system-ui,sans-serif;margin:3em;max-width:40em\">\
<h1 style=\"font-size:20px\">The window stopped working</h1>\
<p>Its page ended several times in a minute, so Squirrel stopped loading it again. \
Squirrel itself is still running: your devices are still watched and your history recorded.</p>\
<p>Quit Squirrel and open it again. If this keeps happening, the log file in Squirrel's \
log folder says why each time.</p></body>";

/// Shown in place of a terminal's own page when it keeps ending.
pub const TERMINAL_GAVE_UP: &str = "<!doctype html><meta charset=utf-8><title>Squirrel</title>\
<body style=\"font:15px system-ui,sans-serif;margin:3em;max-width:40em\">\
<h1 style=\"font-size:20px\">This terminal's window stopped working</h1>\
<p>Its page ended several times in a minute, so Squirrel stopped loading it again. \
Close this window to end its shell; the main window and everything else go on.</p></body>";

/// Watches the web process of `window`: when it ends, the page loads again; when it keeps
/// ending, `gave_up` (one of the pages above) is shown instead.
pub fn reload_when_its_process_ends(window: &tauri::WebviewWindow, gave_up: &'static str) {
    #[cfg(target_os = "linux")]
    {
        let label = window.label().to_string();
        let watched = window.with_webview(move |webview| {
            use webkit2gtk::{WebProcessTerminationReason as Reason, WebViewExt};
            let ends = std::cell::RefCell::new(Ends::default());
            webview
                .inner()
                .connect_web_process_terminated(move |view, reason| {
                    let why = match reason {
                        Reason::Crashed => "it crashed or was killed",
                        Reason::ExceededMemoryLimit => "it passed WebKit's memory limit",
                        Reason::TerminatedByApi => "the app ended it",
                        _ => "unknown",
                    };
                    if reason == Reason::TerminatedByApi {
                        tracing::info!(window = %label, reason = why, "the window's web process ended");
                        return;
                    }
                    // Not borrowed across the reload: a signal during it must not find it taken.
                    let next = ends.borrow_mut().record(Instant::now());
                    match next {
                        AfterEnd::Reload => {
                            tracing::error!(window = %label, reason = why, "the window's web process ended; loading its page again");
                            view.reload();
                        }
                        AfterEnd::GiveUp => {
                            tracing::error!(window = %label, reason = why, times = MAX_RELOADS + 1, "the window's web process keeps ending; not loading its page again");
                            view.load_html(gave_up, None);
                        }
                    }
                });
        });
        if let Err(e) = watched {
            tracing::warn!(error = %e, "the window's web process cannot be watched");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (window, gave_up);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_ends_reload_and_a_run_of_them_gives_up_until_they_thin_out() {
        let t0 = Instant::now();
        let mut ends = Ends::default();
        for k in 0..MAX_RELOADS {
            assert_eq!(
                ends.record(t0 + Duration::from_secs(k as u64)),
                AfterEnd::Reload
            );
        }
        assert_eq!(ends.record(t0 + Duration::from_secs(5)), AfterEnd::GiveUp);
        // Ends spread over more than the window each reload.
        let mut spread = Ends::default();
        for k in 0..10u64 {
            let at = t0 + RELOAD_WINDOW / 2 * (k as u32);
            assert_eq!(spread.record(at), AfterEnd::Reload, "end {k}");
        }
    }
}
