//! Which store the CLI uses: `--store`, `COURIER_STORE`, or an SQLite database in the
//! user's cache directory (so a second identical `courier get` is served from cache).

use anyhow::Context;
use courier_cache::store::Store;

use crate::cli::StoreArgs;

/// The default store's location: `sqlite:<cache dir>/courier/http-cache.sqlite` (e.g.
/// `~/.cache/courier/` on Linux), or `file:` in the temporary directory when the platform
/// names no cache directory.
pub(crate) fn default_location() -> String {
    let directory = directories::ProjectDirs::from("dev", "courier", "courier")
        .map(|dirs| dirs.cache_dir().to_path_buf())
        .unwrap_or_else(|| std::env::temp_dir().join("courier-cache"));
    format!("sqlite:{}", directory.join("http-cache.sqlite").display())
}

/// Opens the store the arguments name (creating the default's directory).
pub(crate) async fn open(args: &StoreArgs) -> anyhow::Result<Store> {
    let location = match &args.store {
        Some(location) => location.clone(),
        None => {
            let location = default_location();
            if let Some(path) = location.strip_prefix("sqlite:")
                && let Some(parent) = std::path::Path::new(path).parent()
            {
                std::fs::create_dir_all(parent).with_context(|| {
                    format!("could not create the cache directory {}", parent.display())
                })?;
            }
            location
        }
    };
    Ok(Store::open(&location).await?)
}
