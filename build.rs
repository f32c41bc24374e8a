// embed_migrations! and include_dir! read migrations/ at compile time; a new or
// edited migration must trigger a rebuild.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
