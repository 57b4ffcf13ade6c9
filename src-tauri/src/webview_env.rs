//! WebKitGTK's renderer, chosen before the web view starts (Linux).
//!
//! WebKitGTK 2.42+ composites through DMA-BUF buffers by default. Where no GPU render node
//! exists (virtual machines, remote X, Xvfb) that path copies every frame through software:
//! measured here, a full repaint of the window took about 100 ms with it and 14 ms without,
//! and scrolling the containers table went from 120 ms to 20 ms a frame. Without a GPU,
//! Squirrel turns compositing off altogether (with DMA-BUF off alone the figures were the
//! same, but a snapshot of a freshly loaded window took 10 s against 50 ms). Under Xvfb,
//! WebDriver snapshots still stall after some interactions in both software paths, so the
//! e2e tests keep WebKit's own renderer (`tests/e2e/webdriver.mjs`). With NVIDIA's
//! proprietary driver the DMA-BUF path is known to open blank windows: there only DMA-BUF is
//! turned off. A user who set either variable (to anything, `0` included) keeps their choice.

use std::path::Path;

pub const DMABUF_VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";
pub const COMPOSITING_VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// A variable to set to `1`, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RendererChoice {
    pub var: &'static str,
    pub reason: &'static str,
}

/// What to set, or `None` to leave WebKit's choice alone.
pub fn renderer_choice(
    user_chose: bool,
    has_render_node: bool,
    nvidia_driver: bool,
) -> Option<RendererChoice> {
    if user_chose {
        None
    } else if !has_render_node {
        Some(RendererChoice {
            var: COMPOSITING_VAR,
            reason: "no GPU render node (/dev/dri/renderD*): WebKit draws in software, and its \
                     composited paths would copy or stall every frame",
        })
    } else if nvidia_driver {
        Some(RendererChoice {
            var: DMABUF_VAR,
            reason: "NVIDIA's proprietary driver: the DMA-BUF renderer is known to open blank \
                     windows with it",
        })
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

/// Sets the variable [`renderer_choice`] picks. Call first thing, before any thread starts.
/// Returns the choice, to be logged once logging is up.
pub fn choose_renderer() -> Option<RendererChoice> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let choice = renderer_choice(
        std::env::var_os(DMABUF_VAR).is_some() || std::env::var_os(COMPOSITING_VAR).is_some(),
        has_render_node(Path::new("/dev/dri")),
        Path::new("/proc/driver/nvidia/version").exists(),
    )?;
    std::env::set_var(choice.var, "1");
    Some(choice)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_users_own_choice_always_stands() {
        for (gpu, nvidia) in [(false, false), (true, true), (true, false)] {
            assert_eq!(renderer_choice(true, gpu, nvidia), None);
        }
    }

    #[test]
    fn without_a_gpu_compositing_is_off_and_with_nvidia_dmabuf_is() {
        assert_eq!(
            renderer_choice(false, false, false).unwrap().var,
            COMPOSITING_VAR
        );
        assert_eq!(renderer_choice(false, true, true).unwrap().var, DMABUF_VAR);
        assert_eq!(renderer_choice(false, true, false), None);
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
