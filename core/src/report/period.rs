//! Calendar months and the periods indicators are asked for (a month, a quarter, a
//! year), with their text forms: `2026-11`, `2026-T4` (T for trimestre; `Q4` is read
//! too), `2026`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error_code::ErrorCode;

/// A calendar month: what the precomputed table is keyed by. Serialised as "YYYY-MM",
/// which also sorts as text (the table's `month` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ts_rs::TS)]
#[ts(type = "string")]
pub struct YearMonth {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl YearMonth {
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        (1..=12).contains(&month).then_some(YearMonth { year, month })
    }

    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth { year: date.year(), month: date.month() }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn next(self) -> YearMonth {
        if self.month == 12 {
            YearMonth { year: self.year + 1, month: 1 }
        } else {
            YearMonth { year: self.year, month: self.month + 1 }
        }
    }

    /// The quarter (1 to 4) the month belongs to.
    pub fn quarter(self) -> u32 {
        (self.month - 1) / 3 + 1
    }

    /// Every month from `self` to `last`, both included (empty when `last` is before).
    pub fn through(self, last: YearMonth) -> Vec<YearMonth> {
        let mut out = Vec::new();
        let mut m = self;
        while m <= last {
            out.push(m);
            m = m.next();
        }
        out
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl std::str::FromStr for YearMonth {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || PeriodError(s.to_string());
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        YearMonth::new(y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?).ok_or_else(bad)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A period an indicator is computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "unit", rename_all = "snake_case")]
pub enum Period {
    Month {
        year: i32,
        month: u32,
    },
    /// `quarter`: 1 to 4 (T1 = January to March).
    Quarter {
        year: i32,
        quarter: u32,
    },
    Year {
        year: i32,
    },
}

/// A period text or value that is not one (`report.bad_period`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a period: expected 2026-11 (month), 2026-T4 (quarter) or 2026 (year)")]
pub struct PeriodError(pub String);

impl PeriodError {
    pub fn code(&self) -> ErrorCode {
        ErrorCode::ReportBadPeriod
    }
}

impl Period {
    /// The month, quarter or year holding `date`.
    pub fn month_of(date: NaiveDate) -> Period {
        Period::Month { year: date.year(), month: date.month() }
    }

    pub fn quarter_of(date: NaiveDate) -> Period {
        Period::Quarter { year: date.year(), quarter: YearMonth::of(date).quarter() }
    }

    pub fn year_of(date: NaiveDate) -> Period {
        Period::Year { year: date.year() }
    }

    /// Checks the numbers of a period received as data (a month 1-12, a quarter 1-4).
    pub fn check(self) -> Result<Period, PeriodError> {
        let ok = match self {
            Period::Month { month, .. } => (1..=12).contains(&month),
            Period::Quarter { quarter, .. } => (1..=4).contains(&quarter),
            Period::Year { .. } => true,
        };
        let year_ok = match self {
            Period::Month { year, .. } | Period::Quarter { year, .. } | Period::Year { year } => {
                (1900..=9999).contains(&year)
            }
        };
        if ok && year_ok {
            Ok(self)
        } else {
            Err(PeriodError(format!("{self:?}")))
        }
    }

    pub fn first_month(self) -> YearMonth {
        match self {
            Period::Month { year, month } => YearMonth { year, month },
            Period::Quarter { year, quarter } => YearMonth { year, month: (quarter - 1) * 3 + 1 },
            Period::Year { year } => YearMonth { year, month: 1 },
        }
    }

    pub fn last_month(self) -> YearMonth {
        match self {
            Period::Month { year, month } => YearMonth { year, month },
            Period::Quarter { year, quarter } => YearMonth { year, month: quarter * 3 },
            Period::Year { year } => YearMonth { year, month: 12 },
        }
    }

    /// The months of the period, in order.
    pub fn months(self) -> Vec<YearMonth> {
        self.first_month().through(self.last_month())
    }

    pub fn start(self) -> NaiveDate {
        self.first_month().first_day()
    }

    /// The last day, included.
    pub fn end(self) -> NaiveDate {
        self.last_month().last_day()
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.start() <= date && date <= self.end()
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Period::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Period::Quarter { year, quarter } => write!(f, "{year:04}-T{quarter}"),
            Period::Year { year } => write!(f, "{year:04}"),
        }
    }
}

impl std::str::FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let bad = || PeriodError(s.to_string());
        if t.len() == 4 && t.chars().all(|c| c.is_ascii_digit()) {
            return Period::Year { year: t.parse().map_err(|_| bad())? }.check().map_err(|_| bad());
        }
        let (y, rest) = t.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || !y.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        if let Some(q) = rest.strip_prefix(['T', 't', 'Q', 'q']) {
            if q.len() != 1 {
                return Err(bad());
            }
            let quarter: u32 = q.parse().map_err(|_| bad())?;
            return Period::Quarter { year, quarter }.check().map_err(|_| bad());
        }
        if rest.len() != 2 || !rest.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let month: u32 = rest.parse().map_err(|_| bad())?;
        Period::Month { year, month }.check().map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[rstest]
    #[case("2026-11", Period::Month { year: 2026, month: 11 }, d(2026, 11, 1), d(2026, 11, 30))]
    #[case("2026-T4", Period::Quarter { year: 2026, quarter: 4 }, d(2026, 10, 1), d(2026, 12, 31))]
    #[case("2026-q1", Period::Quarter { year: 2026, quarter: 1 }, d(2026, 1, 1), d(2026, 3, 31))]
    #[case("2028-02", Period::Month { year: 2028, month: 2 }, d(2028, 2, 1), d(2028, 2, 29))]
    #[case(" 2026 ", Period::Year { year: 2026 }, d(2026, 1, 1), d(2026, 12, 31))]
    fn periods_parse_and_span_their_days(
        #[case] text: &str,
        #[case] period: Period,
        #[case] start: NaiveDate,
        #[case] end: NaiveDate,
    ) {
        let p: Period = text.parse().unwrap();
        assert_eq!(p, period);
        assert_eq!((p.start(), p.end()), (start, end));
        assert_eq!(p.to_string().parse::<Period>().unwrap(), p);
        assert!(p.contains(end) && !p.contains(end.succ_opt().unwrap()) && !p.contains(start.pred_opt().unwrap()));
    }

    #[rstest]
    #[case("")]
    #[case("2026-13")]
    #[case("2026-00")]
    #[case("2026-T5")]
    #[case("2026-T0")]
    #[case("26-11")]
    #[case("2026-1")]
    #[case("novembre")]
    #[case("2026-T4; DROP TABLE records")]
    fn bad_period_text_is_refused_with_its_code(#[case] text: &str) {
        let e = text.parse::<Period>().unwrap_err();
        assert_eq!(e.code(), "report.bad_period");
        assert_eq!(e.0, text);
    }

    #[test]
    fn a_quarter_has_three_months_and_a_year_twelve() {
        assert_eq!(Period::Quarter { year: 2026, quarter: 4 }.months().len(), 3);
        assert_eq!(Period::Year { year: 2026 }.months().len(), 12);
        assert_eq!(YearMonth::new(2026, 12).unwrap().next(), YearMonth::new(2027, 1).unwrap());
        assert_eq!("2026-07".parse::<YearMonth>().unwrap().quarter(), 3);
        assert!(serde_json::from_str::<Period>(r#"{"unit":"quarter","year":2026,"quarter":9}"#)
            .unwrap()
            .check()
            .is_err());
    }
}
