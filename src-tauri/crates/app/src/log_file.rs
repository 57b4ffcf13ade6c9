//! A container's log, or several merged by time, written to a file: streamed straight to
//! disk (the engines set the pace, nothing is held beyond a line per log), and the file
//! appears only once whole.

use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use squirrel_core::model::{format_log_time, LogLine};
use squirrel_core::ports::LogLines;
use tokio::io::AsyncWriteExt;

/// How long a download waits for the engine's next line, once lines have come, before it
/// gives up: a log being downloaded is already written, so a silence this long is an
/// engine that hangs. Before the first line there is no such limit: the engine may read
/// a long file from its start up to `since` before it sends anything.
pub const DOWNLOAD_SILENCE: Duration = Duration::from_secs(60);

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub lines: u32,
    pub bytes: u64,
}

/// Writes `lines` to `path`, one a line, each after its time (as `docker logs -t` prints it,
/// to the microsecond) when `timestamps`. The lines go to `path` with `.part` added first and
/// are renamed at the end, so a failure leaves no half file; `progress` hears the lines
/// written so far, at most every 100 ms. The error is a sentence.
pub async fn write_log(
    lines: LogLines,
    path: &Path,
    timestamps: bool,
    progress: &(dyn Fn(u32) + Send + Sync),
) -> Result<Written, String> {
    let lines = lines
        .map(|l| {
            l.map(|l| (0, l))
                .map_err(|e| format!("the engine stopped sending the log: {e}"))
        })
        .boxed();
    write_lines(
        lines,
        &[String::new()],
        path,
        timestamps,
        progress,
        DOWNLOAD_SILENCE,
    )
    .await
}

/// Writes several logs (each named) merged by time, as `docker compose logs` prints them:
/// each line after its log's name, padded to the longest (`web | ...`), then its time when
/// `timestamps`. Otherwise as [`write_log`].
pub async fn write_merged_log(
    logs: Vec<(String, LogLines)>,
    path: &Path,
    timestamps: bool,
    progress: &(dyn Fn(u32) + Send + Sync),
) -> Result<Written, String> {
    let width = logs
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    let prefixes: Vec<String> = logs
        .iter()
        .map(|(n, _)| format!("{n:<width$} | "))
        .collect();
    let (names, streams): (Vec<String>, Vec<LogLines>) = logs.into_iter().unzip();
    write_lines(
        merged(names, streams),
        &prefixes,
        path,
        timestamps,
        progress,
        DOWNLOAD_SILENCE,
    )
    .await
}

/// Lines of several logs (each in time order), in time order, each with its log's index. A
/// line cut for its length is followed by its other parts before any other log's line.
fn merged(
    names: Vec<String>,
    streams: Vec<LogLines>,
) -> BoxStream<'static, Result<(usize, LogLine), String>> {
    struct Merge {
        names: Vec<String>,
        streams: Vec<Option<LogLines>>,
        heads: Vec<Option<LogLine>>,
        /// The log whose last line sent was cut: its next part comes next.
        cut_from: Option<usize>,
    }
    let heads = streams.iter().map(|_| None).collect();
    let state = Merge {
        names,
        streams: streams.into_iter().map(Some).collect(),
        heads,
        cut_from: None,
    };
    futures_util::stream::unfold(state, |mut m| async move {
        // Every log still open shows its next line.
        for k in 0..m.streams.len() {
            if m.heads[k].is_some() {
                continue;
            }
            let Some(stream) = m.streams[k].as_mut() else {
                continue;
            };
            match stream.next().await {
                Some(Ok(line)) => m.heads[k] = Some(line),
                Some(Err(e)) => {
                    let err = format!("the engine stopped sending the log of {}: {e}", m.names[k]);
                    // Nothing more is read after an error.
                    m.streams.iter_mut().for_each(|s| *s = None);
                    m.heads.iter_mut().for_each(|h| *h = None);
                    return Some((Err(err), m));
                }
                None => m.streams[k] = None,
            }
        }
        let next = match m.cut_from.filter(|&k| m.heads[k].is_some()) {
            Some(k) => k,
            None => {
                m.heads
                    .iter()
                    .enumerate()
                    .filter_map(|(k, h)| h.as_ref().map(|h| (k, h.ts)))
                    .min_by(|a, b| a.1.total_cmp(&b.1))?
                    .0
            }
        };
        let line = m.heads[next].take()?;
        m.cut_from = line.cut.then_some(next);
        Some((Ok((next, line)), m))
    })
    .boxed()
}

/// Writes lines, each after the prefix of its log; gives up when, after the first line, no
/// line comes for `silence`.
async fn write_lines(
    mut lines: BoxStream<'static, Result<(usize, LogLine), String>>,
    prefixes: &[String],
    path: &Path,
    timestamps: bool,
    progress: &(dyn Fn(u32) + Send + Sync),
    silence: Duration,
) -> Result<Written, String> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".part");
    let partial = std::path::PathBuf::from(partial);
    let shown = path.to_string_lossy().into_owned();
    let result = async {
        let file = tokio::fs::File::create(&partial)
            .await
            .map_err(|e| format!("cannot write {shown}: {e}"))?;
        let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
        let mut written = Written { lines: 0, bytes: 0 };
        let mut reported = Instant::now();
        let mut text = String::new();
        // The parts of a line cut for its length after the first go on without a time.
        let mut continuing = false;
        loop {
            let next = if written.lines == 0 && !continuing {
                Ok(lines.next().await)
            } else {
                tokio::time::timeout(silence, lines.next()).await
            };
            let item = match next {
                Ok(Some(item)) => item,
                Ok(None) => break,
                Err(_) => {
                    return Err(format!(
                        "the engine sent nothing for {} s and the download was stopped: is the \
                         engine overloaded or its connection hung? Nothing was written to {shown}",
                        silence.as_secs()
                    ))
                }
            };
            let (origin, line) = item?;
            text.clear();
            if !continuing {
                text.push_str(prefixes.get(origin).map_or("", String::as_str));
            }
            if timestamps && !continuing {
                text.push_str(&format_log_time(line.ts));
                text.push(' ');
            }
            text.push_str(&line.text);
            if !line.cut {
                text.push('\n');
            }
            continuing = line.cut;
            out.write_all(text.as_bytes())
                .await
                .map_err(|e| format!("cannot write {shown}: {e}"))?;
            written.lines = written.lines.saturating_add(u32::from(!line.cut));
            written.bytes += text.len() as u64;
            if reported.elapsed() >= Duration::from_millis(100) {
                progress(written.lines);
                reported = Instant::now();
            }
        }
        out.flush()
            .await
            .map_err(|e| format!("cannot write {shown}: {e}"))?;
        Ok(written)
    }
    .await;
    match result {
        Ok(written) => {
            tokio::fs::rename(&partial, path)
                .await
                .map_err(|e| format!("cannot write {shown}: {e}"))?;
            progress(written.lines);
            Ok(written)
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(&partial).await;
            Err(e)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use squirrel_core::model::LogSource;

    use super::*;

    #[tokio::test]
    async fn an_engine_that_stops_sending_ends_the_download_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("web.log");
        let first = LogLine {
            ts: 1.0,
            source: LogSource::Stdout,
            text: "first".into(),
            cut: false,
        };
        // One line, then silence for ever.
        let lines = futures_util::stream::iter([Ok((0, first))])
            .chain(futures_util::stream::pending())
            .boxed();
        let err = write_lines(
            lines,
            &[String::new()],
            &path,
            false,
            &|_| {},
            Duration::from_millis(50),
        )
        .await
        .unwrap_err();
        assert!(err.contains("sent nothing for"), "{err}");
        assert!(err.contains("Nothing was written"), "{err}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no file, no part"
        );
    }
}
