//! `RedbStore` beyond the shared contract: eviction order, size accounting, reopening, a
//! second process on the same file, and damaged data (feature `redb`).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use courier_cache::entry::encoding::{self, BodyDigest};
use courier_cache::entry::{CacheEntry, EntryMetadata, Priority};
use courier_cache::store::{CacheStore, CleanFilter, MatchFilter, RedbStore, StoreErrorKind};
use redb::{Database, ReadableTable, TableDefinition};

/// The store's tables, as its docs describe them.
const METADATA: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("metadata");
const BODIES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("bodies");

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn entry(key: &str, body_len: usize) -> CacheEntry {
    let mut meta = EntryMetadata::new(
        key,
        http::Method::GET,
        format!("https://r.test/{key}"),
        200,
        now(),
    );
    meta.expires_at = Some(now() + Duration::from_secs(3600));
    CacheEntry::new(meta, vec![key.len() as u8; body_len])
}

/// What `entry` counts for: key, detached frame and body.
fn size_of(entry: &CacheEntry) -> u64 {
    let frame = encoding::encode_detached(&entry.metadata, BodyDigest::of(&entry.body)).unwrap();
    (entry.key().len() + frame.len() + entry.body.len()) as u64
}

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("cache.redb")
}

async fn present(store: &RedbStore, keys: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for key in keys {
        if store.get(key, now()).await.unwrap().is_some() {
            found.push((*key).to_owned());
        }
    }
    found
}

#[tokio::test]
async fn eviction_removes_the_least_recently_used_first() {
    let dir = tempfile::tempdir().unwrap();
    let one = size_of(&entry("a", 1000));
    let store = RedbStore::builder(db_path(&dir))
        .max_bytes(one * 3)
        .build()
        .await
        .unwrap();
    for key in ["a", "b", "c"] {
        store.set(entry(key, 1000)).await.unwrap();
    }
    // Reading `a` makes `b` the least recently used.
    assert!(store.get("a", now()).await.unwrap().is_some());
    store.set(entry("d", 1000)).await.unwrap();
    assert!(!store.exists("b", now()).await.unwrap());
    assert_eq!(store.total_bytes().await.unwrap(), one * 3);

    // Freshening counts as a use too: `c` is now the oldest.
    store.update_metadata(entry("a", 0).metadata).await.unwrap();
    store.update_metadata(entry("d", 0).metadata).await.unwrap();
    store.set(entry("e", 1000)).await.unwrap();
    assert_eq!(
        present(&store, &["a", "c", "d", "e"]).await,
        ["a", "d", "e"]
    );
}

/// Reads only, then `close` (or a drop of the last handle): the uses are written then.
async fn order_of_reads_survives_a_reopen(close: bool) {
    let dir = tempfile::tempdir().unwrap();
    let one = size_of(&entry("a", 1000));
    let open = || RedbStore::builder(db_path(&dir)).max_bytes(one * 3).build();
    let store = open().await.unwrap();
    for key in ["a", "b", "c"] {
        store.set(entry(key, 1000)).await.unwrap();
    }
    assert!(store.get("a", now()).await.unwrap().is_some());
    assert!(store.get("b", now()).await.unwrap().is_some());
    if close {
        store.close().await.unwrap();
    } else {
        drop(store);
    }

    let store = open().await.unwrap();
    store.set(entry("d", 1000)).await.unwrap();
    assert_eq!(
        present(&store, &["a", "b", "c", "d"]).await,
        ["a", "b", "d"]
    );
}

#[tokio::test]
async fn the_order_of_reads_survives_close_and_reopen() {
    order_of_reads_survives_a_reopen(true).await;
}

#[tokio::test]
async fn the_order_of_reads_survives_dropping_the_store() {
    order_of_reads_survives_a_reopen(false).await;
}

#[tokio::test]
async fn an_entry_larger_than_the_cap_never_evicts_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let one = size_of(&entry("a", 1000));
    let store = RedbStore::builder(db_path(&dir))
        .max_bytes(one * 3)
        .max_entry_bytes(one)
        .build()
        .await
        .unwrap();
    store.set(entry("a", 1000)).await.unwrap();
    store.set(entry("b", 1000)).await.unwrap();
    store.set(entry("b", 1001)).await.unwrap();
    assert_eq!(present(&store, &["a", "b"]).await, ["a"]);
    assert_eq!(store.total_bytes().await.unwrap(), one);
}

#[tokio::test]
async fn total_size_is_exact_after_overwrites_updates_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::open(db_path(&dir)).await.unwrap();
    let big = entry("k", 10_000);
    let other = entry("other", 300);
    store.set(big.clone()).await.unwrap();
    store.set(other.clone()).await.unwrap();
    assert_eq!(
        store.total_bytes().await.unwrap(),
        size_of(&big) + size_of(&other)
    );

    let small = entry("k", 10);
    store.set(small.clone()).await.unwrap();
    assert_eq!(
        store.total_bytes().await.unwrap(),
        size_of(&small) + size_of(&other)
    );

    // A longer metadata frame over the same body.
    let mut freshened = small.metadata.clone();
    freshened.headers.insert(
        "etag",
        http::HeaderValue::from_static("\"a-longer-validator\""),
    );
    assert!(store.update_metadata(freshened.clone()).await.unwrap());
    let updated = CacheEntry::new(freshened, small.body.clone());
    assert_eq!(
        store.total_bytes().await.unwrap(),
        size_of(&updated) + size_of(&other)
    );

    assert!(store.delete("k").await.unwrap());
    assert_eq!(store.total_bytes().await.unwrap(), size_of(&other));
    assert_eq!(
        store
            .delete_matching(&MatchFilter::new().path_prefix("/other"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.total_bytes().await.unwrap(), 0);

    store.set(entry("x", 5)).await.unwrap();
    assert_eq!(store.clean(CleanFilter::all(), now()).await.unwrap(), 1);
    assert_eq!(store.total_bytes().await.unwrap(), 0);
}

#[tokio::test]
async fn reopening_keeps_entries_size_and_limits_apply_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::open(db_path(&dir)).await.unwrap();
    let entries: Vec<CacheEntry> = (0..5).map(|i| entry(&format!("k{i}"), 500 * i)).collect();
    for e in &entries {
        store.set(e.clone()).await.unwrap();
    }
    let total = store.total_bytes().await.unwrap();
    // Dropping the last handle releases the file, also with a read snapshot shared.
    assert!(store.get("k1", now()).await.unwrap().is_some());
    drop(store);

    let store = RedbStore::open(db_path(&dir)).await.unwrap();
    assert_eq!(store.total_bytes().await.unwrap(), total);
    for e in &entries {
        assert_eq!(store.get(e.key(), now()).await.unwrap().as_ref(), Some(e));
    }
    store.close().await.unwrap();

    // A smaller cap on the next open evicts, least recently used first.
    let cap = size_of(&entries[4]) + size_of(&entries[3]);
    let store = RedbStore::builder(db_path(&dir))
        .max_bytes(cap)
        .build()
        .await
        .unwrap();
    assert!(store.total_bytes().await.unwrap() <= cap);
    assert_eq!(
        present(&store, &["k0", "k1", "k2", "k3", "k4"]).await,
        ["k3", "k4"]
    );
}

#[tokio::test]
async fn clean_by_deadline_and_priority_updates_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::open(db_path(&dir)).await.unwrap();
    let mut kept = 0;
    for i in 0..30u64 {
        let mut e = entry(&format!("k{i}"), 100);
        e.metadata.expires_at = match i % 3 {
            0 => None,
            1 => Some(now() - Duration::from_secs(i)),
            _ => Some(now() + Duration::from_secs(i)),
        };
        e.metadata.priority = if i % 2 == 0 {
            Priority::High
        } else {
            Priority::Low
        };
        if i % 3 != 1 {
            kept += size_of(&e);
        }
        store.set(e).await.unwrap();
    }
    assert_eq!(
        store.clean(CleanFilter::expired(), now()).await.unwrap(),
        10
    );
    assert_eq!(store.total_bytes().await.unwrap(), kept);
    let low = CleanFilter {
        priority_at_most: Some(Priority::Low),
        only_expired: false,
    };
    assert_eq!(store.clean(low, now()).await.unwrap(), 10);
    assert_eq!(store.clean(CleanFilter::all(), now()).await.unwrap(), 10);
    assert_eq!(store.total_bytes().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_see_every_write_that_returned_before_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = RedbStore::open(db_path(&dir)).await.unwrap();
    for round in 0..20u8 {
        let mut e = entry("k", 10 + usize::from(round));
        e.metadata.status = 200 + u16::from(round);
        store.set(e.clone()).await.unwrap();
        // Reads share a snapshot between writes; each write must retire it.
        assert_eq!(store.get("k", now()).await.unwrap(), Some(e.clone()));
        assert_eq!(store.get("k", now()).await.unwrap(), Some(e));
        assert!(store.exists("k", now()).await.unwrap());
    }
    let mut fresher = entry("k", 0).metadata;
    fresher.status = 299;
    assert!(store.update_metadata(fresher).await.unwrap());
    assert_eq!(
        store
            .get("k", now())
            .await
            .unwrap()
            .unwrap()
            .metadata
            .status,
        299
    );
    assert!(store.delete("k").await.unwrap());
    assert!(store.get("k", now()).await.unwrap().is_none());
    assert!(!store.exists("k", now()).await.unwrap());
}

#[tokio::test]
async fn a_second_store_in_this_process_is_unavailable_until_the_first_closes() {
    let dir = tempfile::tempdir().unwrap();
    let first = RedbStore::open(db_path(&dir)).await.unwrap();
    first.set(entry("k", 10)).await.unwrap();
    // A read leaves a shared snapshot behind, which close must let go of too.
    assert!(first.get("k", now()).await.unwrap().is_some());
    let err = RedbStore::open(db_path(&dir)).await.unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Unavailable, "{err:?}");

    let clone = first.clone();
    first.close().await.unwrap();
    let err = clone.get("k", now()).await.unwrap_err();
    assert!(err.is_closed(), "{err:?}");
    let second = RedbStore::open(db_path(&dir)).await.unwrap();
    assert!(second.get("k", now()).await.unwrap().is_some());
}

/// Set by `another_process_holding_the_file_makes_open_unavailable` for its child.
const HOLD_ENV: &str = "COURIER_REDB_TEST_HOLD";
const READY: &str = "courier-redb-test: holding the file";

/// Not a test on its own: run as a child process by the test below (with `HOLD_ENV` set),
/// it opens the store, says so on stdout, and holds the file until its stdin closes.
#[tokio::test]
async fn child_process_holding_the_file() {
    let Some(path) = std::env::var_os(HOLD_ENV) else {
        return;
    };
    let store = RedbStore::open(PathBuf::from(path)).await.unwrap();
    println!("{READY}");
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await
    .unwrap();
    store.close().await.unwrap();
}

#[tokio::test]
async fn another_process_holding_the_file_makes_open_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process_holding_the_file",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HOLD_ENV, &path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the child's output on a thread to its end (so its last lines never hit a closed
    // pipe), and hear when it holds the file.
    let stdout = child.stdout.take().unwrap();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // libtest may print the test's name on the same line first.
            if line.trim_end().ends_with(READY) {
                let _ = ready_tx.send(());
            }
        }
    });
    // Guards against a hang, not timing assertions.
    if let Err(err) = ready_rx.recv_timeout(Duration::from_secs(120)) {
        let _ = child.kill();
        panic!("the child never held the file ({err}): {:?}", child.wait());
    }

    // The open must fail rather than wait for the lock.
    let opened = tokio::time::timeout(Duration::from_secs(60), RedbStore::open(&path)).await;
    let err = opened
        .expect("open waited for the lock instead of failing")
        .unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Unavailable, "{err:?}");
    assert!(err.to_string().contains("cache.redb"), "{err}");

    drop(child.stdin.take()); // lets the child close its store and exit
    assert!(child.wait().unwrap().success());
    let store = RedbStore::open(&path).await.unwrap();
    store.set(entry("k", 1)).await.unwrap();
}

/// Closes nothing: `path` must not be open. Applies `damage` to the stored values.
fn damage(
    path: &Path,
    damage: impl FnOnce(&mut redb::Table<'_, &str, &[u8]>, &mut redb::Table<'_, &str, &[u8]>),
) {
    let db = Database::open(path).unwrap();
    let txn = db.begin_write().unwrap();
    {
        let mut metadata = txn.open_table(METADATA).unwrap();
        let mut bodies = txn.open_table(BODIES).unwrap();
        damage(&mut metadata, &mut bodies);
    }
    txn.commit().unwrap();
}

fn value(table: &redb::Table<'_, &str, &[u8]>, key: &str) -> Vec<u8> {
    table.get(key).unwrap().unwrap().value().to_vec()
}

/// Stores `k` and `other`, closes, damages the values, reopens; then checks `k` is a miss,
/// its rows are gone and the total counts only `other`.
async fn assert_damage_is_a_miss(
    damage_values: impl FnOnce(&mut redb::Table<'_, &str, &[u8]>, &mut redb::Table<'_, &str, &[u8]>),
) {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = RedbStore::open(&path).await.unwrap();
    let other = entry("other", 100);
    store.set(entry("k", 1000)).await.unwrap();
    store.set(other.clone()).await.unwrap();
    store.close().await.unwrap();
    damage(&path, damage_values);

    let store = RedbStore::open(&path).await.unwrap();
    assert!(store.get("k", now()).await.unwrap().is_none());
    assert!(
        !store.exists("k", now()).await.unwrap(),
        "the damaged entry was not deleted"
    );
    assert_eq!(store.total_bytes().await.unwrap(), size_of(&other));
    assert_eq!(store.get("other", now()).await.unwrap(), Some(other));
    store.close().await.unwrap();

    let db = Database::open(&path).unwrap();
    let txn = db.begin_read().unwrap();
    assert!(
        txn.open_table(METADATA)
            .unwrap()
            .get("k")
            .unwrap()
            .is_none()
    );
    assert!(txn.open_table(BODIES).unwrap().get("k").unwrap().is_none());
}

#[tokio::test]
async fn a_flipped_bit_in_the_metadata_is_a_miss_and_is_deleted() {
    assert_damage_is_a_miss(|metadata, _| {
        let mut frame = value(metadata, "k");
        frame[20] ^= 0x10;
        metadata.insert("k", frame.as_slice()).unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_flipped_bit_in_the_body_is_a_miss_and_is_deleted() {
    assert_damage_is_a_miss(|_, bodies| {
        let mut body = value(bodies, "k");
        body[500] ^= 0x01;
        bodies.insert("k", body.as_slice()).unwrap();
    })
    .await;
}

#[tokio::test]
async fn truncated_values_are_a_miss_and_are_deleted() {
    assert_damage_is_a_miss(|metadata, _| {
        let frame = value(metadata, "k");
        metadata.insert("k", &frame[..frame.len() - 3]).unwrap();
    })
    .await;
    assert_damage_is_a_miss(|_, bodies| {
        let body = value(bodies, "k");
        bodies.insert("k", &body[..999]).unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_frame_of_a_future_format_version_is_a_miss_and_is_deleted() {
    assert_damage_is_a_miss(|metadata, _| {
        let mut frame = value(metadata, "k");
        frame[4] = encoding::FORMAT_VERSION + 1;
        metadata.insert("k", frame.as_slice()).unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_frame_under_another_key_or_a_missing_body_is_a_miss() {
    assert_damage_is_a_miss(|metadata, _| {
        let frame = value(metadata, "other");
        metadata.insert("k", frame.as_slice()).unwrap();
    })
    .await;
    assert_damage_is_a_miss(|_, bodies| {
        bodies.remove("k").unwrap();
    })
    .await;
}

#[tokio::test]
async fn damaged_entries_met_by_get_matching_are_skipped_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = RedbStore::open(&path).await.unwrap();
    store.set(entry("good", 10)).await.unwrap();
    store.set(entry("bad-body", 10)).await.unwrap();
    store.set(entry("bad-frame", 10)).await.unwrap();
    store.close().await.unwrap();
    damage(&path, |metadata, bodies| {
        bodies.insert("bad-body", &b"0123456789"[..]).unwrap();
        metadata.insert("bad-frame", &b"CRCE"[..]).unwrap();
    });

    let store = RedbStore::open(&path).await.unwrap();
    let found = store
        .get_matching(&MatchFilter::new(), now())
        .await
        .unwrap();
    let keys: Vec<&str> = found.iter().map(CacheEntry::key).collect();
    assert_eq!(keys, ["good"]);
    assert!(!store.exists("bad-body", now()).await.unwrap());
    assert!(!store.exists("bad-frame", now()).await.unwrap());
    assert_eq!(
        store.total_bytes().await.unwrap(),
        size_of(&entry("good", 10))
    );
}

#[tokio::test]
async fn update_metadata_of_a_damaged_entry_deletes_it_and_reports_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = RedbStore::open(&path).await.unwrap();
    store.set(entry("k", 10)).await.unwrap();
    store.close().await.unwrap();
    damage(&path, |metadata, _| {
        metadata.insert("k", &b"garbage"[..]).unwrap();
    });
    let store = RedbStore::open(&path).await.unwrap();
    assert!(!store.update_metadata(entry("k", 0).metadata).await.unwrap());
    assert!(!store.exists("k", now()).await.unwrap());
    assert_eq!(store.total_bytes().await.unwrap(), 0);
}

/// A valid redb file of a few pages, to truncate.
async fn real_database_bytes(dir: &tempfile::TempDir) -> Vec<u8> {
    let path = dir.path().join("real.redb");
    let store = RedbStore::open(&path).await.unwrap();
    for i in 0..200 {
        store.set(entry(&format!("k{i}"), 2000)).await.unwrap();
    }
    store.close().await.unwrap();
    std::fs::read(&path).unwrap()
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let real = real_database_bytes(&dir).await;
    let mut noise = vec![0u8; 64 * 1024];
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for byte in &mut noise {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *byte = x as u8;
    }
    let mut bad_header = real.clone();
    for byte in &mut bad_header[8..200] {
        *byte ^= 0x5a;
    }
    let garbage: [(&str, Vec<u8>); 7] = [
        ("random", noise),
        ("zeros", vec![0; 64 * 1024]),
        ("text", b"GET / HTTP/1.1\r\n\r\n".to_vec()),
        ("header", bad_header),
        ("truncated-100", real[..100].to_vec()),
        ("truncated-4k", real[..4096].to_vec()),
        ("truncated-half", real[..real.len() / 2].to_vec()),
    ];
    for (name, bytes) in garbage {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let err = RedbStore::open(&path).await.unwrap_err();
        assert!(
            matches!(err.kind(), StoreErrorKind::Corrupt | StoreErrorKind::Io),
            "{name}: {err:?}"
        );
        assert!(err.to_string().contains(name), "{name}: {err}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name} was modified");
    }
}

#[tokio::test]
async fn a_directory_at_the_path_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = RedbStore::open(dir.path()).await.unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Io, "{err:?}");
}
