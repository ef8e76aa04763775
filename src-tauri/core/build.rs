//! Rebuilds the core when a migration is added or changed: `sqlx::migrate!` embeds them at compile time, and
//! cargo does not otherwise know to look at the migrations folder.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
