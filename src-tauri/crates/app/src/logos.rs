//! Template logos, fetched by the backend and handed to the window as `data:` URLs, so the
//! page's CSP stays closed to the network. Size-capped, checked to be an image, cached on
//! disk (one file per URL) and in memory; a logo that could not be had is not asked for
//! again during the run.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use base64::Engine;
use squirrel_core::ports::HttpFetcher;
use squirrel_core::templates::Fetched;
use tokio::sync::Semaphore;

/// Larger than any sensible logo; a bigger answer is refused.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;
/// Logos fetched at once (a gallery asks for the visible cards' logos together).
const PARALLEL_FETCHES: usize = 6;

pub struct LogoCache {
    dir: PathBuf,
    fetcher: Arc<dyn HttpFetcher>,
    memory: Mutex<HashMap<String, Option<Arc<str>>>>,
    gate: Semaphore,
}

impl LogoCache {
    pub fn new(dir: PathBuf, fetcher: Arc<dyn HttpFetcher>) -> Self {
        Self {
            dir,
            fetcher,
            memory: Mutex::new(HashMap::new()),
            gate: Semaphore::new(PARALLEL_FETCHES),
        }
    }

    /// The logo at `url` as a `data:` URL, or `None` when there is no usable image there.
    pub async fn get(&self, url: &str) -> Option<Arc<str>> {
        let url = url.trim();
        if let Some(known) = self.memory.lock().ok().and_then(|m| m.get(url).cloned()) {
            return known;
        }
        let found = self.load(url).await;
        if let Ok(mut m) = self.memory.lock() {
            m.insert(url.to_owned(), found.clone());
        }
        found
    }

    async fn load(&self, url: &str) -> Option<Arc<str>> {
        if url.starts_with("data:") {
            let ok = url.len() <= MAX_LOGO_BYTES * 4 / 3 + 64
                && image_type(
                    url.trim_start_matches("data:").split([';', ',']).next()?,
                    &[],
                )
                .is_some();
            return ok.then(|| Arc::from(url));
        }
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return None;
        }
        let file = self.dir.join(format!("{:016x}", fnv1a(url.as_bytes())));
        if let Ok(cached) = tokio::fs::read(&file).await {
            if let Some(data) = decode_cached(&cached) {
                return Some(data);
            }
        }
        let _permit = self.gate.acquire().await.ok()?;
        let fetched = self
            .fetcher
            .fetch(url, None, None, MAX_LOGO_BYTES)
            .await
            .map_err(|e| tracing::debug!(error = %e, "logo not fetched"))
            .ok()?;
        let Fetched::Body {
            bytes,
            content_type,
            ..
        } = fetched
        else {
            return None;
        };
        let mime = image_type(content_type.as_deref().unwrap_or(""), &bytes)?;
        let mut stored = Vec::with_capacity(mime.len() + 1 + bytes.len());
        stored.extend_from_slice(mime.as_bytes());
        stored.push(b'\n');
        stored.extend_from_slice(&bytes);
        if tokio::fs::create_dir_all(&self.dir).await.is_ok() {
            let tmp = file.with_extension("tmp");
            if tokio::fs::write(&tmp, &stored).await.is_ok() {
                let _ = tokio::fs::rename(&tmp, &file).await;
            }
        }
        Some(data_url(mime, &bytes))
    }
}

fn decode_cached(stored: &[u8]) -> Option<Arc<str>> {
    let split = stored.iter().position(|b| *b == b'\n')?;
    let mime = std::str::from_utf8(&stored[..split]).ok()?;
    let bytes = &stored[split + 1..];
    let mime = image_type(mime, bytes)?;
    Some(data_url(mime, bytes))
}

fn data_url(mime: &str, bytes: &[u8]) -> Arc<str> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    Arc::from(format!("data:{mime};base64,{b64}"))
}

/// The image type to label the data with: the declared one when it is an image type the
/// window shows, else what the bytes say. Anything else (HTML error pages, say) is refused.
fn image_type(declared: &str, bytes: &[u8]) -> Option<&'static str> {
    let declared = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let known = match declared.as_str() {
        "image/png" => Some("image/png"),
        "image/jpeg" | "image/jpg" => Some("image/jpeg"),
        "image/gif" => Some("image/gif"),
        "image/webp" => Some("image/webp"),
        "image/svg+xml" => Some("image/svg+xml"),
        "image/x-icon" | "image/vnd.microsoft.icon" => Some("image/x-icon"),
        _ => None,
    };
    if bytes.is_empty() {
        return known;
    }
    if bytes.starts_with(b"\x89PNG") {
        Some("image/png")
    } else if bytes.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF8") {
        Some("image/gif")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"\0\0\x01\0") {
        Some("image/x-icon")
    } else if looks_like_svg(bytes) {
        Some("image/svg+xml")
    } else {
        None
    }
}

fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    text.contains("<svg")
}

/// FNV-1a: a stable file name per URL (the standard hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_images_pass() {
        assert_eq!(image_type("image/png", b"\x89PNG\r\n"), Some("image/png"));
        assert_eq!(
            image_type("application/octet-stream", b"<?xml?><svg xmlns='x'/>"),
            Some("image/svg+xml")
        );
        assert_eq!(image_type("image/png", b"<html>not found</html>"), None);
        assert_eq!(image_type("text/html", b"<html></html>"), None);
    }

    #[test]
    fn cached_files_read_back() {
        let mut stored = b"image/gif\n".to_vec();
        stored.extend_from_slice(b"GIF89a....");
        let url = decode_cached(&stored).unwrap_or_else(|| Arc::from(""));
        assert!(url.starts_with("data:image/gif;base64,R0lGODlh"), "{url}");
    }
}
