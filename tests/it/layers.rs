//! The layer diagram at the top of `src/lib.rs` is the rule: every
//! `crate::` import in a module's non-test code points to its own layer or
//! one below. Read from the source files themselves, so a new import that
//! climbs fails here, naming the file and the import.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Layer of each top-level module, from the diagram (0 = top).
fn layers(lib: &str) -> HashMap<String, usize> {
    let diagram = lib
        .split("//! ```text")
        .nth(1)
        .and_then(|rest| rest.split("//! ```").next())
        .expect("src/lib.rs has a ```text layer diagram");
    let mut rank = HashMap::new();
    let mut layer = 0;
    for line in diagram.lines().map(|l| l.trim_start_matches("//!")) {
        if line.trim().is_empty() {
            continue;
        }
        // A line starting with a layer's name opens it; an indented one
        // continues the layer above. The modules are the words before the
        // description (at most one space apart, optional `/` and `.rs`).
        let continued = line.starts_with("   ");
        if !continued && !rank.is_empty() {
            layer += 1;
        }
        let text = line.trim();
        let modules = if continued {
            text
        } else {
            text.split_once(' ')
                .map_or("", |(_, rest)| rest.trim_start())
        };
        let modules = modules.split("  ").next().unwrap_or_default();
        for word in modules.split([',', ' ']).filter(|w| !w.is_empty()) {
            let name = word.trim_end_matches('/').trim_end_matches(".rs");
            rank.insert(name.to_string(), layer);
        }
    }
    rank
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_import_points_down_the_layer_diagram() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rank = layers(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    for module in [
        "cli", "commands", "plan", "history", "engine", "records", "error",
    ] {
        assert!(rank.contains_key(module), "{module} missing from {rank:?}");
    }
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut climbs = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let text = std::fs::read_to_string(file).unwrap();
        // Up to the test module (a lone #[cfg(test)] item is code too).
        let code = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        let mut used: Vec<&str> = code
            .match_indices("crate::")
            .map(|(at, _)| &code[at + "crate::".len()..])
            .map(|rest| {
                rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
            })
            .map(Option::unwrap_or_default)
            .collect();
        for group in code.split("use crate::{").skip(1) {
            let inside = group.split('}').next().unwrap_or_default();
            used.extend(
                inside
                    .split(',')
                    .map(|i| i.trim().split("::").next().unwrap_or("")),
            );
        }
        let Some(&own) = rank.get(&top) else {
            climbs.push(format!(
                "{}: module {top} is not in the diagram",
                relative.display()
            ));
            continue;
        };
        for module in used {
            if module != top && rank.get(module).is_some_and(|&r| r < own) {
                climbs.push(format!("{}: {top} imports {module}", relative.display()));
            }
        }
    }
    assert!(
        climbs.is_empty(),
        "imports that climb:\n{}",
        climbs.join("\n")
    );
}
