//! The HTTP date format (IMF-fixdate, e.g. `Wed, 13 Apr 2022 18:09:12 GMT`).
//!
//! HMAC-signed requests carry their timestamp in `x-ms-date` or `Date` in this form, and the
//! emulator writes its own `Date` response header with it. Parsing is strict about the
//! layout (English names, `GMT`) but, like the service's parser, tolerates a one-digit day.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Formats a time as IMF-fixdate in UTC.
pub(crate) fn format(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let weekday = WEEKDAYS[usize::from(at.weekday().number_days_from_monday())];
    let month = MONTHS[usize::from(u8::from(at.month()) - 1)];
    format!(
        "{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        at.day(),
        at.year(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Parses an IMF-fixdate; `None` when the text is not one.
///
/// The weekday must be a valid name but is not checked against the date.
pub(crate) fn parse(text: &str) -> Option<OffsetDateTime> {
    let (weekday, rest) = text.trim().split_once(", ")?;
    if !WEEKDAYS.contains(&weekday) {
        return None;
    }

    let mut parts = rest.split(' ');
    let day: u8 = number(parts.next()?, 1..=2)?;
    let month_name = parts.next()?;
    let month_index = MONTHS.iter().position(|m| *m == month_name)?;
    let year: i32 = number(parts.next()?, 4..=4)?;
    let clock = parts.next()?;
    if parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }

    let mut fields = clock.split(':');
    let hour: u8 = number(fields.next()?, 2..=2)?;
    let minute: u8 = number(fields.next()?, 2..=2)?;
    let second: u8 = number(fields.next()?, 2..=2)?;
    if fields.next().is_some() {
        return None;
    }

    let month = Month::try_from(u8::try_from(month_index + 1).ok()?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// Parses an unsigned decimal with a digit count in `digits`.
fn number<T: std::str::FromStr>(text: &str, digits: std::ops::RangeInclusive<usize>) -> Option<T> {
    if !digits.contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn formats_with_two_digit_day_and_gmt() {
        assert_eq!(
            format(datetime!(2015-04-08 03:52:31 UTC)),
            "Wed, 08 Apr 2015 03:52:31 GMT"
        );
    }

    #[test]
    fn parses_what_it_formats_and_a_one_digit_day() {
        let at = datetime!(2022-04-13 18:09:12 UTC);
        assert_eq!(parse(&format(at)), Some(at));
        assert_eq!(
            parse("Wed, 8 Apr 2015 03:52:31 GMT"),
            Some(datetime!(2015-04-08 03:52:31 UTC))
        );
    }

    #[test]
    fn refuses_other_layouts() {
        for text in [
            "",
            "2022-04-13T18:09:12Z",
            "Wed, 13 Apr 2022 18:09:12 +0000",
            "Wednesday, 13 Apr 2022 18:09:12 GMT",
            "Wed, 13 April 2022 18:09:12 GMT",
            "Wed, 31 Feb 2022 18:09:12 GMT",
            "Wed, 13 Apr 2022 25:09:12 GMT",
            "Wed, 13 Apr 2022 18:09 GMT",
            "Wed, 13 Apr 2022 18:09:12 GMT extra",
            "Wed, +1 Apr 2022 18:09:12 GMT",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
