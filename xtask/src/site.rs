//! Builds the site the server serves: the hydrate bundle (release WASM, wasm-bindgen, wasm-opt),
//! the stylesheet, the static files and Telegram's official `telegram-web-app.js`.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use wasm_bindgen_cli_support::Bindgen;

use crate::{Result, cargo, root, sh};

pub fn root_dir() -> PathBuf {
    root().join("target/site")
}

pub struct BundleSize {
    pub name: &'static str,
    pub files: Vec<(String, u64, u64)>,
}

/// The two browser bundles: the drivers' Mini App, and the admin dashboard, which drivers never
/// download.
const BUNDLES: [(&str, &str, &str, &str); 2] = [
    ("driver", "frontend", "hauler", "style/main.css"),
    ("admin", "admin-frontend", "admin", "style/admin.css"),
];

/// Builds both bundles; returns the drivers' (the one a phone waits for).
pub fn build() -> Result<BundleSize> {
    sh(cargo().args([
        "build",
        "--package",
        "frontend",
        "--package",
        "admin-frontend",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
    ]))?;
    let site = root_dir();
    let pkg = site.join("pkg");
    fs::create_dir_all(&pkg).map_err(|e| format!("cannot create {}: {e}", pkg.display()))?;
    let mut sizes = Vec::new();
    for (name, package, out_name, css) in BUNDLES {
        sizes.push(bundle(&pkg, name, package, out_name, css)?);
    }
    copy_dir(&root().join("public"), &site)?;
    copy(
        &root().join("end2end/node_modules/@twa-dev/sdk/dist/telegram-web-apps.js"),
        &site.join("telegram-web-app.js"),
    )?;
    for size in &sizes {
        size.print();
    }
    Ok(sizes.swap_remove(0))
}

fn bundle(
    pkg: &Path,
    name: &'static str,
    package: &str,
    out_name: &str,
    css: &str,
) -> Result<BundleSize> {
    let wasm = root().join(format!(
        "target/wasm32-unknown-unknown/wasm-release/{}.wasm",
        package.replace('-', "_")
    ));
    Bindgen::new()
        .input_path(&wasm)
        .out_name(out_name)
        .web(true)
        .map_err(|e| e.to_string())?
        .typescript(false)
        .remove_name_section(true)
        .remove_producers_section(true)
        .generate(pkg)
        .map_err(|e| format!("wasm-bindgen: {e}"))?;
    optimize(&pkg.join(format!("{out_name}_bg.wasm")))?;
    copy(&root().join(css), &pkg.join(format!("{out_name}.css")))?;
    Ok(BundleSize {
        name,
        files: [
            format!("{out_name}_bg.wasm"),
            format!("{out_name}.js"),
            format!("{out_name}.css"),
        ]
        .into_iter()
        .map(|file| {
            let path = pkg.join(&file);
            let (raw, gz) = (file_len(&path), gzipped_len(&path));
            (file, raw, gz)
        })
        .collect(),
    })
}

impl BundleSize {
    pub fn total_gzipped(&self) -> u64 {
        self.files.iter().map(|(_, _, gz)| gz).sum()
    }

    fn print(&self) {
        println!("site: {} bundle (release)", self.name);
        for (name, raw, gz) in &self.files {
            println!(
                "  {name:<16} {:>8.1} KB raw  {:>7.1} KB gzipped",
                kb(*raw),
                kb(*gz)
            );
        }
        println!(
            "  {:<16} {:>28.1} KB gzipped",
            "total",
            kb(self.total_gzipped())
        );
    }
}

fn kb(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}

/// wasm-opt from the npm `binaryen` package; the bundle still works without it, only larger.
fn optimize(wasm: &Path) -> Result {
    let wasm_opt = root().join("end2end/node_modules/.bin/wasm-opt");
    if !wasm_opt.exists() {
        println!("site: wasm-opt not found, skipping size optimisation");
        return Ok(());
    }
    sh(Command::new(wasm_opt)
        .arg("-Oz")
        .args(WASM_FEATURES)
        .arg(wasm)
        .arg("-o")
        .arg(wasm))
}

/// The features rustc enables by default for wasm32-unknown-unknown.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

fn copy(from: &Path, to: &Path) -> Result {
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("cannot copy {}: {e}", from.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    for entry in fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            fs::create_dir_all(&target).map_err(|e| e.to_string())?;
            copy_dir(&entry.path(), &target)?;
        } else if entry.file_name() != ".gitkeep" {
            copy(&entry.path(), &target)?;
        }
    }
    Ok(())
}

fn file_len(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn gzipped_len(path: &Path) -> u64 {
    Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .map(|out| out.stdout.len() as u64)
        .unwrap_or(0)
}
