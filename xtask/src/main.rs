//! The project's build driver, standing in for cargo-leptos (whose tool downloads fail offline):
//!
//! - `cargo xtask run`: set up what is missing, build the site and the server, serve on the
//!   embedded default (SQLite, in-process store, sandbox upstreams).
//! - `cargo xtask test`: set up what is missing, run every test (unit, integration over HTTP,
//!   browser end-to-end, Schemathesis on the published OpenAPI documents), and say which backends
//!   each part ran against.
//! - `cargo xtask contracts`: Schemathesis alone, against the server `cargo test` built.
//! - `cargo xtask site`: build the browser bundle only and print its size.
//! - `cargo xtask bench --drivers N --seconds S`: simulated drivers against Hauler and against a
//!   naive per-driver cache (release build), ending in one `bench: key=value …` line;
//!   `cargo xtask bench --cabinet` times what the cabinet proxy adds instead; `--places` counts
//!   what the searches by place cost the exchange against the ordinary lists of the same cities.
//! - `cargo xtask dist [--debug]`: the release artefact, `target/dist/hauler-linux-x86_64.tar.gz`
//!   (the binary, the site and the docs; no toolchain), which the `Dockerfile` copies.
//! - `cargo xtask smoke`: the production smoke test alone, against the debug binary and site
//!   already built (`cargo build -p server --bin hauler`, `cargo xtask site`).
//! - `cargo xtask speed`: the driver pages' first paint, interactive and first loads on Chromium's
//!   "Slow 4G" profile, and the bundle size.

mod contracts;
mod dist;
mod precompress;
mod production;
mod setup;
mod site;
mod speed;
mod test;

use std::{
    path::PathBuf,
    process::{Command, ExitCode},
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("run") => run(),
        Some("test") => test::all(),
        Some("contracts") => contracts::alone(),
        Some("site") => setup::for_build().and_then(|()| site::build().map(drop)),
        Some("bench") => bench(&args[1..]),
        Some("speed") => speed::measure(),
        Some("dist") => dist::build(&args[1..]),
        Some("smoke") => production::alone(&args[1..]),
        _ => Err(
            "usage: cargo xtask <run | test | contracts | site | speed | dist [--debug] | smoke [--release] | bench [--drivers N] [--seconds S] [--accounts N] [--greedy N] | bench --cabinet | bench --places [--drivers N]>"
                .into(),
        ),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::FAILURE
        }
    }
}

pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (the parent of this crate's folder).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .into()
}

/// Where cargo puts what it builds: `CARGO_TARGET_DIR` when set (a relative one from the
/// workspace), `target/` otherwise. What xtask itself makes (the site, the tarball, logs) stays in
/// the workspace's `target/`.
pub fn build_dir(path: &str) -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .filter(|dir| !dir.is_empty())
        .map_or_else(|| root().join("target"), |dir| root().join(dir));
    dir.join(path)
}

/// Runs a command to completion, failing with its name when it fails.
pub fn sh(command: &mut Command) -> Result {
    let status = command
        .status()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root());
    command
}

fn bench(args: &[String]) -> Result {
    let mut command = cargo();
    command.args([
        "run",
        "--release",
        "--quiet",
        "--package",
        "server",
        "--bin",
        "hauler-bench",
        "--",
    ]);
    sh(command.args(args))
}

fn run() -> Result {
    setup::for_build()?;
    site::build()?;
    sh(cargo().args(["build", "--package", "server", "--bin", "hauler"]))?;
    println!("\nHauler starts on http://127.0.0.1:3000 (sandbox mode; Ctrl-C stops it)\n");
    let status = Command::new(build_dir("debug/hauler"))
        .current_dir(root())
        .env("SITE_ROOT", site::root_dir())
        .status()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the server stopped ({status})"))
    }
}
