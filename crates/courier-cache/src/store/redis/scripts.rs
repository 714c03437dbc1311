//! The Lua scripts that change an entry only if it is still the one that was read.
//!
//! A read and the write it leads to (freshening after a `304`, deleting an unreadable or
//! expired entry) are two round trips; between them another instance may have stored a
//! newer entry under the key. Each script compares the `meta` field with the frame the
//! caller read, byte for byte, and acts only on a match, atomically. Each touches one key,
//! so it runs on a cluster too. `redis::Script` sends `EVALSHA` and loads the script when a
//! (restarted) server does not know it.

use std::sync::LazyLock;

use ::redis::Script;

/// Deletes `KEYS[1]` if its `meta` field (a missing one reads as `''`) equals `ARGV[1]`, or if
/// it is not a hash at all. Returns the number of keys deleted (0 or 1).
pub(super) static DISCARD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'none' then return 0 end
if kind == 'hash' and (redis.call('HGET', KEYS[1], 'meta') or '') ~= ARGV[1] then
  return 0
end
return redis.call('DEL', KEYS[1])
",
    )
});

/// Replaces the `meta` field of `KEYS[1]` with `ARGV[2]` if it equals `ARGV[1]`, and sets the
/// key's expiry from `ARGV[3]` (`at`: `PEXPIREAT ARGV[4]`, `after`: `PEXPIRE ARGV[4]`,
/// `never`: `PERSIST`). Returns 1 when it did, 0 when the key is gone, 2 when the key holds
/// another entry now.
pub(super) static FRESHEN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('TYPE', KEYS[1])['ok'] ~= 'hash' then return 0 end
local meta = redis.call('HGET', KEYS[1], 'meta')
if not meta then return 0 end
if meta ~= ARGV[1] then return 2 end
redis.call('HSET', KEYS[1], 'meta', ARGV[2])
if ARGV[3] == 'at' then
  redis.call('PEXPIREAT', KEYS[1], ARGV[4])
elseif ARGV[3] == 'after' then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
else
  redis.call('PERSIST', KEYS[1])
end
return 1
",
    )
});
