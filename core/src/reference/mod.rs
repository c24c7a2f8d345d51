//! Reference data: Mali's administrative divisions (régions and the District of Bamako,
//! cercles, communes) as versioned units with validity dates, the built-in dataset embedded
//! from `units.csv`, the consistency rules every unit set must satisfy, and the checks an
//! admin addition goes through. Records refer to units only by their code; everything that
//! needs a name, a parent or "was this unit valid then" asks this module.
//!
//! Nothing here touches storage: admin additions are persisted elsewhere and handed back
//! through [`ReferenceData::with_units`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::error_code::ErrorCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Version of the embedded dataset, stamped on every built-in unit.
pub const DATASET_VERSION: &str = "2023.1";

/// `dataset_version` of units an admin adds without naming a version.
pub const ADMIN_DATASET_VERSION: &str = "admin";

/// Code of the District of Bamako. It is the one code that is not the slug of its name
/// ("District de Bamako"), and the only region whose communes have no cercle.
pub const DISTRICT_CODE: &str = "bamako";

const DISTRICT_NAME_SLUG: &str = "district-de-bamako";

const BUILTIN_CSV: &str = include_str!("units.csv");

const CSV_HEADER: &str = "level,code,name,valid_from,valid_to";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum UnitLevel {
    Region,
    Cercle,
    Commune,
}

impl UnitLevel {
    /// Same spelling as the serde form and the CSV column.
    pub fn as_str(&self) -> &'static str {
        match self {
            UnitLevel::Region => "region",
            UnitLevel::Cercle => "cercle",
            UnitLevel::Commune => "commune",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "region" => Some(UnitLevel::Region),
            "cercle" => Some(UnitLevel::Cercle),
            "commune" => Some(UnitLevel::Commune),
            _ => None,
        }
    }
}

impl fmt::Display for UnitLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AdminUnit {
    /// Stable slug path: "tombouctou", "tombouctou/goundam", "tombouctou/goundam/goundam".
    pub code: String,
    pub level: UnitLevel,
    /// French display name with accents, e.g. "Ménaka", "Commune III".
    pub name: String,
    /// Code of the parent (None for regions).
    pub parent: Option<String>,
    /// None = since before any record.
    pub valid_from: Option<NaiveDate>,
    /// None = still valid; exclusive end.
    pub valid_to: Option<NaiveDate>,
    /// [`DATASET_VERSION`] for built-in units, [`ADMIN_DATASET_VERSION`] (or a version an
    /// admin gives) for added ones.
    pub dataset_version: String,
}

impl AdminUnit {
    /// Whether the unit existed on `date` (`valid_to` is exclusive).
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= date) && self.valid_to.is_none_or(|to| date < to)
    }

    /// Whether `self`'s validity lies within `outer`'s; a child may not outlive its parent.
    fn validity_within(&self, outer: &AdminUnit) -> bool {
        let starts_ok = match (outer.valid_from, self.valid_from) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(o), Some(s)) => o <= s,
        };
        let ends_ok = match (outer.valid_to, self.valid_to) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(o), Some(s)) => s <= o,
        };
        starts_ok && ends_ok
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReferenceError {
    #[error("unit code {code:?} is already taken")]
    DuplicateCode { code: String },
    #[error("unit {code:?} names parent {parent:?}, which does not exist")]
    UnknownParent { code: String, parent: String },
    #[error("{level} {code:?} cannot have the {parent_level} {parent:?} as parent")]
    WrongParentLevel { code: String, level: UnitLevel, parent: String, parent_level: UnitLevel },
    #[error("unit code {code:?} does not follow the code rules: expected {expected:?}")]
    BadCode { code: String, expected: String },
    #[error("unit {code:?}: valid_from must be before valid_to")]
    BadDates { code: String },
    #[error("unit {code:?} is valid outside the validity of its parent {parent:?}")]
    OutsideParentValidity { code: String, parent: String },
    #[error("reference data, line {line}: {message}")]
    Parse { line: usize, message: String },
}

impl ReferenceError {
    /// Stable code for the UI and logs; never reworded, unlike the Display message.
    pub fn code(&self) -> ErrorCode {
        match self {
            ReferenceError::DuplicateCode { .. } => ErrorCode::ReferenceDuplicateCode,
            ReferenceError::UnknownParent { .. } => ErrorCode::ReferenceUnknownParent,
            ReferenceError::WrongParentLevel { .. } => ErrorCode::ReferenceWrongParentLevel,
            ReferenceError::BadCode { .. } => ErrorCode::ReferenceBadCode,
            ReferenceError::BadDates { .. } => ErrorCode::ReferenceBadDates,
            ReferenceError::OutsideParentValidity { .. } => ErrorCode::ReferenceOutsideParentValidity,
            ReferenceError::Parse { .. } => ErrorCode::ReferenceParse,
        }
    }
}

/// A consistent set of units, indexed by code.
#[derive(Debug, Clone, Default)]
pub struct ReferenceData {
    // Arc so that handing the built-in set around (every validation needs it) costs a
    // reference count, not a copy of a few hundred units.
    units: Arc<BTreeMap<String, AdminUnit>>,
}

impl ReferenceData {
    /// The embedded dataset, parsed and checked once per process.
    pub fn builtin() -> Self {
        static BUILTIN: OnceLock<ReferenceData> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                // The tests check the embedded file, so failing here is a build defect.
                parse_units_csv(BUILTIN_CSV, DATASET_VERSION)
                    .and_then(ReferenceData::from_units)
                    .expect("embedded reference data is consistent")
            })
            .clone()
    }

    /// Builds a set from `units`, rejecting it unless it is consistent: unique codes,
    /// codes following [`Self::check_new_unit`]'s rules, existing parents of the right
    /// level, `valid_from < valid_to`, and children valid only while their parent is.
    pub fn from_units(units: Vec<AdminUnit>) -> Result<Self, ReferenceError> {
        let mut map = BTreeMap::new();
        for unit in units {
            check_code(&unit)?;
            check_dates(&unit)?;
            if map.contains_key(&unit.code) {
                return Err(ReferenceError::DuplicateCode { code: unit.code });
            }
            map.insert(unit.code.clone(), unit);
        }
        // Parents are checked once everything is in, so input order does not matter.
        for unit in map.values() {
            if let Some(parent) = check_parent(&map, unit)? {
                if !unit.validity_within(parent) {
                    return Err(ReferenceError::OutsideParentValidity {
                        code: unit.code.clone(),
                        parent: parent.code.clone(),
                    });
                }
            }
        }
        Ok(ReferenceData { units: Arc::new(map) })
    }

    /// `self` plus `extra` (typically the built-in set plus admin additions), checked as a
    /// whole so extras may refer to each other in any order.
    pub fn with_units(&self, extra: Vec<AdminUnit>) -> Result<Self, ReferenceError> {
        let mut all: Vec<AdminUnit> = self.units.values().cloned().collect();
        all.extend(extra);
        Self::from_units(all)
    }

    pub fn get(&self, code: &str) -> Option<&AdminUnit> {
        self.units.get(code)
    }

    /// The unit if it is a commune.
    pub fn commune(&self, code: &str) -> Option<&AdminUnit> {
        self.get_level(code, UnitLevel::Commune)
    }

    /// The unit if it is a cercle.
    pub fn cercle(&self, code: &str) -> Option<&AdminUnit> {
        self.get_level(code, UnitLevel::Cercle)
    }

    /// The unit if it is a region (the District of Bamako included).
    pub fn region(&self, code: &str) -> Option<&AdminUnit> {
        self.get_level(code, UnitLevel::Region)
    }

    /// The region containing the unit; a region returns itself.
    pub fn region_of(&self, code: &str) -> Option<&AdminUnit> {
        let mut unit = self.get(code)?;
        // Bounded by the number of levels; the bound only guards against a cycle, which
        // from_units already makes impossible.
        for _ in 0..3 {
            if unit.level == UnitLevel::Region {
                return Some(unit);
            }
            unit = self.get(unit.parent.as_deref()?)?;
        }
        None
    }

    /// The cercle containing the unit: a commune's cercle, a cercle itself. None for
    /// regions and for the communes of the District of Bamako, which have no cercle.
    pub fn cercle_of(&self, code: &str) -> Option<&AdminUnit> {
        let unit = self.get(code)?;
        match unit.level {
            UnitLevel::Region => None,
            UnitLevel::Cercle => Some(unit),
            UnitLevel::Commune => self.cercle(unit.parent.as_deref()?),
        }
    }

    /// Direct children of a unit whatever their validity, sorted by name.
    pub fn children<'a>(&'a self, code: &str) -> Vec<&'a AdminUnit> {
        sorted_by_name(self.units.values().filter(|u| u.parent.as_deref() == Some(code)).collect())
    }

    /// Units of a level, only those valid on `on` if given, sorted by name.
    pub fn units(&self, level: UnitLevel, on: Option<NaiveDate>) -> Vec<&AdminUnit> {
        sorted_by_name(
            self.units.values().filter(|u| u.level == level && on.is_none_or(|d| u.is_valid_on(d))).collect(),
        )
    }

    /// Every unit, in code order.
    pub fn all(&self) -> impl Iterator<Item = &AdminUnit> {
        self.units.values()
    }

    /// Checks a unit an admin wants to add: its code is not taken, it is
    /// `{parent code}/{slug(name)}` (a region's is `slug(name)`), the parent exists with the
    /// right level (cercle under a region; commune under a cercle, or directly under the
    /// District of Bamako), valid_from < valid_to, and it is not valid outside its parent's
    /// validity.
    pub fn check_new_unit(&self, unit: &AdminUnit) -> Result<(), ReferenceError> {
        if self.units.contains_key(&unit.code) {
            return Err(ReferenceError::DuplicateCode { code: unit.code.clone() });
        }
        check_code(unit)?;
        let parent = check_parent(&self.units, unit)?;
        check_dates(unit)?;
        if let Some(parent) = parent {
            if !unit.validity_within(parent) {
                return Err(ReferenceError::OutsideParentValidity {
                    code: unit.code.clone(),
                    parent: parent.code.clone(),
                });
            }
        }
        Ok(())
    }

    /// Units of a level whose name matches, ignoring case, accents, apostrophes and
    /// punctuation ("menaka" finds "Ménaka", "ntillit" finds "N'Tillit"). Whatever their
    /// validity: the same name may come back both before and after the 2023 reform.
    pub fn find_by_name(&self, level: UnitLevel, name: &str) -> Vec<&AdminUnit> {
        let wanted = slug(name);
        if wanted.is_empty() {
            return Vec::new();
        }
        sorted_by_name(self.units.values().filter(|u| u.level == level && slug(&u.name) == wanted).collect())
    }

    fn get_level(&self, code: &str, level: UnitLevel) -> Option<&AdminUnit> {
        self.get(code).filter(|u| u.level == level)
    }
}

/// Lower-case ASCII form of a name, as used in codes: accents folded, apostrophes dropped,
/// every other run of non-alphanumerics turned into a single '-', no '-' at either end.
/// "N'Tillit" -> "ntillit", "Gourma-Rharous" -> "gourma-rharous", "Commune III" -> "commune-iii".
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    // Deferred so that runs collapse and no dash is left at either end.
    let mut pending_dash = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        // Apostrophes join rather than separate: "N'Tillit" is one word. Combining marks
        // come from decomposed (NFD) input, where the accent follows its letter.
        if matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}' | '\u{0300}'..='\u{036F}') {
            continue;
        }
        let mut buf = [0u8; 4];
        let folded = if c.is_ascii_alphanumeric() { Some(&*c.encode_utf8(&mut buf)) } else { fold_accent(c) };
        let Some(folded) = folded else {
            pending_dash = true;
            continue;
        };
        if pending_dash && !out.is_empty() {
            out.push('-');
        }
        pending_dash = false;
        out.push_str(folded);
    }
    out
}

/// ASCII form of a lower-case accented letter, None for anything else. Covers the Latin
/// letters of French and of the usual transcriptions of Malian place names.
fn fold_accent(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
        'æ' => "ae",
        'ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ɛ' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'ñ' | 'ɲ' | 'ŋ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ɔ' => "o",
        'œ' => "oe",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' => "u",
        'ý' | 'ÿ' => "y",
        _ => return None,
    })
}

/// Parses units in the format of the embedded `units.csv` (header
/// `level,code,name,valid_from,valid_to`, '#' comments, blank lines ignored, parent taken
/// from the code), stamping each with `dataset_version`. Only parses: consistency is
/// checked by [`ReferenceData::from_units`] or [`ReferenceData::with_units`].
pub fn parse_units_csv(text: &str, dataset_version: &str) -> Result<Vec<AdminUnit>, ReferenceError> {
    let mut units = Vec::new();
    let mut header_seen = false;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let err = |message: String| ReferenceError::Parse { line, message };
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !header_seen {
            // Required so that a file with reordered columns fails loudly instead of
            // loading names as codes.
            if trimmed != CSV_HEADER {
                return Err(err(format!("expected header {CSV_HEADER:?}")));
            }
            header_seen = true;
            continue;
        }
        let fields: Vec<&str> = trimmed.split(',').map(str::trim).collect();
        let [level, code, name, valid_from, valid_to] = fields[..] else {
            return Err(err(format!("expected 5 fields, found {}", fields.len())));
        };
        let level = UnitLevel::parse(level).ok_or_else(|| err(format!("unknown level {level:?}")))?;
        if code.is_empty() || name.is_empty() {
            return Err(err("code and name are required".to_owned()));
        }
        let date = |s: &str| -> Result<Option<NaiveDate>, ReferenceError> {
            if s.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(s, "%Y-%m-%d").map(Some).map_err(|e| err(format!("bad date {s:?}: {e}")))
        };
        units.push(AdminUnit {
            code: code.to_owned(),
            level,
            name: name.to_owned(),
            parent: code.rsplit_once('/').map(|(parent, _)| parent.to_owned()),
            valid_from: date(valid_from)?,
            valid_to: date(valid_to)?,
            dataset_version: dataset_version.to_owned(),
        });
    }
    if !header_seen {
        return Err(ReferenceError::Parse { line: 0, message: format!("missing header {CSV_HEADER:?}") });
    }
    Ok(units)
}

/// The code a unit must have given its parent, level and name.
fn expected_code(unit: &AdminUnit) -> String {
    let own = slug(&unit.name);
    let own = if unit.level == UnitLevel::Region && own == DISTRICT_NAME_SLUG { DISTRICT_CODE.to_owned() } else { own };
    match (&unit.level, &unit.parent) {
        (UnitLevel::Region, _) => own,
        (_, Some(parent)) => format!("{parent}/{own}"),
        // No parent to build from: point at the missing part rather than guess one.
        (_, None) => format!("<parent>/{own}"),
    }
}

fn check_code(unit: &AdminUnit) -> Result<(), ReferenceError> {
    let expected = expected_code(unit);
    let parent_ok = match unit.level {
        UnitLevel::Region => unit.parent.is_none(),
        _ => unit.parent.is_some(),
    };
    if !parent_ok || unit.code != expected || unit.code.ends_with('/') {
        return Err(ReferenceError::BadCode { code: unit.code.clone(), expected });
    }
    Ok(())
}

fn check_dates(unit: &AdminUnit) -> Result<(), ReferenceError> {
    match (unit.valid_from, unit.valid_to) {
        (Some(from), Some(to)) if from >= to => Err(ReferenceError::BadDates { code: unit.code.clone() }),
        _ => Ok(()),
    }
}

/// Finds the parent and checks its level; None for regions, which have none.
fn check_parent<'a>(
    units: &'a BTreeMap<String, AdminUnit>,
    unit: &AdminUnit,
) -> Result<Option<&'a AdminUnit>, ReferenceError> {
    let Some(parent_code) = unit.parent.as_deref() else {
        return Ok(None);
    };
    let parent = units
        .get(parent_code)
        .ok_or_else(|| ReferenceError::UnknownParent { code: unit.code.clone(), parent: parent_code.to_owned() })?;
    let is_district = parent.code == DISTRICT_CODE;
    let ok = match (unit.level, parent.level) {
        // The District has communes but no cercles.
        (UnitLevel::Cercle, UnitLevel::Region) => !is_district,
        (UnitLevel::Commune, UnitLevel::Cercle) => true,
        (UnitLevel::Commune, UnitLevel::Region) => is_district,
        _ => false,
    };
    if !ok {
        return Err(ReferenceError::WrongParentLevel {
            code: unit.code.clone(),
            level: unit.level,
            parent: parent.code.clone(),
            parent_level: parent.level,
        });
    }
    Ok(Some(parent))
}

/// Sorts for display: by name ignoring accents and case (so "Ménaka" sits before "Mopti"),
/// then by code so that equal names keep a stable order.
fn sorted_by_name(mut units: Vec<&AdminUnit>) -> Vec<&AdminUnit> {
    units.sort_by_cached_key(|u| (slug(&u.name), u.name.clone(), u.code.clone()));
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn unit(
        code: &str,
        level: UnitLevel,
        name: &str,
        parent: Option<&str>,
        valid_from: Option<&str>,
        valid_to: Option<&str>,
    ) -> AdminUnit {
        AdminUnit {
            code: code.to_owned(),
            level,
            name: name.to_owned(),
            parent: parent.map(str::to_owned),
            valid_from: valid_from.map(d),
            valid_to: valid_to.map(d),
            dataset_version: ADMIN_DATASET_VERSION.to_owned(),
        }
    }

    #[test]
    fn builtin_parses_and_is_consistent() {
        let units = parse_units_csv(BUILTIN_CSV, DATASET_VERSION).unwrap();
        let data = ReferenceData::from_units(units.clone()).unwrap();
        assert_eq!(data.all().count(), units.len(), "no duplicate codes");
        assert_eq!(ReferenceData::builtin().all().count(), units.len());

        // Re-checked here independently of from_units, so a bug there cannot hide one in
        // the data.
        for u in data.all() {
            assert_eq!(u.dataset_version, DATASET_VERSION, "{}", u.code);
            let own = if u.code == DISTRICT_CODE { DISTRICT_CODE.to_owned() } else { slug(&u.name) };
            let (parent, last) = match u.code.rsplit_once('/') {
                Some((p, l)) => (Some(p), l),
                None => (None, u.code.as_str()),
            };
            assert_eq!(last, own, "{}", u.code);
            assert_eq!(u.parent.as_deref(), parent, "{}", u.code);
            assert!(
                u.code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-/".contains(c)),
                "{}",
                u.code
            );
            if let (Some(from), Some(to)) = (u.valid_from, u.valid_to) {
                assert!(from < to, "{}", u.code);
            }
            let parent_level = parent.map(|p| data.get(p).expect(p).level);
            let ok = match (u.level, parent_level) {
                (UnitLevel::Region, None) => true,
                (UnitLevel::Cercle, Some(UnitLevel::Region)) => parent != Some(DISTRICT_CODE),
                (UnitLevel::Commune, Some(UnitLevel::Cercle)) => true,
                (UnitLevel::Commune, Some(UnitLevel::Region)) => parent == Some(DISTRICT_CODE),
                _ => false,
            };
            assert!(ok, "{} under {:?}", u.code, parent);
        }
    }

    #[test]
    fn region_counts_by_date() {
        let data = ReferenceData::builtin();
        let cases = [("2024-01-01", 20), ("2023-03-13", 20), ("2023-03-12", 11), ("2020-01-01", 11)];
        for (date, expected) in cases {
            let regions = data.units(UnitLevel::Region, Some(d(date)));
            assert_eq!(regions.len(), expected, "{date}");
            assert!(regions.iter().any(|r| r.code == DISTRICT_CODE), "{date}");
        }
        assert_eq!(data.units(UnitLevel::Region, None).len(), 20);
    }

    #[test]
    fn hierarchy_lookups() {
        let data = ReferenceData::builtin();
        // (code, level, name, cercle_of, region_of)
        let cases = [
            ("tombouctou/tombouctou/alafia", UnitLevel::Commune, "Alafia", Some("tombouctou/tombouctou"), "tombouctou"),
            ("tombouctou/goundam/goundam", UnitLevel::Commune, "Goundam", Some("tombouctou/goundam"), "tombouctou"),
            ("tombouctou/goundam", UnitLevel::Cercle, "Goundam", Some("tombouctou/goundam"), "tombouctou"),
            ("gao/ansongo/ansongo", UnitLevel::Commune, "Ansongo", Some("gao/ansongo"), "gao"),
            ("gao/ansongo", UnitLevel::Cercle, "Ansongo", Some("gao/ansongo"), "gao"),
            ("menaka/menaka/menaka", UnitLevel::Commune, "Ménaka", Some("menaka/menaka"), "menaka"),
            ("menaka", UnitLevel::Region, "Ménaka", None, "menaka"),
            ("bamako/commune-iii", UnitLevel::Commune, "Commune III", None, "bamako"),
            ("bamako", UnitLevel::Region, "District de Bamako", None, "bamako"),
        ];
        for (code, level, name, cercle, region) in cases {
            let u = data.get(code).unwrap_or_else(|| panic!("{code} missing"));
            assert_eq!((u.level, u.name.as_str()), (level, name), "{code}");
            assert_eq!(data.cercle_of(code).map(|c| c.code.as_str()), cercle, "{code}");
            assert_eq!(data.region_of(code).map(|r| r.code.as_str()), Some(region), "{code}");
            assert_eq!(data.commune(code).is_some(), level == UnitLevel::Commune, "{code}");
            assert_eq!(data.cercle(code).is_some(), level == UnitLevel::Cercle, "{code}");
            assert_eq!(data.region(code).is_some(), level == UnitLevel::Region, "{code}");
        }
        assert!(data.get("nowhere").is_none());
        assert!(data.region_of("nowhere").is_none());
    }

    #[test]
    fn children_are_sorted_by_name() {
        let data = ReferenceData::builtin();
        let names = |code: &str| -> Vec<String> { data.children(code).iter().map(|u| u.name.clone()).collect() };
        assert_eq!(
            names("bamako"),
            ["Commune I", "Commune II", "Commune III", "Commune IV", "Commune V", "Commune VI"]
        );
        let tombouctou = names("tombouctou/tombouctou");
        assert_eq!(tombouctou, ["Alafia", "Ber", "Bourem-Inaly", "Lafia", "Salam", "Tombouctou"]);
        // Accents must not push "Ménaka" after "Mopti".
        let regions: Vec<&str> = data.units(UnitLevel::Region, None).iter().map(|u| u.name.as_str()).collect();
        let menaka = regions.iter().position(|n| *n == "Ménaka").unwrap();
        let mopti = regions.iter().position(|n| *n == "Mopti").unwrap();
        assert!(menaka < mopti);
        assert!(data.children("tombouctou/tombouctou/alafia").is_empty());
    }

    #[test]
    fn validity_dates() {
        let data = ReferenceData::builtin();
        // (code, date, valid)
        let cases = [
            ("tombouctou/gossi", "2020-01-01", false),
            ("tombouctou/gossi", "2024-01-01", true),
            ("tombouctou/gourma-rharous/gossi", "2020-01-01", true),
            ("tombouctou/gourma-rharous/gossi", "2024-01-01", false),
            ("segou/san", "2023-03-12", true),
            ("segou/san", "2023-03-13", false),
            ("san/san", "2023-03-13", true),
            ("tombouctou/goundam", "2024-01-01", true),
        ];
        for (code, date, valid) in cases {
            assert_eq!(data.get(code).unwrap().is_valid_on(d(date)), valid, "{code} on {date}");
        }
        let cercles_2020 = data.units(UnitLevel::Cercle, Some(d("2020-01-01")));
        assert!(!cercles_2020.iter().any(|c| c.code == "tombouctou/gossi"));
        let cercles_2024 = data.units(UnitLevel::Cercle, Some(d("2024-01-01")));
        assert!(cercles_2024.iter().any(|c| c.code == "tombouctou/gossi"));
    }

    #[test]
    fn slug_cases() {
        let cases = [
            ("N'Tillit", "ntillit"),
            ("N’Tillit", "ntillit"),
            ("Gourma-Rharous", "gourma-rharous"),
            ("Commune III", "commune-iii"),
            ("Ménaka", "menaka"),
            ("Dioïla", "dioila"),
            ("Abeïbara", "abeibara"),
            ("Taoudénit", "taoudenit"),
            ("Ségou", "segou"),
            ("Tidermène", "tidermene"),
            ("Soni Ali Ber", "soni-ali-ber"),
            ("District de Bamako", "district-de-bamako"),
            ("  Raz - El  Ma ", "raz-el-ma"),
            ("ÇA", "ca"),
            ("Me\u{301}naka", "menaka"),
            ("Œuvre", "oeuvre"),
            ("", ""),
        ];
        for (name, expected) in cases {
            assert_eq!(slug(name), expected, "{name:?}");
        }
    }

    #[test]
    fn check_new_unit_accepts_and_rejects() {
        let data = ReferenceData::builtin();
        let ok = unit(
            "tombouctou/goundam/nouvelle-commune",
            UnitLevel::Commune,
            "Nouvelle Commune",
            Some("tombouctou/goundam"),
            Some("2024-01-01"),
            None,
        );
        assert_eq!(data.check_new_unit(&ok), Ok(()));
        let extended = data.with_units(vec![ok.clone()]).unwrap();
        assert_eq!(extended.region_of(&ok.code).unwrap().code, "tombouctou");
        assert_eq!(data.get(&ok.code), None, "the original set is unchanged");

        // Each case breaks exactly one rule.
        let cases = [
            (
                unit(
                    "tombouctou/goundam/goundam",
                    UnitLevel::Commune,
                    "Goundam",
                    Some("tombouctou/goundam"),
                    None,
                    None,
                ),
                "reference.duplicate_code",
            ),
            (
                unit("tombouctou/nulle-part/x", UnitLevel::Commune, "X", Some("tombouctou/nulle-part"), None, None),
                "reference.unknown_parent",
            ),
            (
                unit("tombouctou/x", UnitLevel::Commune, "X", Some("tombouctou"), None, None),
                "reference.wrong_parent_level",
            ),
            (unit("bamako/x", UnitLevel::Cercle, "X", Some("bamako"), None, None), "reference.wrong_parent_level"),
            (
                unit(
                    "tombouctou/goundam/goundam/x",
                    UnitLevel::Commune,
                    "X",
                    Some("tombouctou/goundam/goundam"),
                    None,
                    None,
                ),
                "reference.wrong_parent_level",
            ),
            (
                unit("tombouctou/goundam/Tele-2", UnitLevel::Commune, "Télé 2", Some("tombouctou/goundam"), None, None),
                "reference.bad_code",
            ),
            (
                unit("gao/goundam/x", UnitLevel::Commune, "X", Some("tombouctou/goundam"), None, None),
                "reference.bad_code",
            ),
            (unit("x", UnitLevel::Commune, "X", None, None, None), "reference.bad_code"),
            (
                unit(
                    "tombouctou/goundam/x",
                    UnitLevel::Commune,
                    "X",
                    Some("tombouctou/goundam"),
                    Some("2024-01-01"),
                    Some("2024-01-01"),
                ),
                "reference.bad_dates",
            ),
            (
                unit(
                    "tombouctou/goundam/x",
                    UnitLevel::Commune,
                    "X",
                    Some("tombouctou/goundam"),
                    Some("2024-02-01"),
                    Some("2024-01-01"),
                ),
                "reference.bad_dates",
            ),
            (
                unit("tombouctou/gossi/x", UnitLevel::Commune, "X", Some("tombouctou/gossi"), None, None),
                "reference.outside_parent_validity",
            ),
        ];
        for (u, code) in cases {
            let err = data.check_new_unit(&u).expect_err(&u.code);
            assert_eq!(err.code(), code, "{}: {err}", u.code);
            assert!(data.with_units(vec![u.clone()]).is_err(), "{}", u.code);
        }
    }

    #[test]
    fn from_units_checks_consistency() {
        let region = unit("gao", UnitLevel::Region, "Gao", None, None, None);
        let cercle = unit("gao/gao", UnitLevel::Cercle, "Gao", Some("gao"), None, None);
        // Order does not matter: the child may come first.
        let data = ReferenceData::from_units(vec![cercle.clone(), region.clone()]).unwrap();
        assert_eq!(data.all().count(), 2);

        let cases = [
            (vec![region.clone(), region.clone()], "reference.duplicate_code"),
            (vec![cercle.clone()], "reference.unknown_parent"),
        ];
        for (units, code) in cases {
            assert_eq!(ReferenceData::from_units(units).unwrap_err().code(), code);
        }
    }

    #[test]
    fn parse_errors() {
        let cases = [
            ("", 0),
            ("code,level,name,valid_from,valid_to\n", 1),
            ("level,code,name,valid_from,valid_to\nregion,gao,Gao\n", 2),
            ("level,code,name,valid_from,valid_to\n# c\nprovince,gao,Gao,,\n", 3),
            ("level,code,name,valid_from,valid_to\nregion,gao,Gao,2023-13-01,\n", 2),
            ("level,code,name,valid_from,valid_to\nregion,,Gao,,\n", 2),
        ];
        for (text, line) in cases {
            let err = parse_units_csv(text, "x").unwrap_err();
            assert_eq!(err.code(), "reference.parse");
            assert!(matches!(err, ReferenceError::Parse { line: l, .. } if l == line), "{text:?}: {err}");
        }
    }

    #[test]
    fn find_by_name_ignores_accents_and_case() {
        let data = ReferenceData::builtin();
        let codes = |level, name: &str| -> Vec<String> {
            data.find_by_name(level, name).iter().map(|u| u.code.clone()).collect()
        };
        let cases: [(UnitLevel, &str, &[&str]); 6] = [
            (UnitLevel::Region, "menaka", &["menaka"]),
            (UnitLevel::Region, "MÉNAKA", &["menaka"]),
            (UnitLevel::Cercle, "menaka", &["menaka/menaka"]),
            (UnitLevel::Commune, "ntillit", &["gao/gao/ntillit", "gao/ntillit/ntillit"]),
            (UnitLevel::Region, "Atlantis", &[]),
            (UnitLevel::Region, "", &[]),
        ];
        for (level, name, expected) in cases {
            assert_eq!(codes(level, name), expected, "{level} {name:?}");
        }
    }

    #[test]
    fn error_codes_and_serde() {
        let err = ReferenceError::BadDates { code: "x".into() };
        assert_eq!(err.code(), "reference.bad_dates");
        assert_eq!(err.to_string(), "unit \"x\": valid_from must be before valid_to");

        let data = ReferenceData::builtin();
        let u = data.get("menaka/menaka/menaka").unwrap();
        let json = serde_json::to_value(u).unwrap();
        assert_eq!(json["level"], "commune");
        let back: AdminUnit = serde_json::from_value(json).unwrap();
        assert_eq!(&back, u);
    }
}
