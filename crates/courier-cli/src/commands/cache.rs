//! `courier cache stats|ls|rm|clean`: what the store holds, and cleaning it.

use std::process::ExitCode;
use std::time::SystemTime;

use courier_cache::entry::Priority;
use courier_cache::store::{CacheStore, CleanFilter, MatchFilter};

use crate::cli::{CacheArgs, CacheCommand, PriorityArg};
use crate::store_location;

pub(crate) async fn run(args: CacheArgs) -> anyhow::Result<ExitCode> {
    let store = store_location::open(&args.store).await?;
    let now = SystemTime::now();
    match args.command {
        CacheCommand::Stats => {
            let entries = store.get_matching(&MatchFilter::new(), now).await?;
            let bytes: usize = entries.iter().map(|entry| entry.body.len()).sum();
            println!("store     {}", store.location());
            println!("entries   {}", entries.len());
            println!("bytes     {bytes} (bodies)");
            for priority in [Priority::High, Priority::Normal, Priority::Low] {
                let (count, bytes) = entries
                    .iter()
                    .filter(|entry| entry.metadata.priority == priority)
                    .fold((0, 0), |(count, bytes), entry| {
                        (count + 1, bytes + entry.body.len())
                    });
                println!(
                    "{:<9} {count} entries, {bytes} bytes",
                    format!("{priority:?}").to_lowercase()
                );
            }
        }
        CacheCommand::Ls { path } => {
            let filter = match path {
                Some(glob) => MatchFilter::new().path_glob(glob),
                None => MatchFilter::new(),
            };
            let mut entries = store.get_matching(&filter, now).await?;
            entries.sort_by(|a, b| a.metadata.key.cmp(&b.metadata.key));
            println!("{:>5} {:>10} {:>12}  KEY", "STATUS", "BYTES", "STORED");
            for entry in &entries {
                let age = now
                    .duration_since(entry.metadata.response_time)
                    .map_or_else(|_| "-".to_owned(), |age| format!("{} s ago", age.as_secs()));
                println!(
                    "{:>6} {:>10} {:>12}  {}",
                    entry.metadata.status,
                    entry.body.len(),
                    age,
                    entry.metadata.key
                );
            }
        }
        CacheCommand::Rm { key } => {
            if store.delete(&key).await? {
                println!("removed {key}");
            } else {
                eprintln!("no entry {key}");
                store.close().await.ok();
                return Ok(ExitCode::from(1));
            }
        }
        CacheCommand::Clean { expired, priority } => {
            let filter = CleanFilter {
                priority_at_most: priority.map(|priority| match priority {
                    PriorityArg::Low => Priority::Low,
                    PriorityArg::Normal => Priority::Normal,
                    PriorityArg::High => Priority::High,
                }),
                only_expired: expired,
            };
            let removed = store.clean(filter, now).await?;
            println!("removed {removed} entries");
        }
    }
    store.close().await.ok();
    Ok(ExitCode::SUCCESS)
}
