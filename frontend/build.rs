//! The splitter (`wasm_split_cli_support`, run by `cargo xtask site`) reads the linker's
//! relocations to tell which code each lazy page needs, so the browser module keeps them.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg-cdylib=--emit-relocs");
    }
}
