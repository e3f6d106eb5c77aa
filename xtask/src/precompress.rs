//! Every file of the site the server sends as text or WASM is compressed here, once, at build
//! time and at the highest settings: `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip -9)
//! beside it. The server holds them and sends the form a browser accepts; nothing it serves from
//! the site is compressed per request (on-the-fly brotli is larger and costs milliseconds of CPU
//! per download).

use std::{
    fs,
    io::Write,
    path::{Path, PathBuf},
};

use crate::Result;

/// Files sent compressed; anything else (images, fonts) is already as small as it gets.
const COMPRESSIBLE: [&str; 8] = [
    "js",
    "wasm",
    "css",
    "json",
    "svg",
    "html",
    "txt",
    "webmanifest",
];

/// Compresses every compressible file under `dir` (again, if it changed): `(file, raw, brotli)`
/// sizes of each.
pub fn site(dir: &Path) -> Result<Vec<(PathBuf, u64, u64)>> {
    let mut sizes = Vec::new();
    for path in files(dir)? {
        let compressible = path
            .extension()
            .and_then(|ext| ext.to_str())
            .is_some_and(|ext| COMPRESSIBLE.contains(&ext));
        if compressible {
            let (raw, br) = compress(&path)?;
            sizes.push((path, raw, br));
        }
    }
    Ok(sizes)
}

/// Writes `<file>.br` and `<file>.gz`; the raw and brotli sizes.
fn compress(path: &Path) -> Result<(u64, u64)> {
    let raw = fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut raw.as_slice(), &mut br, &params)
        .map_err(|e| format!("brotli {}: {e}", path.display()))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let gz = gz
        .write_all(&raw)
        .and_then(|()| gz.finish())
        .map_err(|e| format!("gzip {}: {e}", path.display()))?;
    let beside = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    fs::write(beside(".br"), &br)
        .map_err(|e| format!("cannot write {}.br: {e}", path.display()))?;
    fs::write(beside(".gz"), &gz)
        .map_err(|e| format!("cannot write {}.gz: {e}", path.display()))?;
    Ok((raw.len() as u64, br.len() as u64))
}

/// Every file under `dir`, but the compressed forms themselves.
fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            found.extend(files(&path)?);
        } else if !matches!(
            path.extension().and_then(|ext| ext.to_str()),
            Some("br" | "gz")
        ) {
            found.push(path);
        }
    }
    Ok(found)
}
