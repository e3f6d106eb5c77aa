//! Builds the site the server serves: the browser bundles (release WASM, wasm-bindgen, wasm-opt),
//! the stylesheet, the static files and Telegram's official `telegram-web-app.js`, the bundles'
//! JavaScript and stylesheets and the drivers' pages' inline script minified (esbuild), each
//! precompressed (brotli q11 and gzip -9) for the server to send as it is.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use sha2::{Digest, Sha256};
use wasm_bindgen_cli_support::Bindgen;

use crate::{Result, build_dir, cargo, root, sh};

mod short_imports;

pub fn root_dir() -> PathBuf {
    root().join("target/site")
}

/// A bundle's files, as `(name, raw bytes, gzipped bytes)`.
pub struct BundleSize {
    pub name: &'static str,
    /// What every page downloads: the main module, its JS, the stylesheet (and, when split, the
    /// chunk loader).
    pub files: Vec<(String, u64, u64)>,
    /// The lazily loaded chunks, each with the routes' split points that need it.
    pub chunks: Vec<(String, u64, u64, Vec<String>)>,
}

struct Bundle {
    name: &'static str,
    package: &'static str,
    out_name: &'static str,
    css: &'static str,
    /// The script its pages inline in their `<head>`, if any: minified to `boot.js` beside the
    /// stylesheet, which the server inlines instead of the script as written.
    boot: Option<&'static str>,
    /// Whether its lazy routes are split into chunks of their own.
    split: bool,
}

/// The two browser bundles: the drivers' Mini App, whose pages past the first load lazily, and
/// the admin dashboard, which drivers never download.
const BUNDLES: [Bundle; 2] = [
    Bundle {
        name: "driver",
        package: "frontend",
        out_name: "hauler",
        css: "style/main.css",
        boot: Some("app/src/boot/boot.js"),
        split: true,
    },
    Bundle {
        name: "admin",
        package: "admin-frontend",
        out_name: "admin",
        css: "style/admin.css",
        boot: None,
        split: false,
    },
];

/// The chunk loader's name: leptos's `HydrationScripts` links it under exactly this name when a
/// server-rendered page needs a chunk (cargo-leptos puts a content hash in the underscores).
const SPLIT_LOADER: &str = "__wasm_split.______________________.js";
/// The drivers' pages' inline script, minified, under the name the server reads it by.
const BOOT_SCRIPT: &str = "boot.js";
/// Which chunks each split point needs; the server reads it to preload a page's chunks.
const SPLIT_MANIFEST: &str = "__wasm_split_manifest.json";

/// The browser bundles' own cargo folder, beside the native builds': `cargo xtask test` builds
/// the bundles and the tests at the same time, and one cargo would wait for the other's lock on
/// a shared folder. Nothing is built twice for it: the bundles' profile shares no artefact with
/// the native ones.
fn wasm_build_dir(path: &str) -> PathBuf {
    build_dir("wasm").join(path)
}

/// Builds both bundles; returns the drivers' (the one a phone waits for).
pub fn build() -> Result<BundleSize> {
    // One cargo run each: built together, cargo would unify their dependencies' features, and the
    // dashboard's hydration (tachys `hydrate`) would come into the drivers' bundle, which renders
    // rather than hydrates (15 % of its module).
    for spec in &BUNDLES {
        sh(cargo().env("CARGO_TARGET_DIR", wasm_build_dir("")).args([
            "build",
            "--package",
            spec.package,
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
        ]))?;
    }
    let site = root_dir();
    let staging = site.join("pkg.building");
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging)
        .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
    let mut sizes = Vec::new();
    for spec in &BUNDLES {
        sizes.push(bundle(&staging, spec)?);
    }
    let build = publish(&staging, &site.join("pkg"))?;
    copy_dir(&root().join("public"), &site)?;
    copy(
        &root().join("end2end/node_modules/@twa-dev/sdk/dist/telegram-web-apps.js"),
        &site.join("telegram-web-app.js"),
    )?;
    let compressed = crate::precompress::site(&site)?;
    for size in &sizes {
        size.print();
    }
    let first_load: u64 = sizes[0]
        .files
        .iter()
        .filter_map(|(name, ..)| {
            let path = build.join(name);
            compressed.iter().find(|(file, ..)| *file == path)
        })
        .map(|(_, _, br)| br)
        .sum();
    println!(
        "site: {} files precompressed (brotli q11, gzip -9); the drivers' first load as delivered: {:.1} KB brotli",
        compressed.len(),
        kb(first_load)
    );
    Ok(sizes.swap_remove(0))
}

/// Moves the built files to `pkg/<build>/`, `<build>` a hash of their content, and writes that
/// name to `pkg/build` for the server. A new build is a new address, so browsers may keep every
/// file for good and never mix one build's module with another's page.
fn publish(staging: &Path, pkg: &Path) -> Result<PathBuf> {
    let build = content_hash(staging)?;
    let _ = fs::remove_dir_all(pkg);
    fs::create_dir_all(pkg).map_err(|e| format!("cannot create {}: {e}", pkg.display()))?;
    fs::rename(staging, pkg.join(&build))
        .map_err(|e| format!("cannot move the build to {}: {e}", pkg.display()))?;
    fs::write(pkg.join("build"), &build).map_err(|e| format!("cannot write pkg/build: {e}"))?;
    println!("site: build {build}");
    Ok(pkg.join(build))
}

/// The first 64 bits of a SHA-256 over every file's name and content, in name order, as hex.
fn content_hash(dir: &Path) -> Result<String> {
    let mut names: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .map(|entry| entry.map(|entry| entry.path()).map_err(|e| e.to_string()))
        .collect::<Result<_>>()?;
    names.sort();
    let mut hash = Sha256::new();
    for path in &names {
        let content = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        hash.update(path.file_name().unwrap_or_default().as_encoded_bytes());
        hash.update((content.len() as u64).to_le_bytes());
        hash.update(&content);
    }
    Ok(hash.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn bundle(pkg: &Path, spec: &Bundle) -> Result<BundleSize> {
    let linked = wasm_build_dir(&format!(
        "wasm32-unknown-unknown/wasm-release/{}.wasm",
        spec.package.replace('-', "_")
    ));
    let (wasm, chunks) = if spec.split {
        split(&linked, pkg, spec.out_name)?
    } else {
        (linked, Vec::new())
    };
    Bindgen::new()
        .input_path(&wasm)
        .out_name(spec.out_name)
        .web(true)
        .map_err(|e| e.to_string())?
        .typescript(false)
        // The chunks link against the main module's memory, table and functions by these exports.
        .keep_lld_exports(spec.split)
        .remove_name_section(true)
        .remove_producers_section(true)
        .generate(pkg)
        .map_err(|e| format!("wasm-bindgen: {e}"))?;
    short_imports::shorten(
        &pkg.join(format!("{}_bg.wasm", spec.out_name)),
        &pkg.join(format!("{}.js", spec.out_name)),
        spec.out_name,
    )?;
    optimize(&pkg.join(format!("{}_bg.wasm", spec.out_name)))?;
    for (chunk, _) in &chunks {
        optimize(&pkg.join(chunk))?;
    }
    copy(
        &root().join(spec.css),
        &pkg.join(format!("{}.css", spec.out_name)),
    )?;
    let mut scripts = vec![
        format!("{}.js", spec.out_name),
        format!("{}.css", spec.out_name),
    ];
    if spec.split {
        scripts.push(SPLIT_LOADER.to_string());
    }
    if let Some(boot) = spec.boot {
        copy(&root().join(boot), &pkg.join(BOOT_SCRIPT))?;
        scripts.push(BOOT_SCRIPT.to_string());
    }
    minify(pkg, &scripts)?;
    let sized = |file: String| {
        let path = pkg.join(&file);
        let (raw, gz) = (file_len(&path), gzipped_len(&path));
        (file, raw, gz)
    };
    let mut files = vec![
        format!("{}_bg.wasm", spec.out_name),
        format!("{}.js", spec.out_name),
        format!("{}.css", spec.out_name),
    ];
    if spec.split {
        files.push(SPLIT_LOADER.to_string());
    }
    Ok(BundleSize {
        name: spec.name,
        files: files.into_iter().map(sized).collect(),
        chunks: chunks
            .into_iter()
            .map(|(file, needed_by)| {
                let (file, raw, gz) = sized(file);
                (file, raw, gz, needed_by)
            })
            .collect(),
    })
}

/// A chunk's file name, and the split points that need it.
type Chunk = (String, Vec<String>);

/// Cuts the linked module at its `#[lazy]` split points: the chunks and the loader go to `pkg`
/// (a fresh folder each build), the main module (still to go through wasm-bindgen) next to the
/// linked one, which it returns with the chunks' file names and the split points that need each.
fn split(linked: &Path, pkg: &Path, out_name: &str) -> Result<(PathBuf, Vec<Chunk>)> {
    let input = fs::read(linked).map_err(|e| format!("cannot read {}: {e}", linked.display()))?;
    let main = linked.with_extension("split.wasm");
    let main_module = format!("./{out_name}.js");
    let link_name = format!("./{SPLIT_LOADER}");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = pkg;
    options.main_out_path = &main;
    options.main_module = &main_module;
    options.link_name = &link_name;
    let split =
        wasm_split_cli_support::transform(options).map_err(|e| format!("wasm-split: {e:?}"))?;
    let manifest = serde_json::to_string_pretty(&split.prefetch_map).map_err(|e| e.to_string())?;
    fs::write(pkg.join(SPLIT_MANIFEST), manifest)
        .map_err(|e| format!("cannot write the split manifest: {e}"))?;
    let mut chunks: Vec<Chunk> = split
        .split_modules
        .iter()
        .filter_map(|path| path.file_name())
        .map(|file| {
            let file = file.to_string_lossy().into_owned();
            let stem = file.trim_end_matches(".wasm");
            let mut needed_by: Vec<String> = split
                .prefetch_map
                .iter()
                .filter(|(_, files)| files.iter().any(|f| f == stem))
                .map(|(point, _)| point.clone())
                .collect();
            needed_by.sort();
            (file, needed_by)
        })
        .collect();
    chunks.sort();
    Ok((main, chunks))
}

impl BundleSize {
    /// What the first page downloads, whatever page it is: the chunks come on top, per page.
    pub fn total_gzipped(&self) -> u64 {
        self.files.iter().map(|(_, _, gz)| gz).sum()
    }

    /// A chunk's gzipped size, by file name.
    pub fn chunk_gzipped(&self, file: &str) -> Option<u64> {
        self.chunks
            .iter()
            .find(|(name, ..)| name == file)
            .map(|(_, _, gz, _)| *gz)
    }

    fn print(&self) {
        println!("site: {} bundle (release)", self.name);
        for (name, raw, gz) in &self.files {
            println!(
                "  {name:<40} {:>8.1} KB raw  {:>7.1} KB gzipped",
                kb(*raw),
                kb(*gz)
            );
        }
        println!(
            "  {:<40} {:>28.1} KB gzipped",
            "total before any chunk",
            kb(self.total_gzipped())
        );
        for (name, raw, gz, needed_by) in &self.chunks {
            println!(
                "  {name:<40} {:>8.1} KB raw  {:>7.1} KB gzipped  lazy, for {}",
                kb(*raw),
                kb(*gz),
                needed_by.join(", ")
            );
        }
    }
}

fn kb(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
}

/// A command-line tool from `end2end/`'s npm packages, or `None` (said, with what is skipped
/// without it) when they are not installed: the bundle still works without it, only larger.
fn npm_tool(name: &str, skipping: &str) -> Option<Command> {
    let tool = root().join("end2end/node_modules/.bin").join(name);
    if tool.exists() {
        Some(Command::new(tool))
    } else {
        println!("site: {name} not found, skipping {skipping}");
        None
    }
}

/// wasm-opt from the npm `binaryen` package.
fn optimize(wasm: &Path) -> Result {
    let Some(mut wasm_opt) = npm_tool("wasm-opt", "size optimisation") else {
        return Ok(());
    };
    sh(wasm_opt
        .args(SIZE_PASSES)
        .args(WASM_FEATURES)
        .arg(wasm)
        .arg("-o")
        .arg(wasm))
}

/// Tuned for the compressed size, which is what a phone downloads. `-Oz` and inlining a function
/// into its only caller shrink the raw module but grow the compressed one by a tenth: Rust's
/// monomorphised copies compress well as separate functions and no longer do once merged or
/// inlined into different callers (measured: 255.6 KB gzipped with `-Oz`, 232.2 KB with these).
/// Local common-subexpression elimination is skipped for the same reason: the temporaries it
/// introduces make look-alike functions differ (the drivers' main module: 209.6 KB brotli with
/// it, 208.5 KB without).
const SIZE_PASSES: [&str; 5] = [
    "-Os",
    "--one-caller-inline-max-function-size",
    "0",
    "--skip-pass",
    "local-cse",
];

/// Minifies a bundle's JavaScript and stylesheets in place, in one run of esbuild (whitespace,
/// local names, syntax; every export kept): wasm-bindgen's glue shrinks from 8.7 KB to 6.9 KB
/// brotli.
fn minify(pkg: &Path, files: &[String]) -> Result {
    let Some(mut esbuild) = npm_tool("esbuild", "minification") else {
        return Ok(());
    };
    sh(esbuild
        .current_dir(pkg)
        .args(files)
        .args(["--minify", "--allow-overwrite", "--log-level=warning"])
        // wasm-bindgen's glue names the chunk loader once per import it makes of it (the same
        // module each time, so whichever entry wins is the same object).
        .arg("--log-override:duplicate-object-key=silent")
        .arg("--outdir=."))
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
