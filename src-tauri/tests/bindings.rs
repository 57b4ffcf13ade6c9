//! `ui/src/bindings.ts` must match the Rust types: regenerate with
//! `cargo run -p squirrel --bin export-bindings` after changing a command or a type.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn committed_bindings_are_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("bindings.ts");
    squirrel_lib::export_bindings(&fresh).unwrap();
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    let committed = std::fs::read_to_string(committed).unwrap();
    assert!(
        committed == std::fs::read_to_string(fresh).unwrap(),
        "ui/src/bindings.ts is stale: run `cargo run -p squirrel --bin export-bindings`"
    );
}
