// embed_migrations! and include_dir! read migrations/ at compile time; a new or
// edited migration must trigger a rebuild. `--version` names what is embedded.
use std::fs;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let mut versions: Vec<String> = fs::read_dir("migrations/postgres")
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.split('_').next().map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    versions.sort();
    println!(
        "cargo:rustc-env=BXM_EMBEDDED=embedded migrations: {}, newest {}",
        versions.len(),
        versions.last().map(String::as_str).unwrap_or("none")
    );
}
