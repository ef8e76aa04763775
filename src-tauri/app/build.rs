//! Tauri's build step (reads tauri.conf.json, embeds the capabilities and icons).
fn main() {
    tauri_build::build()
}
