//! The server-side expiry an entry's deletion deadline becomes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long Redis keeps an entry whose deadline its clock has already passed.
///
/// The store's answers follow the `now` its callers pass, not the server's clock: a caller
/// on a clock behind real time (a test's virtual clock, a skewed host) may still see such an
/// entry as live, so it is kept for this long rather than dropped at once, and still
/// collected without anyone sweeping.
pub(super) const PAST_DEADLINE_TTL: Duration = Duration::from_secs(3600);

/// When Redis should drop an entry's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expiry {
    /// At this Unix time in milliseconds (`PEXPIREAT`).
    At(i64),
    /// This many milliseconds from now (`PEXPIRE`).
    After(i64),
    /// Never (`PERSIST`).
    Never,
}

impl Expiry {
    /// The expiry of an entry with `deadline`, when the wall clock reads `wall_now`: the
    /// deadline itself, rounded up to the millisecond so Redis never drops an entry early;
    /// [`PAST_DEADLINE_TTL`] from now for a deadline already past; never for no deadline.
    pub(super) fn of(deadline: Option<SystemTime>, wall_now: SystemTime) -> Expiry {
        let Some(deadline) = deadline else {
            return Expiry::Never;
        };
        match deadline.duration_since(UNIX_EPOCH) {
            Ok(since_epoch) if deadline > wall_now => {
                let millis = since_epoch.as_nanos().div_ceil(1_000_000);
                Expiry::At(i64::try_from(millis).unwrap_or(i64::MAX))
            }
            _ => Expiry::After(PAST_DEADLINE_TTL.as_millis() as i64),
        }
    }

    /// The expiry as the two arguments of the store's scripts: a mode (`at`, `after`,
    /// `never`) and a number of milliseconds.
    pub(super) fn script_args(self) -> (&'static str, i64) {
        match self {
            Expiry::At(millis) => ("at", millis),
            Expiry::After(millis) => ("after", millis),
            Expiry::Never => ("never", 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64, nanos: u32) -> SystemTime {
        UNIX_EPOCH + Duration::new(secs, nanos)
    }

    #[test]
    fn a_future_deadline_is_the_expiry_rounded_up() {
        let now = at(1_000, 0);
        assert_eq!(Expiry::of(Some(at(2_000, 0)), now), Expiry::At(2_000_000));
        assert_eq!(Expiry::of(Some(at(2_000, 1)), now), Expiry::At(2_000_001));
    }

    #[test]
    fn no_deadline_never_expires() {
        assert_eq!(Expiry::of(None, at(1, 0)), Expiry::Never);
    }

    #[test]
    fn a_past_deadline_is_kept_for_a_grace_period() {
        let grace = Expiry::After(PAST_DEADLINE_TTL.as_millis() as i64);
        assert_eq!(Expiry::of(Some(at(5, 0)), at(5, 0)), grace);
        assert_eq!(Expiry::of(Some(at(4, 0)), at(5, 0)), grace);
        assert_eq!(
            Expiry::of(Some(UNIX_EPOCH - Duration::from_secs(1)), at(5, 0)),
            grace
        );
    }

    #[test]
    fn a_far_deadline_saturates() {
        let far = UNIX_EPOCH + Duration::from_secs(1 << 60);
        assert_eq!(Expiry::of(Some(far), at(1, 0)), Expiry::At(i64::MAX));
    }
}
