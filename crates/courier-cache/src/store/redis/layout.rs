//! Where entries live on the server: key names under the store's prefix, the hash fields,
//! and the `SCAN` pattern that finds them.

/// The hash field holding the detached metadata frame.
pub(super) const META_FIELD: &str = "meta";
/// The hash field holding the body.
pub(super) const BODY_FIELD: &str = "body";

/// Names the keys of one store: `<prefix><cache key>`.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    prefix: String,
    scan_pattern: Vec<u8>,
}

impl Layout {
    pub(super) fn new(prefix: String) -> Self {
        let mut scan_pattern = Vec::with_capacity(prefix.len() + 1);
        for &byte in prefix.as_bytes() {
            // `SCAN MATCH` is a glob: the prefix must match itself only.
            if matches!(byte, b'*' | b'?' | b'[' | b']' | b'\\') {
                scan_pattern.push(b'\\');
            }
            scan_pattern.push(byte);
        }
        scan_pattern.push(b'*');
        Layout {
            prefix,
            scan_pattern,
        }
    }

    pub(super) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The Redis key of the entry under `key`.
    pub(super) fn entry_key(&self, key: &str) -> Vec<u8> {
        let mut name = Vec::with_capacity(self.prefix.len() + key.len());
        name.extend_from_slice(self.prefix.as_bytes());
        name.extend_from_slice(key.as_bytes());
        name
    }

    /// The cache key a Redis key of this store names, if it is under the prefix.
    pub(super) fn cache_key<'a>(&self, entry_key: &'a [u8]) -> Option<&'a [u8]> {
        entry_key.strip_prefix(self.prefix.as_bytes())
    }

    /// The `SCAN MATCH` pattern of every key under the prefix.
    pub(super) fn scan_pattern(&self) -> &[u8] {
        &self.scan_pattern
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_prefixed_and_unprefixed() {
        let layout = Layout::new("courier:".to_owned());
        let key = layout.entry_key("GET https://x.test/");
        assert_eq!(key, b"courier:GET https://x.test/");
        assert_eq!(layout.cache_key(&key), Some(&b"GET https://x.test/"[..]));
        assert_eq!(layout.cache_key(b"other:k"), None);
    }

    #[test]
    fn glob_characters_of_the_prefix_are_escaped() {
        assert_eq!(Layout::new("a:".to_owned()).scan_pattern(), b"a:*");
        assert_eq!(
            Layout::new("x*?[y]\\:".to_owned()).scan_pattern(),
            b"x\\*\\?\\[y\\]\\\\:*"
        );
    }
}
