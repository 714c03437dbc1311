//! Every store runs the one contract suite (`courier_cache::store::contract`).
//! A new store is one more test here.

use std::sync::Arc;

use courier_cache::cipher::XChaCha20Poly1305Cipher;
use courier_cache::store::{
    BackupStore, CacheStore, EncryptedStore, FileStore, MemoryStore, contract,
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
