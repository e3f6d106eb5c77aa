//! Installs what a fresh machine lacks and skips what is already there, so a second run is fast.

use std::{path::Path, process::Command};

use crate::{Result, root, sh};

/// Everything `run` and `site` need: the wasm target and the npm packages (Telegram's script,
/// wasm-opt).
pub fn for_build() -> Result {
    wasm_target()?;
    npm_packages()
}

/// Everything `test` needs on top: Chromium for the browser tests, Redis for the outage tests.
pub fn for_tests() -> Result {
    for_build()?;
    let mut missing = Vec::new();
    if !Path::new("/usr/bin/chromium").exists() {
        missing.push("chromium");
    }
    if !on_path("redis-server") {
        missing.push("redis-server");
    }
    apt_install(&missing)
}

/// The production smoke test's balancer (nginx, terminating TLS) and certificate maker.
pub fn for_smoke() -> Result {
    let mut missing = Vec::new();
    if !on_path("nginx") && !Path::new("/usr/sbin/nginx").exists() {
        missing.push("nginx-light");
    }
    if !on_path("openssl") {
        missing.push("openssl");
    }
    apt_install(&missing)
}

fn wasm_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is needed: {e}"))?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|t| t == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    println!("setup: adding the wasm32-unknown-unknown target");
    sh(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn npm_packages() -> Result {
    let end2end = root().join("end2end");
    let lock = end2end.join("package-lock.json");
    let installed = end2end.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&installed)) {
        (Ok(lock), Ok(installed)) => installed.modified().ok() >= lock.modified().ok(),
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    println!("setup: installing npm packages in end2end/");
    sh(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&end2end))
}

fn apt_install(packages: &[&str]) -> Result {
    if packages.is_empty() {
        return Ok(());
    }
    println!("setup: installing {} with apt-get", packages.join(", "));
    let as_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut command = if as_root {
            Command::new("apt-get")
        } else {
            Command::new("sudo")
        };
        if !as_root {
            command.arg("apt-get");
        }
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    sh(&mut apt(&["update", "-qq"]))?;
    let mut install = apt(&["install", "-y", "-qq", "--no-install-recommends"]);
    sh(install.args(packages))
}

pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}
