//! Every store runs the one contract suite (`courier_cache::store::contract`).
//! A new store is one more test here.

use std::sync::Arc;

use courier_cache::cipher::XChaCha20Poly1305Cipher;
use courier_cache::store::{
    BackupStore, CacheStore, EncryptedStore, FileStore, MemoryStore, Store, StoreErrorKind,
    StoreLocation, contract,
};

/// Limits roomy enough for the suite's 1 MiB bodies.
fn memory() -> MemoryStore {
    MemoryStore::builder()
        .max_bytes(64 << 20)
        .max_entry_bytes(4 << 20)
        .build()
}

#[tokio::test]
async fn memory_store() {
    contract::run_all(&memory()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_store() {
    let dir = tempfile::tempdir().unwrap();
    contract::run_all(&FileStore::new(dir.path())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_store_with_cipher() {
    let dir = tempfile::tempdir().unwrap();
    let cipher = XChaCha20Poly1305Cipher::new([0x5a; 32]).with_previous_key([0xa5; 32]);
    contract::run_all(&FileStore::builder(dir.path()).cipher(cipher).build()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_store_memory_then_file() {
    let dir = tempfile::tempdir().unwrap();
    contract::run_all(&BackupStore::new(memory(), FileStore::new(dir.path()))).await;
}

#[tokio::test]
async fn encrypted_store_over_memory() {
    let cipher = XChaCha20Poly1305Cipher::new([0x3c; 32]);
    contract::run_all(&EncryptedStore::new(memory(), cipher)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_store_over_file() {
    let dir = tempfile::tempdir().unwrap();
    let cipher = XChaCha20Poly1305Cipher::new([0x3c; 32]);
    contract::run_all(&EncryptedStore::new(FileStore::new(dir.path()), cipher)).await;
}

#[tokio::test]
async fn trait_objects() {
    let store: Arc<dyn CacheStore> = Arc::new(memory());
    contract::run_all(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_opened_from_a_file_location() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("file:{}", dir.path().display()))
        .await
        .unwrap();
    assert_eq!(store.location(), &StoreLocation::File(dir.path().into()));
    contract::run_all(&store).await;
}

#[tokio::test]
async fn store_opened_from_memory_serves_what_it_stored() {
    let store = Store::open("memory").await.unwrap();
    let entry = contract::entry("k", "https://c.test/a", "body");
    store.set(entry.clone()).await.unwrap();
    let copy = store.clone();
    let read = copy.get("k", contract::now()).await.unwrap().unwrap();
    assert_eq!(read.body, entry.body);
}

#[tokio::test]
async fn a_malformed_store_location_is_a_config_error() {
    let error = Store::open("mongodb://x").await.unwrap_err();
    assert_eq!(error.kind(), StoreErrorKind::Config);
}

#[cfg(feature = "redis")]
#[path = "common/redis_server.rs"]
mod redis_server;

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store() {
    let Some(server) = redis_server::RedisServer::start() else {
        return;
    };
    let connect = async |prefix: &str| {
        courier_cache::store::RedisStore::builder(server.url())
            .key_prefix(prefix)
            .build()
            .await
            .expect("connect to redis-server")
    };
    let prefix = redis_server::unique_prefix("contract");
    contract::run_all(&connect(&prefix).await).await;
    // The suite closes its store; leave a shared (`REDIS_URL`) server as it was.
    let leftovers = connect(&prefix).await;
    leftovers
        .clean(Default::default(), contract::now())
        .await
        .unwrap();
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store_on_a_cluster() {
    let Some(cluster) = redis_server::RedisCluster::start() else {
        return;
    };
    let store = courier_cache::store::RedisStore::cluster_builder(cluster.urls())
        .key_prefix(redis_server::unique_prefix("contract-cluster"))
        .build()
        .await
        .expect("connect to the Redis Cluster");
    contract::run_all(&store).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = courier_cache::store::SqliteStore::open(dir.path().join("cache.sqlite"))
        .await
        .unwrap();
    contract::run_all(&store).await;
}

#[cfg(feature = "sqlite")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_with_cipher() {
    let dir = tempfile::tempdir().unwrap();
    let cipher = XChaCha20Poly1305Cipher::new([0x5a; 32]).with_previous_key([0xa5; 32]);
    let store = courier_cache::store::SqliteStore::builder(dir.path().join("cache.sqlite"))
        .cipher(cipher)
        .build()
        .await
        .unwrap();
    contract::run_all(&store).await;
}

#[cfg(feature = "redb")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redb_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = courier_cache::store::RedbStore::builder(dir.path().join("cache.redb"))
        .max_bytes(64 << 20)
        .max_entry_bytes(4 << 20)
        .build()
        .await
        .unwrap();
    contract::run_all(&store).await;
}
