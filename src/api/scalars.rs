//! Custom scalars: `Date` (an ISO 8601 calendar date), `FuzzyDate` (a date known to a day, a
//! month or a year) and `DateTime` (RFC 3339).

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime as ChronoDateTime, FixedOffset, NaiveDate};

/// A calendar date (see the scalar's description in the schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date in ISO 8601 form, `YYYY-MM-DD` (e.g. `2025-06-27`). Dates known only to a
/// month or a year are given as the first day of that period, with a separate precision field.
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.iso.org/iso-8601-date-and-time-format.html"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => {
                // Strict: exactly YYYY-MM-DD, so `2025-6-1` or `2025-06-27T00:00` are refused.
                let ok_shape = s.len() == 10
                    && s.bytes().enumerate().all(|(i, b)| match i {
                        4 | 7 => b == b'-',
                        _ => b.is_ascii_digit(),
                    });
                match ok_shape
                    .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                    .flatten()
                {
                    Some(d) => Ok(Date(d)),
                    None => Err(InputValueError::custom(format!(
                        "`{s}` is not a date: use YYYY-MM-DD, e.g. 2025-06-27"
                    ))),
                }
            }
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// A point in time (see the scalar's description in the schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub ChronoDateTime<FixedOffset>);

/// A point in time in RFC 3339 form with its UTC offset, e.g. `2025-06-28T12:08:00+03:00`.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => ChronoDateTime::parse_from_rfc3339(s)
                .map(DateTime)
                .map_err(|_| {
                    InputValueError::custom(format!("`{s}` is not an RFC 3339 date-time"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}

/// A date as precisely as it is known (see the scalar's description in the schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FuzzyDate(pub crate::graph::FuzzyDate);

/// A date known to a day, a month or a year: `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (e.g.
/// `2025-06-27`, `2025-06`, `2025`); the form is the precision.
#[Scalar(name = "FuzzyDate")]
impl ScalarType for FuzzyDate {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => crate::graph::FuzzyDate::parse(s)
                .map(FuzzyDate)
                .map_err(|_| {
                    InputValueError::custom(format!(
                        "`{s}` is not a date: use YYYY-MM-DD, YYYY-MM or YYYY"
                    ))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}
