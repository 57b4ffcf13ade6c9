//! `cargo run -p squirrel --bin export-bindings` regenerates ui/src/bindings.ts.

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    match squirrel_lib::export_bindings(&path) {
        Ok(()) => println!("wrote {}", path.display()),
        Err(e) => {
            eprintln!("could not export the bindings: {e}");
            std::process::exit(1);
        }
    }
}
