use std::fmt;

/// How much an entry is worth keeping when [`CacheStore::clean`] makes room.
///
/// Ordered `Low < Normal < High`, so a [`CleanFilter`] with `priority_at_most:
/// Some(Priority::Normal)` removes low and normal entries and keeps high ones. This mirrors
/// dio_cache_interceptor's `CachePriority`.
///
/// [`CacheStore::clean`]: crate::store::CacheStore::clean
/// [`CleanFilter`]: crate::store::CleanFilter
///
/// # Example
///
/// ```
/// use courier_cache::entry::Priority;
///
/// assert!(Priority::Low < Priority::Normal && Priority::Normal < Priority::High);
/// assert_eq!(Priority::default(), Priority::Normal);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// Removed first.
    Low,
    /// The default.
    #[default]
    Normal,
    /// Kept longest.
    High,
}

impl Priority {
    /// The byte this priority is stored as (stable across format versions).
    pub(crate) fn as_u8(self) -> u8 {
        match self {
            Priority::Low => 0,
            Priority::Normal => 1,
            Priority::High => 2,
        }
    }

    /// The priority stored as `byte`, if it is one.
    pub(crate) fn from_u8(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Priority::Low),
            1 => Some(Priority::Normal),
            2 => Some(Priority::High),
            _ => None,
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_round_trip() {
        for p in [Priority::Low, Priority::Normal, Priority::High] {
            assert_eq!(Priority::from_u8(p.as_u8()), Some(p));
        }
        assert_eq!(Priority::from_u8(3), None);
    }
}
