//! Short names for what a module imports from its own JavaScript glue. wasm-bindgen names each
//! such import after what it calls plus a hash (`__wbg_addEventListener_90e553fdce254421`) and
//! writes the name twice, in the module's import section and as a key of the glue's import object,
//! under the glue's module name (`./hauler_bg.js`) repeated for each: hashes no compressor can
//! shrink. Each import is renamed to one or two letters in both places, and the module to `w`
//! (measured on the drivers' first load: 226 imports, 5.2 KB less once brotli-compressed).
//!
//! Imports from other modules (the chunk loader's) keep their names: those are real exports of
//! other files.

use std::{fs, path::Path};

use crate::Result;

/// The glue's module name once shortened.
const SHORT_MODULE: &str = "w";

/// Renames the imports `wasm` takes from `glue` (`<out_name>.js`, which names itself
/// `./<out_name>_bg.js` to the module), in both files, in place. Run before wasm-opt and the
/// minifier: the names they see are already the short ones.
pub fn shorten(wasm: &Path, glue: &Path, out_name: &str) -> Result {
    let mut module = walrus::ModuleConfig::new()
        .generate_producers_section(false)
        .parse_file(wasm)
        .map_err(|e| format!("cannot read {}: {e}", wasm.display()))?;
    let mut js =
        fs::read_to_string(glue).map_err(|e| format!("cannot read {}: {e}", glue.display()))?;
    let glue_module = format!("./{out_name}_bg.js");
    let mut renamed = 0;
    for import in module.imports.iter_mut() {
        if import.module != glue_module {
            continue;
        }
        let short = short_name(renamed);
        js = replace_the_one(&js, &import.name, &short)?;
        import.module = SHORT_MODULE.to_owned();
        import.name = short;
        renamed += 1;
    }
    js = replace_the_one(
        &js,
        &format!("\"{glue_module}\""),
        &format!("\"{SHORT_MODULE}\""),
    )?;
    module
        .emit_wasm_file(wasm)
        .map_err(|e| format!("cannot write {}: {e}", wasm.display()))?;
    fs::write(glue, js).map_err(|e| format!("cannot write {}: {e}", glue.display()))
}

/// `a` to `Z`, then `aa`, `ab`, …: a name JavaScript takes unquoted as an object's key.
fn short_name(index: usize) -> String {
    const LETTERS: &[u8; 52] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = Vec::new();
    let mut rest = index;
    loop {
        name.push(LETTERS[rest % LETTERS.len()]);
        match (rest / LETTERS.len()).checked_sub(1) {
            Some(next) => rest = next,
            None => break,
        }
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII letters")
}

/// `text` with its one occurrence of `token` (not part of a longer name) replaced. Any other
/// count means the glue no longer has the shape this was written for: the build stops rather
/// than ship a module whose imports the glue does not provide.
fn replace_the_one(text: &str, token: &str, with: &str) -> Result<String> {
    let part_of_a_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let found: Vec<usize> = text
        .match_indices(token)
        .map(|(at, _)| at)
        .filter(|&at| {
            let before = text[..at].chars().next_back();
            let after = text[at + token.len()..].chars().next();
            !before.is_some_and(part_of_a_name) && !after.is_some_and(part_of_a_name)
        })
        .collect();
    match found[..] {
        [at] => Ok(format!(
            "{}{with}{}",
            &text[..at],
            &text[at + token.len()..]
        )),
        _ => Err(format!(
            "the JavaScript glue names `{token}` {} times, not once: wasm-bindgen's output changed shape",
            found.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_run_through_the_letters_then_pairs() {
        assert_eq!(short_name(0), "a");
        assert_eq!(short_name(51), "Z");
        assert_eq!(short_name(52), "aa");
        assert_eq!(short_name(53), "ab");
        assert_eq!(short_name(52 + 52 * 52), "aaa");
        let names: std::collections::HashSet<String> = (0..3000).map(short_name).collect();
        assert_eq!(names.len(), 3000, "every import has a name of its own");
    }

    #[test]
    fn only_the_whole_name_is_replaced() {
        let glue = "{__wbg_set_1:function(){},__wbg_set_12:function(){}}";
        assert_eq!(
            replace_the_one(glue, "__wbg_set_1", "a").unwrap(),
            "{a:function(){},__wbg_set_12:function(){}}"
        );
    }

    #[test]
    fn a_name_the_glue_lacks_or_repeats_stops_the_build() {
        assert!(replace_the_one("{a:1}", "__wbg_gone", "b").is_err());
        assert!(replace_the_one("x(__wbg_twice);y(__wbg_twice)", "__wbg_twice", "b").is_err());
    }
}
