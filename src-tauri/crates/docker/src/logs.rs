//! Container logs: the engine's output turned into lines with their times.
//!
//! Logs are always asked for with `timestamps=1`: every message the engine stored starts
//! with its time (`2006-01-02T15:04:05.000000000Z` and a space). Without a TTY, each frame
//! is one message: a line, or a part of a long line (the json-file driver cuts lines at
//! 16 KiB; a part does not end with `\n`, and the next frame of the same output goes on with
//! it, after a time of its own). With a TTY, the output is one byte stream cut anywhere,
//! lines end with `\r\n`, and a time starts each message the engine stored, not each line.

#[cfg(test)]
use bollard::container::LogOutput;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_util::Stream;
use squirrel_core::model::{LogLine, LogQuery, LogSource, MAX_LINE_BYTES};
use squirrel_core::ports::LogLines;
use squirrel_core::EngineError;

use crate::client::Engine;
use crate::log_reader;
use crate::rfc3339;

/// A container's log as lines, read from a connection of its own (see [`log_reader`]).
/// The connection opens when the stream is first polled and closes when it is dropped, or
/// at once after an error.
pub(crate) fn stream(engine: &Engine, engine_id: &str, query: &LogQuery) -> LogLines {
    let dial = engine.dial.clone();
    let path = log_reader::request_path(
        &engine.docker.client_version().to_string(),
        engine_id,
        query,
    );
    Box::pin(Opened::Opening(Box::pin(async move {
        log_reader::open(&dial, &path).await
    })))
}

/// A log being opened, then read.
enum Opened {
    Opening(Pin<Box<dyn Future<Output = Result<log_reader::Reader, EngineError>> + Send>>),
    Reading(Box<log_reader::Reader>),
    Ended,
}

impl Stream for Opened {
    type Item = Result<LogLine, EngineError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match this {
                Opened::Opening(opening) => match ready!(opening.as_mut().poll(cx)) {
                    Ok(reader) => *this = Opened::Reading(Box::new(reader)),
                    Err(e) => {
                        *this = Opened::Ended;
                        return Poll::Ready(Some(Err(e)));
                    }
                },
                Opened::Reading(reader) => {
                    let item = ready!(Pin::new(reader.as_mut()).poll_next(cx));
                    if !matches!(item, Some(Ok(_))) {
                        // The connection closes with the error, not when the stream is dropped.
                        *this = Opened::Ended;
                    }
                    return Poll::Ready(item);
                }
                Opened::Ended => return Poll::Ready(None),
            }
        }
    }
}

/// A line being put together: its time, and its bytes so far.
#[derive(Debug, Default)]
struct Pending {
    ts: f64,
    bytes: Vec<u8>,
}

/// Puts lines together from the engine's output, one pending line per output.
#[derive(Debug, Default)]
pub struct Lines {
    stdout: Option<Pending>,
    stderr: Option<Pending>,
    tty: Option<Pending>,
    /// The time of the last line, for a TTY line that has none of its own.
    last_ts: f64,
}

impl Lines {
    /// The lines completed by one piece of output (stdin pieces are ignored).
    #[cfg(test)]
    pub fn push(&mut self, output: LogOutput) -> Vec<LogLine> {
        let mut out = Vec::new();
        match output {
            LogOutput::StdOut { message } => self.message(LogSource::Stdout, &message, &mut out),
            LogOutput::StdErr { message } => self.message(LogSource::Stderr, &message, &mut out),
            LogOutput::Console { message } => self.console(&message, &mut out),
            LogOutput::StdIn { .. } => {}
        }
        out
    }

    /// What is left when the stream ends: every pending line, as it is.
    pub fn finish(&mut self) -> Vec<LogLine> {
        let mut out = Vec::new();
        for source in [LogSource::Stdout, LogSource::Stderr, LogSource::Tty] {
            if let Some(p) = self.slot(source).take() {
                if !p.bytes.is_empty() {
                    out.push(line(source, p.ts, &p.bytes, false));
                }
            }
        }
        out
    }

    fn slot(&mut self, source: LogSource) -> &mut Option<Pending> {
        match source {
            LogSource::Stdout => &mut self.stdout,
            LogSource::Stderr => &mut self.stderr,
            LogSource::Tty => &mut self.tty,
        }
    }

    /// One message of stdout or stderr (no TTY): a time, then a line or a part of one.
    pub(crate) fn message(&mut self, source: LogSource, message: &[u8], out: &mut Vec<LogLine>) {
        let (ts, mut rest) = match split_time(message) {
            Some((ts, rest)) => (ts, rest),
            None => (self.last_ts, message),
        };
        self.last_ts = ts;
        let mut pending = self.slot(source).take();
        let mut line_ts = ts;
        while let Some(end) = memchr::memchr(b'\n', rest) {
            match pending.take() {
                Some(mut p) => {
                    p.bytes.extend_from_slice(&rest[..end]);
                    push_whole(source, p.ts, &p.bytes, out);
                }
                // The usual case, a whole line in one message: no copy but the line's own.
                None => push_whole(source, line_ts, &rest[..end], out),
            }
            rest = &rest[end + 1..];
            line_ts = ts;
            // Several lines in one message: a time may start each of them.
            if let Some((t, r)) = split_time(rest) {
                line_ts = t;
                rest = r;
            }
        }
        if rest.is_empty() && pending.is_none() {
            return;
        }
        let mut pending = pending.unwrap_or(Pending {
            ts: line_ts,
            bytes: Vec::new(),
        });
        pending.bytes.extend_from_slice(rest);
        keep_pending(source, pending, self.slot(source), out);
    }

    /// A message of the engine's own (its system-error stream): a stderr line of its own,
    /// at the time of the line before, leaving any line being put together alone.
    pub(crate) fn engine_says(&mut self, message: &[u8], out: &mut Vec<LogLine>) {
        let text = message.strip_suffix(b"\n").unwrap_or(message);
        let mut said = b"[Docker] ".to_vec();
        said.extend_from_slice(text);
        push_whole(LogSource::Stderr, self.last_ts, &said, out);
    }

    /// A piece of a TTY's byte stream, cut anywhere.
    pub(crate) fn console(&mut self, piece: &[u8], out: &mut Vec<LogLine>) {
        let last_ts = self.last_ts;
        let mut pending = self.tty.take().unwrap_or(Pending {
            ts: last_ts,
            bytes: Vec::new(),
        });
        let mut rest = piece;
        while let Some(end) = memchr::memchr(b'\n', rest) {
            pending.bytes.extend_from_slice(&rest[..end]);
            let (ts, text) = match split_time(&pending.bytes) {
                Some((ts, text)) => (ts, text.to_vec()),
                None => (self.last_ts, std::mem::take(&mut pending.bytes)),
            };
            self.last_ts = ts;
            let text = text.strip_suffix(b"\r").unwrap_or(&text);
            push_whole(LogSource::Tty, ts, text, out);
            pending = Pending {
                ts,
                bytes: Vec::new(),
            };
            rest = &rest[end + 1..];
        }
        pending.bytes.extend_from_slice(rest);
        keep_pending(LogSource::Tty, pending, &mut self.tty, out);
    }
}

/// Keeps a pending line, or sends its start when it grew past the longest line sent whole.
fn keep_pending(
    source: LogSource,
    mut pending: Pending,
    slot: &mut Option<Pending>,
    out: &mut Vec<LogLine>,
) {
    while pending.bytes.len() > MAX_LINE_BYTES {
        let cut = utf8_boundary(&pending.bytes, MAX_LINE_BYTES);
        let rest = pending.bytes.split_off(cut);
        out.push(line(source, pending.ts, &pending.bytes, true));
        pending.bytes = rest;
    }
    // Nothing pending: the next line starts with a time of its own.
    *slot = (!pending.bytes.is_empty()).then_some(pending);
}

/// A complete line, in parts of at most [`MAX_LINE_BYTES`] when it is longer.
fn push_whole(source: LogSource, ts: f64, mut bytes: &[u8], out: &mut Vec<LogLine>) {
    while bytes.len() > MAX_LINE_BYTES {
        let cut = utf8_boundary(bytes, MAX_LINE_BYTES);
        out.push(line(source, ts, &bytes[..cut], true));
        bytes = &bytes[cut..];
    }
    out.push(line(source, ts, bytes, false));
}

/// The largest index ≤ `at` that does not split a UTF-8 sequence (or `at` for bytes that
/// are not UTF-8 there).
fn utf8_boundary(bytes: &[u8], at: usize) -> usize {
    (at.saturating_sub(3)..=at)
        .rev()
        .find(|&i| bytes.get(i).is_none_or(|&b| (b as i8) >= -0x40))
        .unwrap_or(at)
}

fn line(source: LogSource, ts: f64, bytes: &[u8], cut: bool) -> LogLine {
    LogLine {
        ts,
        source,
        text: String::from_utf8_lossy(bytes).into_owned(),
        cut,
    }
}

/// A leading engine time and the space after it: the time (Unix ms) and what follows.
fn split_time(bytes: &[u8]) -> Option<(f64, &[u8])> {
    // The engine's own format, every line: read without allocating.
    if bytes.get(30) == Some(&b' ') {
        if let Some(ts) = rfc3339::parse_log_time(&bytes[..30]) {
            return Some((ts, &bytes[31..]));
        }
    }
    // `2006-01-02T15:04:05Z` is the shortest form, with nanoseconds and an offset the longest.
    let space = bytes.iter().take(40).position(|&b| b == b' ')?;
    if space < 20 {
        return None;
    }
    let stamp = std::str::from_utf8(&bytes[..space]).ok()?;
    if !stamp.as_bytes().first()?.is_ascii_digit() {
        return None;
    }
    let secs = rfc3339::parse_unix_secs(stamp)?;
    Some((
        secs as f64 * 1000.0 + rfc3339::fraction_millis(stamp),
        &bytes[space + 1..],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn out(source: LogSource, s: &str) -> LogOutput {
        let message = Bytes::copy_from_slice(s.as_bytes());
        match source {
            LogSource::Stdout => LogOutput::StdOut { message },
            LogSource::Stderr => LogOutput::StdErr { message },
            LogSource::Tty => LogOutput::Console { message },
        }
    }

    fn texts(lines: &[LogLine]) -> Vec<(LogSource, &str)> {
        lines.iter().map(|l| (l.source, l.text.as_str())).collect()
    }

    const T1: &str = "2026-12-01T06:40:00.123456789Z";
    const T2: &str = "2026-12-01T06:40:01.5Z";

    #[test]
    fn a_message_is_a_line_with_its_time() {
        let mut l = Lines::default();
        let lines = l.push(out(LogSource::Stdout, &format!("{T1} hello world\n")));
        assert_eq!(texts(&lines), vec![(LogSource::Stdout, "hello world")]);
        let expected = rfc3339::parse_unix_secs(T1).map(|s| s as f64 * 1000.0 + 123.456789);
        assert!((lines[0].ts - expected.unwrap_or_default()).abs() < 1e-3);
    }

    #[test]
    fn each_line_has_its_own_time() {
        let mut l = Lines::default();
        let a = l.push(out(LogSource::Stdout, &format!("{T1} a\n")));
        let b = l.push(out(LogSource::Stdout, &format!("{T2} b\n")));
        assert!(
            b[0].ts > a[0].ts,
            "the second line took the first one's time"
        );
    }

    #[test]
    fn parts_of_a_long_line_are_joined_without_their_times() {
        let mut l = Lines::default();
        assert!(l
            .push(out(LogSource::Stdout, &format!("{T1} first part ")))
            .is_empty());
        // The other output goes on meanwhile.
        let err = l.push(out(LogSource::Stderr, &format!("{T2} oops\n")));
        assert_eq!(texts(&err), vec![(LogSource::Stderr, "oops")]);
        let lines = l.push(out(LogSource::Stdout, &format!("{T2} and the rest\n")));
        assert_eq!(
            texts(&lines),
            vec![(LogSource::Stdout, "first part and the rest")]
        );
    }

    #[test]
    fn a_tty_stream_cut_anywhere_gives_its_lines() {
        let whole = format!("{T1} one\r\ntwo\r\n{T2} three\r\n");
        let mut l = Lines::default();
        let mut lines = Vec::new();
        for chunk in whole.as_bytes().chunks(7) {
            lines.extend(l.push(LogOutput::Console {
                message: Bytes::copy_from_slice(chunk),
            }));
        }
        assert_eq!(
            texts(&lines),
            vec![
                (LogSource::Tty, "one"),
                (LogSource::Tty, "two"),
                (LogSource::Tty, "three")
            ]
        );
        assert_eq!(
            lines[0].ts, lines[1].ts,
            "a line without a time takes the one before"
        );
        assert!(lines[2].ts > lines[1].ts);
    }

    #[test]
    fn what_is_pending_at_the_end_is_kept() {
        let mut l = Lines::default();
        assert!(l
            .push(out(LogSource::Stderr, &format!("{T1} no newline")))
            .is_empty());
        assert_eq!(texts(&l.finish()), vec![(LogSource::Stderr, "no newline")]);
    }

    #[test]
    fn invalid_utf8_and_escapes_are_kept_as_text() {
        let mut l = Lines::default();
        let mut message = format!("{T1} ").into_bytes();
        message.extend_from_slice(b"\xff\xfe \x1b]0;title\x07<img src=x onerror=alert(1)>\n");
        let lines = l.push(LogOutput::StdOut {
            message: Bytes::from(message),
        });
        assert_eq!(
            lines[0].text,
            "\u{fffd}\u{fffd} \u{1b}]0;title\u{7}<img src=x onerror=alert(1)>"
        );
    }

    #[test]
    fn a_line_longer_than_the_limit_comes_in_marked_parts() {
        let mut l = Lines::default();
        let long = "é".repeat(MAX_LINE_BYTES); // two bytes each
        let lines = l.push(out(LogSource::Stdout, &format!("{T1} {long}\n")));
        assert!(lines.len() >= 2);
        assert!(lines[..lines.len() - 1]
            .iter()
            .all(|l| l.cut && l.text.len() <= MAX_LINE_BYTES));
        assert!(!lines[lines.len() - 1].cut);
        assert_eq!(
            lines.iter().map(|l| l.text.as_str()).collect::<String>(),
            long
        );
    }

    proptest::proptest! {
        /// Any output, cut anywhere: no panic, and every byte of every line comes out once.
        #[test]
        fn any_tty_output_cut_anywhere_loses_nothing(
            lines in proptest::collection::vec("[^\n\r]{0,40}", 0..20),
            cuts in proptest::collection::vec(1usize..30, 1..10),
        ) {
            let whole: String = lines.iter().map(|s| format!("{s}\r\n")).collect();
            let mut l = Lines::default();
            let mut got = Vec::new();
            let mut rest = whole.as_bytes();
            let mut i = 0;
            while !rest.is_empty() {
                let n = cuts[i % cuts.len()].min(rest.len());
                got.extend(l.push(LogOutput::Console { message: Bytes::copy_from_slice(&rest[..n]) }));
                rest = &rest[n..];
                i += 1;
            }
            got.extend(l.finish());
            // A line that happens to start like a time loses it: none of these do.
            let texts: Vec<String> = got.into_iter().map(|l| l.text).collect();
            proptest::prop_assert_eq!(texts, lines);
        }

        #[test]
        fn any_bytes_in_any_output_never_panic(
            pieces in proptest::collection::vec((0u8..3, proptest::collection::vec(proptest::num::u8::ANY, 0..200)), 0..20),
        ) {
            let mut l = Lines::default();
            for (kind, bytes) in pieces {
                let message = Bytes::from(bytes);
                let _ = l.push(match kind {
                    0 => LogOutput::StdOut { message },
                    1 => LogOutput::StdErr { message },
                    _ => LogOutput::Console { message },
                });
            }
            let _ = l.finish();
        }
    }
}
