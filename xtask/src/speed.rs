//! `cargo xtask speed`: what a driver on a phone waits for. The release bundle's size, then the
//! release server in sandbox mode (with the exchange's real ~700 ms answers) opened in Chromium on
//! the "Slow 4G" profile with a 4× slower CPU: first paint, interactive, first loads on screen,
//! medians of five cold and five warm visits, and which of the bundle's files (lazy chunks too) the
//! list page fetched. Prints figures; asserts nothing.

use std::process::Command;

use crate::{
    Result, build_dir, cargo, root, setup, sh, site,
    test::{RunningServer, free_port, wait_until_alive},
};

pub fn measure() -> Result {
    setup::for_tests()?;
    let bundle = site::build()?;
    sh(cargo().args([
        "build",
        "--release",
        "--package",
        "server",
        "--bin",
        "hauler",
    ]))?;

    let port = free_port()?;
    let data_dir = root().join("target/speed-data");
    let _ = std::fs::remove_dir_all(&data_dir);
    let server = Command::new(build_dir("release/hauler"))
        .current_dir(root())
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env("HAULER_MODE", "sandbox")
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("DATA_DIR", &data_dir)
        .env("SITE_ROOT", site::root_dir())
        .env("RUST_LOG", "warn")
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let server = RunningServer(server);
    let base_url = format!("http://127.0.0.1:{port}");
    wait_until_alive(&base_url)?;

    let report = root().join("target/speed.json");
    let _ = std::fs::remove_file(&report);
    sh(Command::new("npx")
        .args(["playwright", "test", "--config", "speed.config.ts"])
        .current_dir(root().join("end2end"))
        .env("BASE_URL", &base_url)
        .env("SPEED_REPORT", &report))?;
    drop(server);

    let figures: serde_json::Value = std::fs::read_to_string(&report)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .ok_or("the speed run wrote no figures")?;
    // What the list page really downloads: the bundle's own files plus any lazy chunk it fetched.
    let fetched: Vec<&str> = figures["cold"]["pkgFiles"]
        .as_array()
        .map(|files| files.iter().filter_map(|f| f.as_str()).collect())
        .unwrap_or_default();
    let chunks: Vec<&str> = fetched
        .iter()
        .copied()
        .filter(|file| bundle.chunk_gzipped(file).is_some())
        .collect();
    let chunk_bytes: u64 = chunks.iter().filter_map(|f| bundle.chunk_gzipped(f)).sum();
    println!(
        "\nspeed: driver first page {:.1} KB gzipped (wasm + js + css + chunk loader {:.1} KB, lazy chunks {:.1} KB: {})",
        (bundle.total_gzipped() + chunk_bytes) as f64 / 1024.0,
        bundle.total_gzipped() as f64 / 1024.0,
        chunk_bytes as f64 / 1024.0,
        if chunks.is_empty() {
            "none".to_string()
        } else {
            chunks.join(", ")
        }
    );
    println!(
        "speed: files the list page fetched from /pkg: {}",
        fetched.join(", ")
    );
    for kind in ["cold", "warm"] {
        let f = &figures[kind];
        println!(
            "speed: Slow 4G, 4x CPU, {kind} cache (median of {}): page arrived {} ms, first contentful paint {} ms, interactive {} ms, first loads on screen {} ms, {} KB transferred",
            f["visits"],
            f["pageArrivedMs"],
            f["firstContentfulPaintMs"],
            f["interactiveMs"],
            f["firstLoadsMs"],
            f["transferredKb"]
        );
    }
    Ok(())
}
