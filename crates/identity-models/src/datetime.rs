//! The timestamp format of the Identity service, as a serde helper for the generated models.
//!
//! The service writes `expiresOn` in UTC with seven fractional digits and an explicit
//! `+00:00` offset (`2022-11-16T09:48:02.7233445+00:00`), but recordings and other servers
//! use other precisions and `Z`. The models in [`crate`] therefore read any RFC 3339 timestamp
//! (zero to nine fractional digits, any offset) and always write the service's own form.
//! Generated fields refer to this module through `#[serde(with = "crate::datetime")]`; the
//! [`option`] submodule does the same for optional timestamps.

use std::fmt;

use serde::{Deserializer, Serializer, de};
use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// The service's output shape: UTC, seven fractional digits, a literal `+00:00` offset.
const SERVICE_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]+00:00");

/// A timestamp that is not a valid RFC 3339 date-time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError {
    message: String,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TimestampError {}

/// Reads an RFC 3339 timestamp with any fractional precision and any offset.
///
/// The offset is kept as given; compare values, not offsets.
///
/// # Errors
///
/// Returns [`TimestampError`] when `text` is not an RFC 3339 date-time, or when the instant
/// it names falls outside the years `0000..=9999` in UTC (an offset can push a valid-looking
/// `9999-12-31T23:59:59-01:00` past them), so that whatever parses can also be written.
pub fn parse(text: &str) -> Result<OffsetDateTime, TimestampError> {
    let value = OffsetDateTime::parse(text, &Rfc3339).map_err(|error| TimestampError {
        message: format!("invalid RFC 3339 timestamp {text:?}: {error}"),
    })?;
    to_writable_utc(value)?;
    Ok(value)
}

/// `value` in UTC, when that lands in the years RFC 3339 can write.
fn to_writable_utc(value: OffsetDateTime) -> Result<OffsetDateTime, TimestampError> {
    value
        .checked_to_offset(UtcOffset::UTC)
        .filter(|utc| (0..=9999).contains(&utc.year()))
        .ok_or_else(|| TimestampError {
            message: format!(
                "the instant {value} falls outside the years 0000 to 9999 in UTC, which an \
                 RFC 3339 timestamp cannot express"
            ),
        })
}

/// Writes a timestamp the way the service does: converted to UTC, seven fractional digits
/// (anything finer than 100 ns is truncated) and a `+00:00` offset.
///
/// # Errors
///
/// Returns [`TimestampError`] when the UTC year falls outside `0000..=9999`, which RFC 3339
/// cannot express.
pub fn format(value: OffsetDateTime) -> Result<String, TimestampError> {
    let utc = to_writable_utc(value)?;
    utc.format(SERVICE_FORMAT).map_err(|error| TimestampError {
        message: format!("timestamp cannot be written in the service format: {error}"),
    })
}

/// Serializes a required timestamp in the service's format (see [`format()`]).
///
/// # Errors
///
/// Fails when the serializer fails or the year is outside `0000..=9999`.
pub fn serialize<S: Serializer>(value: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
    let text = format(*value).map_err(serde::ser::Error::custom)?;
    serializer.serialize_str(&text)
}

/// Deserializes a required timestamp written in any RFC 3339 precision and offset.
///
/// # Errors
///
/// Fails when the value is not a string or not an RFC 3339 date-time.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OffsetDateTime, D::Error> {
    deserializer.deserialize_str(TimestampVisitor)
}

/// Reads a timestamp from a borrowed or owned JSON string without an intermediate `String`.
struct TimestampVisitor;

impl de::Visitor<'_> for TimestampVisitor {
    type Value = OffsetDateTime;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RFC 3339 date-time string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        parse(text).map_err(E::custom)
    }
}

/// The same helper for optional timestamps: `#[serde(with = "crate::datetime::option")]`.
pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;

    /// Serializes an optional timestamp; `None` becomes JSON `null` (pair it with
    /// `skip_serializing_if` to omit the member instead).
    ///
    /// # Errors
    ///
    /// Fails when the serializer fails or the year is outside `0000..=9999`.
    pub fn serialize<S: Serializer>(
        value: &Option<OffsetDateTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => super::serialize(value, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Deserializes an optional timestamp; JSON `null` becomes `None`.
    ///
    /// # Errors
    ///
    /// Fails when the value is neither `null` nor an RFC 3339 date-time string.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super")] OffsetDateTime);

        Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(value)| value))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn every_precision_and_offset_parses() {
        let cases = [
            (
                "2022-11-16T09:48:02.7233445+00:00",
                datetime!(2022-11-16 09:48:02.7233445 UTC),
            ),
            (
                "2022-11-16T09:47:55.688402+00:00",
                datetime!(2022-11-16 09:47:55.688402 UTC),
            ),
            (
                "2100-01-01T00:00:00.000Z",
                datetime!(2100-01-01 00:00:00 UTC),
            ),
            ("2100-01-01T00:00:00Z", datetime!(2100-01-01 00:00:00 UTC)),
            (
                "2100-01-01T00:00:00.1Z",
                datetime!(2100-01-01 00:00:00.1 UTC),
            ),
            (
                "2100-01-01T00:00:00.123456789Z",
                datetime!(2100-01-01 00:00:00.123456789 UTC),
            ),
            (
                "2100-01-01T05:30:00+05:30",
                datetime!(2100-01-01 00:00:00 UTC),
            ),
            (
                "2099-12-31T19:00:00-05:00",
                datetime!(2100-01-01 00:00:00 UTC),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn offsets_are_kept_as_given() {
        let parsed = parse("2100-01-01T05:30:00+05:30").unwrap();
        assert_eq!(parsed.offset(), UtcOffset::from_hms(5, 30, 0).unwrap());
    }

    #[test]
    fn output_is_utc_with_seven_digits() {
        let cases = [
            (
                "2022-11-16T09:48:02.7233445+00:00",
                "2022-11-16T09:48:02.7233445+00:00",
            ),
            (
                "2022-11-16T09:47:55.688402+00:00",
                "2022-11-16T09:47:55.6884020+00:00",
            ),
            ("2100-01-01T00:00:00Z", "2100-01-01T00:00:00.0000000+00:00"),
            (
                "2100-01-01T00:00:00.123456789Z",
                "2100-01-01T00:00:00.1234567+00:00",
            ),
            (
                "2100-01-01T05:30:00+05:30",
                "2100-01-01T00:00:00.0000000+00:00",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(format(parse(text).unwrap()).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn malformed_timestamps_are_rejected() {
        for text in [
            "",
            "2100-01-01",
            "2100-01-01T00:00:00",
            "yesterday",
            "2100-13-01T00:00:00Z",
        ] {
            let error = parse(text).unwrap_err();
            assert!(
                error.to_string().contains("invalid RFC 3339 timestamp"),
                "{error}"
            );
        }
    }

    #[test]
    fn years_before_zero_cannot_be_written() {
        let error = format(datetime!(-0001-01-01 00:00:00 UTC)).unwrap_err();
        assert!(error.to_string().contains("0000 to 9999"), "{error}");
    }

    #[test]
    fn instants_an_offset_pushes_past_the_writable_years_do_not_parse() {
        for text in [
            "9999-12-31T23:59:59.9999999-01:00",
            "0000-01-01T00:00:00+01:00",
        ] {
            let error = parse(text).unwrap_err();
            assert!(
                error.to_string().contains("0000 to 9999"),
                "{text}: {error}"
            );
        }
        assert!(parse("9999-12-31T23:59:59.9999999+00:00").is_ok());
        assert!(parse("0000-01-01T00:00:00-01:00").is_ok());
    }

    #[test]
    fn optional_helper_handles_null_and_values() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Holder {
            #[serde(with = "super::option", default)]
            at: Option<OffsetDateTime>,
        }

        let holder: Holder = serde_json::from_str(r#"{"at":null}"#).unwrap();
        assert_eq!(holder, Holder { at: None });
        let holder: Holder = serde_json::from_str(r#"{}"#).unwrap();
        assert_eq!(holder, Holder { at: None });
        let holder: Holder = serde_json::from_str(r#"{"at":"2100-01-01T00:00:00Z"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&holder).unwrap(),
            r#"{"at":"2100-01-01T00:00:00.0000000+00:00"}"#
        );
        assert!(serde_json::from_str::<Holder>(r#"{"at":5}"#).is_err());
    }
}
