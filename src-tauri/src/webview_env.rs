//! WebKitGTK's renderer, chosen before the web view starts (Linux).
//!
//! WebKitGTK 2.42+ draws through DMA-BUF buffers by default. Where no GPU render node exists
//! (virtual machines, remote X, Xvfb) that path falls back to copying every frame through
//! software: measured here, a full repaint of the window took about 100 ms with it and 14 ms
//! without, and scrolling the containers table went from 120 ms to 20 ms a frame. With
//! NVIDIA's proprietary driver the same path is known to open blank windows. In both cases
//! Squirrel asks for WebKit's other renderer, unless the user already chose one by setting
//! the variable (to anything, `0` included).

use std::ffi::OsString;
use std::path::Path;

pub const DMABUF_VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// Why the DMA-BUF renderer is turned off, or `None` to leave WebKit's choice alone.
pub fn dmabuf_off_reason(
    user_choice: Option<&OsString>,
    has_render_node: bool,
    nvidia_driver: bool,
) -> Option<&'static str> {
    if user_choice.is_some() {
        return None;
    }
    if !has_render_node {
        Some("no GPU render node (/dev/dri/renderD*): the DMA-BUF renderer would copy every frame in software")
    } else if nvidia_driver {
        Some("NVIDIA's proprietary driver: the DMA-BUF renderer is known to open blank windows with it")
    } else {
        None
    }
}

fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false)
}

/// Sets the variable where [`dmabuf_off_reason`] says so. Call first thing in `main`, before
/// any thread starts. Returns the reason, to be logged once logging is up.
pub fn choose_renderer() -> Option<&'static str> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let reason = dmabuf_off_reason(
        std::env::var_os(DMABUF_VAR).as_ref(),
        has_render_node(Path::new("/dev/dri")),
        Path::new("/proc/driver/nvidia/version").exists(),
    )?;
    std::env::set_var(DMABUF_VAR, "1");
    Some(reason)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_users_own_choice_always_stands() {
        for value in ["0", "1", ""] {
            let v = OsString::from(value);
            assert_eq!(dmabuf_off_reason(Some(&v), false, true), None);
        }
    }

    #[test]
    fn without_a_gpu_or_with_nvidia_the_other_renderer_is_used() {
        assert!(dmabuf_off_reason(None, false, false)
            .unwrap()
            .contains("no GPU"));
        assert!(dmabuf_off_reason(None, true, true)
            .unwrap()
            .contains("NVIDIA"));
        assert_eq!(dmabuf_off_reason(None, true, false), None);
    }

    #[test]
    fn a_render_node_is_found_by_its_name() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("card0"), "").unwrap();
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("renderD128"), "").unwrap();
        assert!(has_render_node(dir.path()));
        assert!(!has_render_node(&dir.path().join("missing")));
    }
}
