//! Docker's credential helpers, run as the Docker CLI runs them: `docker-credential-<name>
//! <verb>`, the server URL on standard input, JSON on standard output. Bounded in time (a
//! helper may wait on a prompt nobody sees) and in what is read back.

use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use squirrel_core::ports::CredentialHelperRunner;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// Longest a helper may take, and most it may print.
const DEADLINE: Duration = Duration::from_secs(10);
const MAX_OUTPUT: usize = 1 << 20;

pub struct ProcessCredentialHelpers;

#[async_trait]
impl CredentialHelperRunner for ProcessCredentialHelpers {
    async fn run(&self, helper: &str, verb: &str, input: &str) -> Result<String, String> {
        let program = format!("docker-credential-{helper}");
        let mut child = Command::new(&program)
            .arg(verb)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => {
                    format!("{program} is not installed here (it is not on the PATH)")
                }
                _ => format!("{program} could not be started: {e}"),
            })?;
        if let Some(mut stdin) = child.stdin.take() {
            // A helper that exits without reading is answered by its exit status below.
            let _ = stdin.write_all(input.as_bytes()).await;
        }
        let out = tokio::time::timeout(DEADLINE, child.wait_with_output())
            .await
            .map_err(|_| {
                format!(
                    "{program} gave no answer within {} s (it may be waiting for a prompt)",
                    DEADLINE.as_secs()
                )
            })?
            .map_err(|e| format!("{program} failed: {e}"))?;
        if out.stdout.len() > MAX_OUTPUT {
            return Err(format!("{program} printed more than 1 MiB"));
        }
        if !out.status.success() {
            // Helpers say what went wrong on either stream ("credentials not found in native
            // keychain"); a failed run prints no secret.
            let said = [&out.stdout, &out.stderr]
                .into_iter()
                .map(|b| String::from_utf8_lossy(b).trim().to_string())
                .find(|s| !s.is_empty())
                .and_then(|s| {
                    s.lines()
                        .next()
                        .map(|l| l.chars().take(200).collect::<String>())
                })
                .unwrap_or_else(|| format!("it exited with {}", out.status));
            return Err(said);
        }
        String::from_utf8(out.stdout)
            .map_err(|_| format!("{program} printed text that is not UTF-8"))
    }
}
