//! `cargo xtask dist`: the release artefact an operator deploys, `target/dist/hauler-linux-x86_64.tar.gz`,
//! holding everything Hauler needs at run time and nothing to build it with (no Node, no Rust):
//!
//! ```text
//! hauler/bin/hauler     the release binary (migrations inside)
//! hauler/site/          the browser bundles, the stylesheet, static files, telegram-web-app.js
//! hauler/.env.example   every variable, its default and an example
//! hauler/README.md      the guide, deployment included
//! ```
//!
//! The `Dockerfile` at the root only copies this tarball onto a slim Debian. `--debug` packs the
//! debug binary instead (the production smoke test in CI does, so that CI needs no second, release
//! build of every crate); anything deployed is made without it.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use crate::{Result, build_dir, cargo, root, setup, sh, site};

/// The tarball's name, which the `Dockerfile` copies.
pub const TARBALL: &str = "hauler-linux-x86_64.tar.gz";

/// How the binary inside was built.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Release,
    /// The binary `cargo test` built: for the smoke test only.
    Debug,
}

impl Profile {
    pub fn name(self) -> &'static str {
        match self {
            Self::Release => "release",
            Self::Debug => "debug",
        }
    }
}

/// `cargo xtask dist [--debug]`: builds what is missing and packs it.
pub fn build(args: &[String]) -> Result {
    let profile = match args {
        [] => Profile::Release,
        [flag] if flag == "--debug" => Profile::Debug,
        _ => return Err("usage: cargo xtask dist [--debug]".into()),
    };
    setup::for_build()?;
    site::build()?;
    let mut build = cargo();
    build.args(["build", "--package", "server", "--bin", "hauler"]);
    if profile == Profile::Release {
        build.arg("--release");
    }
    sh(&mut build)?;
    let tarball = pack(profile)?;
    println!("dist: {}", tarball.display());
    Ok(())
}

/// Packs the built binary and site into [`TARBALL`] under `target/dist/`; returns its path.
pub fn pack(profile: Profile) -> Result<PathBuf> {
    let binary = build_dir(match profile {
        Profile::Release => "release/hauler",
        Profile::Debug => "debug/hauler",
    });
    if !binary.is_file() {
        return Err(format!("{} is missing: build it first", binary.display()));
    }
    let dist = root().join("target/dist");
    let staging = dist.join("hauler");
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(staging.join("bin"))
        .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
    copy(&binary, &staging.join("bin/hauler"))?;
    copy_tree(&site::root_dir(), &staging.join("site"))?;
    for file in [".env.example", "README.md"] {
        copy(&root().join(file), &staging.join(file))?;
    }
    let tarball = dist.join(TARBALL);
    // Debug binaries are large and never deployed: fast compression is enough for them.
    let level = match profile {
        Profile::Release => "-9",
        Profile::Debug => "-1",
    };
    sh(Command::new("tar")
        .arg("--create")
        .arg("--file")
        .arg(&tarball)
        .arg(format!("--use-compress-program=gzip {level}"))
        .arg("--owner=0")
        .arg("--group=0")
        .arg("--directory")
        .arg(&dist)
        .arg("hauler"))?;
    fs::remove_dir_all(&staging)
        .map_err(|e| format!("cannot remove {}: {e}", staging.display()))?;
    let size = fs::metadata(&tarball).map(|m| m.len()).unwrap_or(0);
    println!(
        "dist: {} ({:.1} MB, {} binary)",
        tarball.display(),
        size as f64 / 1_048_576.0,
        profile.name()
    );
    Ok(tarball)
}

fn copy(from: &Path, to: &Path) -> Result {
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

fn copy_tree(from: &Path, to: &Path) -> Result {
    fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries = fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_tree(&path, &target)?;
        } else {
            copy(&path, &target)?;
        }
    }
    Ok(())
}
