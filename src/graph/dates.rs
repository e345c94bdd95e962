//! Dates as sources write them: "on June 27", "27 June 2025", "in May", "2025-06-27", "27.06.2025",
//! "de 8 de mayo de 2025", "13 червня". A date given as *stated* by a source must be stated by
//! the sentences of its evidence at least as precisely as it is given; this module finds the
//! dates a text states so the write operations can check that (and the API can point at the
//! words).
//!
//! Hand-written rather than a date-parsing crate: the crates on offer parse one whole string as
//! one date, while this finds every date mentioned in running prose, with its span and how much
//! of it (day, month, year) the words give. Month names are known in the publisher's languages
//! (English, German, French, Spanish, Italian, Ukrainian); a text in another language states
//! only ISO and numeric dates here.

use chrono::{Datelike, NaiveDate};

use super::model::{FuzzyDate, Precision};

/// A date a text states: what it gives, and where the words are (bytes of the text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateMention {
    pub date: FuzzyDate,
    pub start: usize,
    pub end: usize,
}

impl DateMention {
    /// Whether these words state `d`: at least as precisely as `d` is given, and the same
    /// day, month or year at `d`'s precision.
    pub fn states(&self, d: FuzzyDate) -> bool {
        self.date.precision <= d.precision && truncate(self.date.date, d.precision) == d.date
    }

    /// Whether these words state `d`'s period, but less precisely than `d` is given.
    pub fn states_less_than(&self, d: FuzzyDate) -> bool {
        self.date.precision > d.precision && truncate(d.date, self.date.precision) == self.date.date
    }
}

/// The first day of the period of precision `p` that `d` falls in.
pub fn truncate(d: NaiveDate, p: Precision) -> NaiveDate {
    match p {
        Precision::Day => d,
        Precision::Month => d.with_day(1).unwrap_or(d),
        Precision::Year => NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap_or(d),
    }
}

/// Month names by language, lowercase; `true` marks an English word that is a month only when
/// capitalised ("May", "March", not "may" or "march").
const MONTHS: &[(&str, u32, bool)] = &[
    // English
    ("january", 1, false),
    ("jan", 1, false),
    ("february", 2, false),
    ("feb", 2, false),
    ("march", 3, true),
    ("mar", 3, true),
    ("april", 4, false),
    ("apr", 4, false),
    ("may", 5, true),
    ("june", 6, false),
    ("jun", 6, false),
    ("july", 7, false),
    ("jul", 7, false),
    ("august", 8, false),
    ("aug", 8, false),
    ("september", 9, false),
    ("sept", 9, false),
    ("sep", 9, false),
    ("october", 10, false),
    ("oct", 10, false),
    ("november", 11, false),
    ("nov", 11, false),
    ("december", 12, false),
    ("dec", 12, false),
    // German
    ("januar", 1, false),
    ("februar", 2, false),
    ("märz", 3, false),
    ("mai", 5, false),
    ("juni", 6, false),
    ("juli", 7, false),
    ("oktober", 10, false),
    ("dezember", 12, false),
    // French
    ("janvier", 1, false),
    ("février", 2, false),
    ("mars", 3, false),
    ("avril", 4, false),
    ("juin", 6, false),
    ("juillet", 7, false),
    ("août", 8, false),
    ("septembre", 9, false),
    ("octobre", 10, false),
    ("novembre", 11, false),
    ("décembre", 12, false),
    // Spanish
    ("enero", 1, false),
    ("febrero", 2, false),
    ("marzo", 3, false),
    ("abril", 4, false),
    ("mayo", 5, false),
    ("junio", 6, false),
    ("julio", 7, false),
    ("agosto", 8, false),
    ("septiembre", 9, false),
    ("octubre", 10, false),
    ("noviembre", 11, false),
    ("diciembre", 12, false),
    // Italian
    ("gennaio", 1, false),
    ("febbraio", 2, false),
    ("aprile", 4, false),
    ("maggio", 5, false),
    ("giugno", 6, false),
    ("luglio", 7, false),
    ("settembre", 9, false),
    ("ottobre", 10, false),
    ("dicembre", 12, false),
    // Ukrainian: the genitive ("27 червня") and the nominative ("червень 2025").
    ("січня", 1, false),
    ("лютого", 2, false),
    ("березня", 3, false),
    ("квітня", 4, false),
    ("травня", 5, false),
    ("червня", 6, false),
    ("липня", 7, false),
    ("серпня", 8, false),
    ("вересня", 9, false),
    ("жовтня", 10, false),
    ("листопада", 11, false),
    ("грудня", 12, false),
    ("січень", 1, false),
    ("лютий", 2, false),
    ("березень", 3, false),
    ("квітень", 4, false),
    ("травень", 5, false),
    ("червень", 6, false),
    ("липень", 7, false),
    ("серпень", 8, false),
    ("вересень", 9, false),
    ("жовтень", 10, false),
    ("листопад", 11, false),
    ("грудень", 12, false),
];

/// Small words allowed between a day, a month and a year: "27th of June", "8 de mayo de 2025".
const CONNECTORS: &[&str] = &["of", "de", "del", "the"];

/// A word of the text: a run of letters and digits, with its byte span.
#[derive(Debug, Clone, Copy)]
struct Word<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = vec![];
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(Word {
                    text: &text[s..i],
                    start: s,
                    end: i,
                });
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(Word {
            text: &text[s..],
            start: s,
            end: text.len(),
        });
    }
    out
}

fn month_of(w: &str) -> Option<u32> {
    // Most words of a sentence are not months: reject them without allocating (month names
    // are 3 to 10 letters and start with a letter).
    let letters = w.chars().count();
    if !(3..=10).contains(&letters) || !w.starts_with(char::is_alphabetic) {
        return None;
    }
    let capital = w.starts_with(char::is_uppercase);
    // A map, not a scan of the list: every word of every dated sentence of a big seed is
    // looked up (a scan made the load a third slower).
    static BY_NAME: std::sync::LazyLock<std::collections::HashMap<&str, (u32, bool)>> =
        std::sync::LazyLock::new(|| MONTHS.iter().map(|&(n, m, c)| (n, (m, c))).collect());
    let found = |lower: &str| {
        BY_NAME
            .get(lower)
            .and_then(|&(m, needs_capital)| (capital || !needs_capital).then_some(m))
    };
    if w.is_ascii() {
        let mut buf = [0u8; 10];
        let lower = &mut buf[..w.len()];
        lower.copy_from_slice(w.as_bytes());
        lower.make_ascii_lowercase();
        found(std::str::from_utf8(lower).ok()?)
    } else {
        found(&w.to_lowercase())
    }
}

/// A day of the month: `27`, `27th`, `1st`, `2nd`, `3rd`.
fn day_of(w: &str) -> Option<u32> {
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &w[digits.len()..];
    if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") || digits.is_empty() || digits.len() > 2 {
        return None;
    }
    let d: u32 = digits.parse().ok()?;
    (1..=31).contains(&d).then_some(d)
}

fn year_of(w: &str) -> Option<i32> {
    if w.len() != 4 || !w.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let y: i32 = w.parse().ok()?;
    (1000..=2999).contains(&y).then_some(y)
}

/// Every date `text` states. A day and month without a year take the year that puts them
/// nearest to `published` (the source's date): "June 27" in an article of 28 June 2025 is
/// 2025-06-27, "December 27" in it 2025-12-27.
pub fn stated_dates(text: &str, published: NaiveDate) -> Vec<DateMention> {
    let ws = words(text);
    let mut out = vec![];
    let mut used = vec![false; ws.len()];
    // Numeric dates first: 2025-06-27, 27.06.2025, 27/06/2025.
    for i in 0..ws.len().saturating_sub(2) {
        let (a, b, c) = (ws[i], ws[i + 1], ws[i + 2]);
        let sep = |x: Word, y: Word| &text[x.end..y.start];
        let (s1, s2) = (sep(a, b), sep(b, c));
        if s1 != s2 || !matches!(s1, "-" | "." | "/") {
            continue;
        }
        let num = |w: &str, len| -> Option<u32> {
            (w.len() == len && w.bytes().all(|b| b.is_ascii_digit())).then(|| w.parse().ok())?
        };
        let ymd = if s1 == "-" {
            year_of(a.text)
                .zip(num(b.text, 2))
                .zip(num(c.text, 2))
                .map(|((y, m), d)| (y, m, d))
        } else {
            let d = num(a.text, 2).or_else(|| num(a.text, 1));
            let m = num(b.text, 2).or_else(|| num(b.text, 1));
            year_of(c.text).zip(m).zip(d).map(|((y, m), d)| (y, m, d))
        };
        if let Some(date) = ymd.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)) {
            out.push(DateMention {
                date: FuzzyDate::day(date),
                start: a.start,
                end: c.end,
            });
            used[i..i + 3].iter_mut().for_each(|u| *u = true);
        }
    }
    // Month names, with the day and year around them.
    for i in 0..ws.len() {
        if used[i] {
            continue;
        }
        let Some(month) = month_of(ws[i].text) else {
            continue;
        };
        // The next word that is not a connector, within two words.
        let skip = |from: usize, step: isize| -> Option<usize> {
            let mut j = from as isize + step;
            for _ in 0..2 {
                let w = ws.get(usize::try_from(j).ok()?)?;
                if !CONNECTORS.iter().any(|c| c.eq_ignore_ascii_case(w.text)) {
                    return Some(j as usize);
                }
                j += step;
            }
            None
        };
        let free = |j: usize| !used[j];
        let (mut start, mut end) = (i, i);
        let mut day = None;
        if let Some(j) = skip(i, -1).filter(|&j| free(j))
            && let Some(d) = day_of(ws[j].text)
        {
            day = Some(d);
            start = j;
        }
        let mut year = None;
        if let Some(j) = skip(i, 1).filter(|&j| free(j)) {
            if let Some(y) = year_of(ws[j].text) {
                year = Some(y);
                end = j;
            } else if day.is_none()
                && let Some(d) = day_of(ws[j].text)
            {
                day = Some(d);
                end = j;
                if let Some(k) = skip(j, 1).filter(|&k| free(k))
                    && let Some(y) = year_of(ws[k].text)
                {
                    year = Some(y);
                    end = k;
                }
            }
        }
        let resolved = match (day, year) {
            (Some(d), Some(y)) => NaiveDate::from_ymd_opt(y, month, d).map(FuzzyDate::day),
            (None, Some(y)) => NaiveDate::from_ymd_opt(y, month, 1).map(|date| FuzzyDate {
                date,
                precision: Precision::Month,
            }),
            (Some(d), None) => {
                nearest(published, |y| NaiveDate::from_ymd_opt(y, month, d)).map(FuzzyDate::day)
            }
            (None, None) => {
                nearest(published, |y| NaiveDate::from_ymd_opt(y, month, 1)).map(|date| FuzzyDate {
                    date,
                    precision: Precision::Month,
                })
            }
        };
        if let Some(date) = resolved {
            used[start..=end].iter_mut().for_each(|u| *u = true);
            out.push(DateMention {
                date,
                start: ws[start].start,
                end: ws[end].end,
            });
        }
    }
    // A year on its own.
    for (i, w) in ws.iter().enumerate() {
        if !used[i]
            && let Some(y) = year_of(w.text)
            && let Some(date) = NaiveDate::from_ymd_opt(y, 1, 1)
        {
            out.push(DateMention {
                date: FuzzyDate {
                    date,
                    precision: Precision::Year,
                },
                start: w.start,
                end: w.end,
            });
        }
    }
    out.sort_by_key(|m| m.start);
    out
}

/// Of the dates `make` gives for the year before, of and after `published`, the nearest.
fn nearest(published: NaiveDate, make: impl Fn(i32) -> Option<NaiveDate>) -> Option<NaiveDate> {
    let y = published.year();
    [y, y - 1, y + 1]
        .into_iter()
        .filter_map(make)
        .min_by_key(|d| (*d - published).num_days().abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 28).unwrap()
    }

    fn found(text: &str) -> Vec<(String, &str)> {
        stated_dates(text, published())
            .into_iter()
            .map(|m| (m.date.to_string(), &text[m.start..m.end]))
            .collect()
    }

    #[test]
    fn the_articles_dates_are_found_with_their_words() {
        let text = "According to data released, on June 27, Estonian diplomacy sent a note. \
                    Similarly, on May 8, the parliament decided. Chas Pravdy - 28 June 2025 12:08";
        assert_eq!(
            found(text),
            vec![
                ("2025-06-27".into(), "June 27"),
                ("2025-05-08".into(), "May 8"),
                ("2025-06-28".into(), "28 June 2025"),
            ]
        );
    }

    #[test]
    fn months_years_and_numeric_forms_give_their_precision() {
        assert_eq!(
            found("In June 2016, it happened."),
            vec![("2016-06".into(), "June 2016")]
        );
        assert_eq!(found("It joined in 1997."), vec![("1997".into(), "1997")]);
        assert_eq!(
            found("Noted on 2024-02-29."),
            vec![("2024-02-29".into(), "2024-02-29")]
        );
        assert_eq!(
            found("Am 27.06.2025 notifiziert."),
            vec![("2025-06-27".into(), "27.06.2025")]
        );
        assert_eq!(
            found("June 27th, 2025 and the 3rd of March 2024"),
            vec![
                ("2025-06-27".into(), "June 27th, 2025"),
                ("2024-03-03".into(), "3rd of March 2024"),
            ]
        );
        assert_eq!(
            found("el 8 de mayo de 2025"),
            vec![("2025-05-08".into(), "8 de mayo de 2025")]
        );
        assert_eq!(found("27 червня"), vec![("2025-06-27".into(), "27 червня")]);
        assert_eq!(found("le 13 juin"), vec![("2025-06-13".into(), "13 juin")]);
    }

    #[test]
    fn a_year_left_out_is_the_one_nearest_the_publication() {
        assert_eq!(
            found("by December 27"),
            vec![("2025-12-27".into(), "December 27")]
        );
        assert_eq!(
            found("since January 3"),
            vec![("2025-01-03".into(), "January 3")]
        );
        assert_eq!(found("in June"), vec![("2025-06".into(), "June")]);
    }

    #[test]
    fn words_that_only_look_like_months_or_dates_are_not_dates() {
        assert!(found("This decision may have long-term implications.").is_empty());
        assert!(found("They march on; 12:08; 3.5 percent; 31 February").is_empty());
        assert!(found("2025-13-01").iter().all(|(d, _)| d == "2025"));
    }

    #[test]
    fn a_mention_states_a_date_only_as_precisely_as_its_words() {
        let m = stated_dates("in June 2025", published())[0];
        let day = FuzzyDate::parse("2025-06-27").unwrap();
        let month = FuzzyDate::parse("2025-06").unwrap();
        let year = FuzzyDate::parse("2025").unwrap();
        assert!(!m.states(day) && m.states_less_than(day));
        assert!(m.states(month) && m.states(year));
        assert!(!m.states(FuzzyDate::parse("2025-07").unwrap()));
        let d = stated_dates("on June 27", published())[0];
        assert!(d.states(day) && d.states(month) && d.states(year));
        assert!(!d.states(FuzzyDate::parse("2025-06-28").unwrap()));
    }
}
