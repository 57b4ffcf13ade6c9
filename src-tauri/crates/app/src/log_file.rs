//! A container's log written to a file: streamed straight to disk (the engine sets the pace,
//! nothing is held), and the file appears only once whole.

use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use squirrel_core::model::format_log_time;
use squirrel_core::ports::LogLines;
use tokio::io::AsyncWriteExt;

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
    mut lines: LogLines,
    path: &Path,
    timestamps: bool,
    progress: &(dyn Fn(u32) + Send + Sync),
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
        while let Some(line) = lines.next().await {
            let line = line.map_err(|e| format!("the engine stopped sending the log: {e}"))?;
            text.clear();
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
