//! Tauri's build step: generates the context (config, capabilities, icons) the app embeds.

fn main() {
    tauri_build::build();
}
