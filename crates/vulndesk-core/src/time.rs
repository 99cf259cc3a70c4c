//! Time as the domain sees it: an instant in UTC with microsecond precision, and the clock trait
//! through which the edges of the program hand it in.
//!
//! Microseconds since the Unix epoch are what both databases store (a `BIGINT`), so a value read
//! back is bit-for-bit the value written, and hashes over it (the audit chain) are reproducible.

use std::fmt;
use std::time::Duration;

/// An instant, in whole microseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `micros` microseconds after the epoch.
    pub const fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    /// Microseconds since the epoch.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// Whole seconds since the epoch, rounded towards negative infinity.
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// This instant plus `d`, saturating at the end of the representable range.
    pub fn plus(self, d: Duration) -> Self {
        let micros = i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(micros))
    }

    /// This instant minus `d`, saturating at the start of the representable range.
    pub fn minus(self, d: Duration) -> Self {
        let micros = i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
        Self(self.0.saturating_sub(micros))
    }

    /// The instant as a UTC date-time, or `None` outside the range the `time` crate represents.
    pub fn to_datetime(self) -> Option<::time::OffsetDateTime> {
        ::time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1000).ok()
    }

    /// RFC 3339 with microseconds and a `Z` suffix, as written into the audit chain and the API.
    pub fn to_rfc3339(self) -> String {
        match self.to_datetime() {
            Some(dt) => {
                let fmt = ::time::macros::format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
                );
                dt.format(&fmt).unwrap_or_else(|_| self.0.to_string())
            }
            None => self.0.to_string(),
        }
    }

    /// Parses the RFC 3339 form (any offset); sub-microsecond digits are truncated.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let dt = ::time::OffsetDateTime::parse(s, &::time::format_description::well_known::Rfc3339).ok()?;
        let micros = dt.unix_timestamp_nanos().div_euclid(1000);
        i64::try_from(micros).ok().map(Self)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// Where the current time comes from. The binary passes the system clock; tests pass a fixed or
/// stepping one. The domain never asks for the time on its own.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip_keeps_microseconds() {
        let t = Timestamp::from_micros(1_795_000_000_123_456);
        let s = t.to_rfc3339();
        assert_eq!(s, "2026-11-18T11:06:40.123456Z");
        assert_eq!(Timestamp::parse_rfc3339(&s), Some(t));
    }

    #[test]
    fn parse_accepts_offsets_and_truncates_nanoseconds() {
        let t = Timestamp::parse_rfc3339("2026-11-25T17:12:00.1234567+08:00").map(Timestamp::as_micros);
        assert_eq!(t, Timestamp::parse_rfc3339("2026-11-25T09:12:00.123456Z").map(Timestamp::as_micros));
        assert_eq!(Timestamp::parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn arithmetic_saturates() {
        let t = Timestamp::from_micros(i64::MAX - 1);
        assert_eq!(t.plus(Duration::from_secs(10)), Timestamp::from_micros(i64::MAX));
        assert_eq!(Timestamp::from_micros(5).minus(Duration::from_micros(7)).as_micros(), -2);
        assert_eq!(Timestamp::from_micros(-1).as_secs(), -1);
    }
}
