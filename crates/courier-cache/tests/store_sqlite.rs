//! `SqliteStore` beyond the shared contract: eviction order, size accounting, reopening,
//! unreadable rows (corrupted directly with rusqlite), files that are not a cache, and
//! several processes sharing one database.
//!
//! The multi-process test re-runs this test binary as its children: each runs only
//! `child_process`, which acts as a writer and reader when [`CHILD_ENV`] is set and does
//! nothing otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use courier_cache::cipher::XChaCha20Poly1305Cipher;
use courier_cache::entry::encoding::FORMAT_VERSION;
use courier_cache::entry::{CacheEntry, EntryMetadata, Priority};
use courier_cache::store::{CacheStore, MatchFilter, SqliteStore, StoreErrorKind};
use http::{HeaderValue, Method};
use rusqlite::Connection;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn entry(key: &str, body: impl Into<bytes::Bytes>) -> CacheEntry {
    let mut meta = EntryMetadata::new(
        key,
        Method::GET,
        format!("https://s.test/{key}"),
        200,
        now(),
    );
    meta.expires_at = Some(now() + Duration::from_secs(3600));
    CacheEntry::new(meta, body)
}

fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("cache.sqlite")
}

async fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path).await.unwrap()
}

/// A connection of the test's own, beside the store's (WAL allows both).
fn raw(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

/// The store's bookkeeping agrees with its rows: the total is the sum of sizes, and every
/// entry has exactly its one body.
fn assert_consistent(conn: &Connection) {
    let sum = count(conn, "SELECT coalesce(sum(size), 0) FROM entries");
    assert_eq!(count(conn, "SELECT bytes FROM totals"), sum, "totals.bytes");
    assert_eq!(
        count(conn, "SELECT count(*) FROM bodies"),
        count(conn, "SELECT count(DISTINCT body_id) FROM entries"),
        "orphaned or shared bodies"
    );
    assert_eq!(
        count(
            conn,
            "SELECT count(*) FROM entries WHERE body_id NOT IN (SELECT id FROM bodies)"
        ),
        0,
        "entries without a body"
    );
}

/// Makes every entry look last used `minutes` earlier than recorded: hits only record a
/// use of an entry last used over a minute ago.
fn age_entries(path: &Path, minutes: i64) {
    raw(path)
        .execute(
            "UPDATE entries SET last_access = last_access - ?1",
            [minutes * 60 * 1_000_000_000],
        )
        .unwrap();
}

async fn size_of_one(dir: &tempfile::TempDir, key: &str, body: &[u8]) -> u64 {
    let probe = open(&dir.path().join(format!("probe-{key}.sqlite"))).await;
    probe.set(entry(key, body.to_vec())).await.unwrap();
    probe.total_bytes().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eviction_follows_last_access() {
    let dir = tempfile::tempdir().unwrap();
    let one = size_of_one(&dir, "a", &[1; 1000]).await;
    let store = SqliteStore::builder(db_path(&dir))
        .max_bytes(one * 3)
        .build()
        .await
        .unwrap();
    for key in ["a", "b", "c"] {
        store.set(entry(key, vec![1; 1000])).await.unwrap();
    }
    age_entries(&db_path(&dir), 2);
    assert!(store.get("a", now()).await.unwrap().is_some());
    store.set(entry("d", vec![1; 1000])).await.unwrap();
    assert!(
        !store.exists("b", now()).await.unwrap(),
        "b was least recently used"
    );
    for key in ["a", "c", "d"] {
        assert!(store.exists(key, now()).await.unwrap(), "{key}");
    }
    assert!(store.total_bytes().await.unwrap() <= one * 3);

    // update_metadata counts as a use too.
    let mut meta = entry("c", "").metadata;
    meta.status = 203;
    assert!(store.update_metadata(meta).await.unwrap());
    store.set(entry("e", vec![1; 1000])).await.unwrap();
    assert!(
        !store.exists("a", now()).await.unwrap(),
        "a was least recently used"
    );
    for key in ["c", "d", "e"] {
        assert!(store.exists(key, now()).await.unwrap(), "{key}");
    }
    assert_consistent(&raw(&db_path(&dir)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_entry_larger_than_the_cap_empties_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let one = size_of_one(&dir, "a", &[1; 1000]).await;
    let store = SqliteStore::builder(db_path(&dir))
        .max_bytes(one * 2)
        .max_entry_bytes(u64::MAX)
        .build()
        .await
        .unwrap();
    store.set(entry("a", vec![1; 1000])).await.unwrap();
    store.set(entry("b", vec![1; 1000])).await.unwrap();
    store.set(entry("big", vec![1; 1500])).await.unwrap();
    assert!(!store.exists("a", now()).await.unwrap());
    assert!(store.exists("big", now()).await.unwrap());
    assert!(store.total_bytes().await.unwrap() <= one * 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sizes_are_accounted_through_overwrite_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&db_path(&dir)).await;
    let conn = raw(&db_path(&dir));
    store.set(entry("k", vec![7; 5000])).await.unwrap();
    let big = store.total_bytes().await.unwrap();
    assert!(big > 5000, "{big}");
    store.set(entry("k", vec![7; 100])).await.unwrap();
    let small = store.total_bytes().await.unwrap();
    // 4900 body bytes, and a byte less for the shorter length in the metadata.
    assert_eq!(big - small, 4901, "the overwritten body no longer counts");
    assert_consistent(&conn);

    store.set(entry("other", vec![1; 300])).await.unwrap();
    let mut meta = entry("k", "").metadata;
    meta.headers
        .insert("x-longer", HeaderValue::from_static("some more metadata"));
    store.update_metadata(meta).await.unwrap();
    assert!(store.total_bytes().await.unwrap() > small + 300);
    assert_consistent(&conn);

    assert!(store.delete("k").await.unwrap());
    assert!(store.delete("other").await.unwrap());
    assert_eq!(store.total_bytes().await.unwrap(), 0);
    assert_eq!(count(&conn, "SELECT count(*) FROM bodies"), 0);
    assert_consistent(&conn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_entry_is_declined_and_replaces_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::builder(db_path(&dir))
        .max_entry_bytes(1000)
        .build()
        .await
        .unwrap();
    store.set(entry("k", "small")).await.unwrap();
    store.set(entry("k", vec![0; 1001])).await.unwrap();
    assert!(store.get("k", now()).await.unwrap().is_none());
    // Under the body limit, but not with the metadata counted.
    store.set(entry("k", "small")).await.unwrap();
    store.set(entry("k", vec![0; 990])).await.unwrap();
    assert!(store.get("k", now()).await.unwrap().is_none());
    assert_eq!(store.total_bytes().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_keeps_entries_and_recency() {
    let dir = tempfile::tempdir().unwrap();
    let one = size_of_one(&dir, "a", b"body").await;
    let build = || {
        SqliteStore::builder(db_path(&dir))
            .max_bytes(one * 3)
            .build()
    };
    let store = build().await.unwrap();
    for key in ["a", "b", "c"] {
        store.set(entry(key, "body")).await.unwrap();
    }
    age_entries(&db_path(&dir), 2);
    assert!(store.get("a", now()).await.unwrap().is_some());
    let total = store.total_bytes().await.unwrap();
    store.close().await.unwrap();

    let reopened = build().await.unwrap();
    assert_eq!(reopened.total_bytes().await.unwrap(), total);
    assert_eq!(
        reopened.get("c", now()).await.unwrap().unwrap(),
        entry("c", "body")
    );
    reopened.set(entry("d", "body")).await.unwrap();
    assert!(
        !reopened.exists("b", now()).await.unwrap(),
        "the access to a before closing was kept, so b is the oldest"
    );
    assert!(reopened.exists("a", now()).await.unwrap());
    drop(reopened);

    // Dropping without close keeps entries too.
    let again = build().await.unwrap();
    assert!(again.exists("d", now()).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hits_write_nothing_until_a_batch_is_due() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&db_path(&dir)).await;
    for i in 0..64 {
        store.set(entry(&format!("k{i}"), "body")).await.unwrap();
    }
    let observer = raw(&db_path(&dir));
    let version = |conn: &Connection| -> i64 {
        conn.query_row("PRAGMA data_version", [], |row| row.get(0))
            .unwrap()
    };
    let before = version(&observer);
    for i in 0..64 {
        assert!(store.get(&format!("k{i}"), now()).await.unwrap().is_some());
    }
    assert_eq!(
        version(&observer),
        before,
        "hits on entries used less than a minute ago record nothing"
    );

    age_entries(&db_path(&dir), 2);
    let before = version(&observer);
    for i in 0..63 {
        assert!(store.get(&format!("k{i}"), now()).await.unwrap().is_some());
        assert!(store.get("k0", now()).await.unwrap().is_some());
    }
    assert_eq!(version(&observer), before, "a hit wrote to the database");
    assert!(store.get("k63", now()).await.unwrap().is_some());
    assert_ne!(
        version(&observer),
        before,
        "64 keys' accesses are written together"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_metadata_never_writes_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&db_path(&dir)).await;
    store.set(entry("k", vec![3; 100_000])).await.unwrap();
    let conn = raw(&db_path(&dir));
    conn.execute_batch(
        "CREATE TABLE body_writes (what TEXT);
         CREATE TRIGGER body_updated AFTER UPDATE ON bodies BEGIN
             INSERT INTO body_writes VALUES ('update');
         END;
         CREATE TRIGGER body_inserted AFTER INSERT ON bodies BEGIN
             INSERT INTO body_writes VALUES ('insert');
         END;
         CREATE TRIGGER body_deleted AFTER DELETE ON bodies BEGIN
             INSERT INTO body_writes VALUES ('delete');
         END;",
    )
    .unwrap();
    let body_id = count(&conn, "SELECT body_id FROM entries WHERE key = 'k'");
    let mut meta = entry("k", "").metadata;
    meta.status = 203;
    meta.priority = Priority::High;
    assert!(store.update_metadata(meta).await.unwrap());
    assert_eq!(count(&conn, "SELECT count(*) FROM body_writes"), 0);
    assert_eq!(
        count(&conn, "SELECT body_id FROM entries WHERE key = 'k'"),
        body_id
    );
    let hit = store.get("k", now()).await.unwrap().unwrap();
    assert_eq!((hit.metadata.status, hit.body.len()), (203, 100_000));
}

/// Rewrites one column of `key`'s row (or its body row) with `change`.
fn corrupt(conn: &Connection, key: &str, column: &str, change: impl FnOnce(&mut Vec<u8>)) {
    let (table, id_sql) = match column {
        "metadata" => ("entries", "SELECT rowid FROM entries WHERE key = ?1"),
        "data" => ("bodies", "SELECT body_id FROM entries WHERE key = ?1"),
        _ => unreachable!(),
    };
    let id: i64 = conn.query_row(id_sql, [key], |row| row.get(0)).unwrap();
    let mut bytes: Vec<u8> = conn
        .query_row(
            &format!("SELECT {column} FROM {table} WHERE rowid = ?1"),
            [id],
            |row| row.get(0),
        )
        .unwrap();
    change(&mut bytes);
    conn.execute(
        &format!("UPDATE {table} SET {column} = ?2 WHERE rowid = ?1"),
        (id, bytes),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_rows_are_misses_and_are_deleted() {
    type Damage = Box<dyn Fn(&Connection, &str)>;
    let damages: Vec<(&str, Damage)> = vec![
        (
            "flipped metadata byte",
            Box::new(|conn, key| corrupt(conn, key, "metadata", |b| b[20] ^= 0x10)),
        ),
        (
            "flipped body byte",
            Box::new(|conn, key| corrupt(conn, key, "data", |b| b[500] ^= 0x01)),
        ),
        (
            "truncated metadata",
            Box::new(|conn, key| corrupt(conn, key, "metadata", |b| b.truncate(b.len() - 3))),
        ),
        (
            "truncated body",
            Box::new(|conn, key| corrupt(conn, key, "data", |b| b.truncate(b.len() / 2))),
        ),
        (
            "future format version",
            Box::new(|conn, key| corrupt(conn, key, "metadata", |b| b[4] = FORMAT_VERSION + 1)),
        ),
        (
            "metadata of another key",
            Box::new(|conn, key| {
                conn.execute(
                    "UPDATE entries SET metadata = (SELECT metadata FROM entries WHERE key = 'good')
                     WHERE key = ?1",
                    [key],
                )
                .unwrap();
            }),
        ),
        (
            "missing body row",
            Box::new(|conn, key| {
                conn.execute(
                    "DELETE FROM bodies WHERE id = (SELECT body_id FROM entries WHERE key = ?1)",
                    [key],
                )
                .unwrap();
            }),
        ),
        (
            "metadata not a blob",
            Box::new(|conn, key| {
                conn.execute("UPDATE entries SET metadata = 42 WHERE key = ?1", [key])
                    .unwrap();
            }),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let store = open(&db_path(&dir)).await;
    let conn = raw(&db_path(&dir));
    store.set(entry("good", vec![9; 2000])).await.unwrap();
    for (name, damage) in &damages {
        for via_matching in [false, true] {
            store.set(entry("bad", vec![5; 2000])).await.unwrap();
            damage(&conn, "bad");
            if via_matching {
                let found = store
                    .get_matching(&MatchFilter::new().path_prefix("/"), now())
                    .await
                    .unwrap();
                let keys: Vec<_> = found.iter().map(|e| e.metadata.key.as_str()).collect();
                assert_eq!(keys, ["good"], "{name}");
            } else {
                assert!(store.get("bad", now()).await.unwrap().is_none(), "{name}");
            }
            assert_eq!(
                count(&conn, "SELECT count(*) FROM entries WHERE key = 'bad'"),
                0,
                "{name}: the unreadable row was not deleted"
            );
            assert_consistent(&conn);
            assert!(store.get("good", now()).await.unwrap().is_some(), "{name}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_metadata_of_an_unreadable_row_deletes_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&db_path(&dir)).await;
    let conn = raw(&db_path(&dir));
    store.set(entry("k", "body")).await.unwrap();
    corrupt(&conn, "k", "metadata", |b| b[12] ^= 0xff);
    assert!(
        !store
            .update_metadata(entry("k", "").metadata)
            .await
            .unwrap()
    );
    assert_eq!(count(&conn, "SELECT count(*) FROM entries"), 0);
    assert_consistent(&conn);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_rows_are_deleted_when_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&db_path(&dir)).await;
    let conn = raw(&db_path(&dir));
    store.set(entry("k", "body")).await.unwrap();
    let later = now() + Duration::from_secs(3600);
    assert!(store.get("k", later).await.unwrap().is_none());
    assert_eq!(count(&conn, "SELECT count(*) FROM entries"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_a_database_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Corrupt);
    assert!(
        err.to_string().contains("is not a SQLite database"),
        "{err}"
    );
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(
        std::fs::read(&path).unwrap(),
        garbage,
        "the file was changed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_databases_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.sqlite");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me');")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = SqliteStore::open(&path).await.unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Corrupt);
    assert!(err.to_string().contains("another application"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);

    let newer = db_path(&dir);
    open(&newer).await.close().await.unwrap();
    raw(&newer).pragma_update(None, "user_version", 99).unwrap();
    let err = SqliteStore::open(&newer).await.unwrap_err();
    assert!(err.to_string().contains("newer courier-cache"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_at_the_path_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = SqliteStore::open(dir.path()).await.unwrap_err();
    assert_eq!(err.kind(), StoreErrorKind::Io, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_rows_hold_no_plaintext_and_need_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = SqliteStore::builder(&path)
        .cipher(XChaCha20Poly1305Cipher::new([9; 32]))
        .build()
        .await
        .unwrap();
    let mut e = entry("k", "secret body");
    e.metadata
        .headers
        .insert("x-token", HeaderValue::from_static("secret header"));
    store.set(e).await.unwrap();
    for file in ["cache.sqlite", "cache.sqlite-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        assert!(
            !bytes.windows(6).any(|w| w == b"secret"),
            "{file} leaks plaintext"
        );
    }
    store.close().await.unwrap();

    let wrong = SqliteStore::builder(&path)
        .cipher(XChaCha20Poly1305Cipher::new([1; 32]))
        .build()
        .await
        .unwrap();
    assert!(wrong.get("k", now()).await.unwrap().is_none());
    assert_eq!(count(&raw(&path), "SELECT count(*) FROM entries"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_gives_space_back_to_the_file_system() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let store = open(&path).await;
    for i in 0..20 {
        store
            .set(entry(&format!("k{i}"), vec![i as u8; 100_000]))
            .await
            .unwrap();
    }
    let conn = raw(&path);
    let pages = |conn: &Connection| count(conn, "PRAGMA page_count");
    let full = pages(&conn);
    assert_eq!(
        store
            .clean(courier_cache::store::CleanFilter::all(), now())
            .await
            .unwrap(),
        20
    );
    assert!(
        pages(&conn) < full / 10,
        "{} of {full} pages left",
        pages(&conn)
    );
}

// ---------------------------------------------------------------------------------------
// Several processes on one file.

/// Set in a child process: `<database path>|<writer id>`.
const CHILD_ENV: &str = "COURIER_SQLITE_STORE_CHILD";
/// What a child prints when it finished its work.
const CHILD_DONE: &str = "sqlite child done";
const KEYS: usize = 12;
const ROUNDS: usize = 150;

/// The body writer `writer` stores under `key` at step `seq`: its identity repeated, at a length that
/// varies with `seq`, so a reader can tell a whole entry from a mix of two.
fn shared_body(key: &str, writer: u32, seq: u32) -> Vec<u8> {
    let len = 50 + (seq as usize * 3571) % 12_000;
    format!("{writer}:{seq}:{key};")
        .into_bytes()
        .into_iter()
        .cycle()
        .take(len)
        .collect()
}

fn shared_entry(key: &str, writer: u32, seq: u32) -> CacheEntry {
    let mut e = entry(key, shared_body(key, writer, seq));
    let headers = &mut e.metadata.headers;
    headers.insert("x-writer", HeaderValue::from(writer));
    headers.insert("x-seq", HeaderValue::from(seq));
    e
}

/// Panics unless `found` is a whole entry some writer stored under `key`: whole metadata
/// and a whole body of the same key.
///
/// The body names its writer and step itself. The metadata may be another step's than the
/// body's: `update_metadata` with metadata read earlier keeps whatever body is stored by
/// then (a 304 racing an overwrite), which the trait allows.
fn check_shared(key: &str, found: &CacheEntry) {
    let header = |name: &str| -> u32 {
        found.metadata.headers[name]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    header("x-writer");
    header("x-seq");
    assert_eq!(found.metadata.key, key);
    assert_eq!(found.metadata.url, format!("https://s.test/{key}"));
    let identity = std::str::from_utf8(&found.body[..found.body.len().min(12)])
        .ok()
        .and_then(|text| {
            text.split(':')
                .collect::<Vec<_>>()
                .get(..2)
                .map(<[_]>::to_vec)
        })
        .and_then(|parts| Some((parts[0].parse().ok()?, parts[1].parse().ok()?)));
    let Some((writer, seq)) = identity else {
        panic!("{key}: body does not start with a writer and step");
    };
    assert!(
        found.body == shared_body(key, writer, seq),
        "{key}: body is not writer {writer}'s step {seq} throughout"
    );
    assert_eq!(found.metadata.body_len, found.body.len() as u64);
}

/// Writes, reads, freshens and deletes the shared keys; every read must be valid or a miss.
/// Returns the number of hits.
async fn share_work(store: &SqliteStore, writer: u32) -> usize {
    let mut hits = 0;
    for round in 0..ROUNDS {
        let seq = round as u32;
        let key = format!("k{}", (round * 7 + writer as usize) % KEYS);
        store.set(shared_entry(&key, writer, seq)).await.unwrap();
        for offset in 0..3 {
            let key = format!("k{}", (round + offset * 5) % KEYS);
            if let Some(found) = store.get(&key, now()).await.unwrap() {
                check_shared(&key, &found);
                hits += 1;
            }
        }
        match round % 10 {
            3 => {
                // Freshen whatever is there: the body must stay with its metadata's writer.
                if let Some(found) = store.get(&key, now()).await.unwrap() {
                    let mut meta = found.metadata.clone();
                    meta.priority = Priority::High;
                    store.update_metadata(meta).await.unwrap();
                }
            }
            7 => {
                store.delete(&format!("k{}", round % KEYS)).await.unwrap();
            }
            9 => {
                let all = store
                    .get_matching(&MatchFilter::new(), now())
                    .await
                    .unwrap();
                for found in &all {
                    check_shared(&found.metadata.key, found);
                }
            }
            _ => {}
        }
    }
    hits
}

/// A store on `path` whose cap makes the processes evict each other's entries.
async fn shared_store(path: &Path) -> SqliteStore {
    SqliteStore::builder(path)
        .max_bytes(48 * 1024)
        .busy_timeout(Duration::from_secs(30))
        .build()
        .await
        .unwrap()
}

/// The child side of [`several_processes_share_one_file`]; does nothing in a normal run.
#[test]
fn child_process() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (path, writer) = spec.rsplit_once('|').unwrap();
    let writer: u32 = writer.parse().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let hits = runtime.block_on(async {
        let store = shared_store(Path::new(path)).await;
        let hits = share_work(&store, writer).await;
        store.close().await.unwrap();
        hits
    });
    println!("{CHILD_DONE}: writer {writer}, {hits} hits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_processes_share_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (1..=3u32)
        .map(|writer| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "child_process",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, format!("{}|{writer}", path.display()))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // This process takes part as writer 0 while the children run.
    let store = shared_store(&path).await;
    let mut hits = share_work(&store, 0).await;
    for (i, child) in children.into_iter().enumerate() {
        let output = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains(CHILD_DONE),
            "child {} failed: {}\n{stdout}\n{}",
            i + 1,
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    for i in 0..KEYS {
        let key = format!("k{i}");
        if let Some(found) = store.get(&key, now()).await.unwrap() {
            check_shared(&key, &found);
            hits += 1;
        }
    }
    assert!(hits > 0, "no read found an entry");
    assert!(store.total_bytes().await.unwrap() <= 48 * 1024);
    assert_consistent(&raw(&path));
}
