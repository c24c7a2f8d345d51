//! Warnings for free text that looks like it holds a person's name or a phone number.
//!
//! DOMAIN.md: phones are searched at checkpoints, and the name of an informant, a victim
//! or a participant can get them killed. Free-text fields therefore warn (they do not
//! refuse: the user knows the context, and a false alarm must not block a record).
//! The rules are plain heuristics, tuned for Malian names and numbers; a pure function
//! so the form can call it on every change.

use serde::{Deserialize, Serialize};

use crate::i18n::Message;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    Name,
    Phone,
}

/// One suspicious passage of a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TextWarning {
    pub kind: WarningKind,
    /// The passage that triggered the warning, as typed.
    pub excerpt: String,
    pub message: Message,
}

/// The user's word that a flagged passage of one field is not a name or a phone number
/// (« Ce n'est pas un nom »), kept with the draft. Free text with a flagged passage is
/// held in the local draft until the passage is removed or acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
pub struct Acknowledgement {
    /// The field, as warnings name it (`summary`, `agenda[0].notes`).
    pub path: String,
    /// The passage, as the warning quoted it.
    pub excerpt: String,
}

/// Words that introduce a person: a civil or military title, or "nommé".
const TITLES: &[&str] = &[
    "m",
    "mr",
    "mme",
    "mlle",
    "monsieur",
    "madame",
    "mademoiselle",
    "dr",
    "docteur",
    "imam",
    "cheick",
    "cheikh",
    "hadj",
    "elhadj",
    "colonel",
    "capitaine",
    "commandant",
    "lieutenant",
    "sergent",
    "adjudant",
    "caporal",
    "nomme",
    "nommee",
    "denomme",
    "denommee",
    "surnomme",
    "alias",
    "mrs",
    "ms",
    "mister",
    "named",
];

/// Frequent family names in Mali (written without diacritics, lower case).
const FAMILY_NAMES: &[&str] = &[
    "traore",
    "coulibaly",
    "diarra",
    "keita",
    "toure",
    "cisse",
    "maiga",
    "diallo",
    "sidibe",
    "sangare",
    "konate",
    "kane",
    "dembele",
    "doumbia",
    "camara",
    "sissoko",
    "haidara",
    "dicko",
    "samake",
    "kone",
    "sanogo",
    "ballo",
    "tangara",
    "guindo",
    "dolo",
    "kassogue",
    "sylla",
    "fofana",
    "soumare",
    "kante",
    "bagayoko",
    "tounkara",
    "sacko",
    "diakite",
    "niang",
    "yattara",
    "cissoko",
    "poudiougou",
    "berthe",
    "dao",
    "goita",
    "tall",
    "diawara",
    "sy",
];

/// Particles of Tuareg and Moorish patronyms: "Ag Ibrahim", "Ould Mohamed".
const PATRONYM_PARTICLES: &[&str] = &["ag", "ould", "walet", "mint"];

fn fold(word: &str) -> String {
    word.chars()
        .filter_map(|c| match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => Some('a'),
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => Some('e'),
            'î' | 'ï' | 'Î' | 'Ï' => Some('i'),
            'ô' | 'ö' | 'Ô' | 'Ö' => Some('o'),
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => Some('u'),
            'ç' | 'Ç' => Some('c'),
            '.' | '-' | '\'' => None,
            c => Some(c.to_ascii_lowercase()),
        })
        .collect()
}

fn capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_uppercase())
}

/// Splits into words, keeping their byte span in the text.
fn words(text: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        // An apostrophe separates: "L'Imam" is the article and the title.
        let part = c.is_alphanumeric() || c == '-' || c == '.';
        match (part, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len(), &text[s..]));
    }
    // A trailing full stop ends a sentence; "M." keeps its dot through `fold`.
    out.into_iter()
        .map(|(s, _, w)| {
            let t = w.trim_end_matches(['.', '-']);
            let t = if t.is_empty() { w } else { t };
            (s, s + t.len(), t)
        })
        .collect()
}

fn name_warnings(text: &str) -> Vec<TextWarning> {
    let ws = words(text);
    let mut out: Vec<TextWarning> = Vec::new();
    let mut covered_until = 0;
    for (i, &(start, end, word)) in ws.iter().enumerate() {
        if start < covered_until {
            continue;
        }
        let folded = fold(word);
        let next = ws.get(i + 1).filter(|(_, _, w)| capitalised(w));
        let hit_end =
            if (TITLES.contains(&folded.as_str()) || PATRONYM_PARTICLES.contains(&folded.as_str())) && next.is_some() {
                next.map(|n| n.1)
            } else if FAMILY_NAMES.contains(&folded.as_str()) && capitalised(word) {
                Some(end)
            } else {
                None
            };
        if let Some(e) = hit_end {
            let excerpt = text[start..e].to_string();
            covered_until = e;
            out.push(TextWarning {
                kind: WarningKind::Name,
                message: Message::new(
                    format!("« {excerpt} » ressemble à un nom de personne. N’écrivez aucun nom : décrivez un rôle (ex. « un chef de village »)."),
                    format!("\"{excerpt}\" looks like a person's name. Write no names: describe a role (e.g. \"a village chief\")."),
                ),
                excerpt,
            });
        }
    }
    out
}

fn phone_warnings(text: &str) -> Vec<TextWarning> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if !(c.is_ascii_digit() || (c == '+' && chars.get(i + 1).is_some_and(|(_, d)| d.is_ascii_digit()))) {
            i += 1;
            continue;
        }
        // A run of digits, allowing single spaces or dots between groups.
        let mut j = i + 1;
        let mut digits = usize::from(c.is_ascii_digit());
        let mut end = start + c.len_utf8();
        while j < chars.len() {
            let (pos, d) = chars[j];
            if d.is_ascii_digit() {
                digits += 1;
                end = pos + 1;
                j += 1;
            } else if (d == ' ' || d == '.') && chars.get(j + 1).is_some_and(|(_, n)| n.is_ascii_digit()) {
                j += 1;
            } else {
                break;
            }
        }
        let run = &text[start..end];
        let looks_like_date =
            run.len() == 10 && run.as_bytes().get(2) == Some(&b'.') && run.as_bytes().get(5) == Some(&b'.');
        if (8..=15).contains(&digits) && !looks_like_date {
            out.push(TextWarning {
                kind: WarningKind::Phone,
                message: Message::new(
                    format!("« {run} » ressemble à un numéro de téléphone. Aucun numéro ne doit être enregistré."),
                    format!("\"{run}\" looks like a phone number. No phone number may be recorded."),
                ),
                excerpt: run.to_string(),
            });
        }
        i = j.max(i + 1);
    }
    out
}

/// Everything in `text` that looks like a name or a phone number, in order of kind.
pub fn text_warnings(text: &str) -> Vec<TextWarning> {
    let mut out = name_warnings(text);
    out.extend(phone_warnings(text));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("Le chef de village a signalé des vols de bétail.", &[])]
    #[case("Réunion à Goundam avec le Préfet et la Mairie.", &[])]
    #[case("M. Traoré a vu les hommes armés.", &["M. Traoré"])]
    #[case("Le nommé Ibrahim est parti vers Gao.", &["nommé Ibrahim"])]
    #[case("Information donnée par Coulibaly au marché.", &["Coulibaly"])]
    #[case("La famille Ag Intalla a été menacée.", &["Ag Intalla"])]
    #[case("Mme Keïta Aminata, présidente des femmes.", &["Mme Keïta"])]
    #[case("Les imams ont appelé au calme.", &[])]
    #[case("L'Imam Dicko a parlé.", &["Imam Dicko"])]
    fn names(#[case] text: &str, #[case] expected: &[&str]) {
        let got: Vec<String> =
            name_warnings(text).into_iter().filter(|w| w.kind == WarningKind::Name).map(|w| w.excerpt).collect();
        assert_eq!(got, expected, "{text}");
    }

    #[rstest]
    #[case("Appeler le 76 12 34 56 en cas d'alerte.", &["76 12 34 56"])]
    #[case("Numéro +223 66 00 11 22.", &["+223 66 00 11 22"])]
    #[case("Tel 76123456", &["76123456"])]
    #[case("Séance du 20.11.2026 à 10 h, 23 membres, 2 femmes.", &[])]
    #[case("Budget de 1 500 000 FCFA", &[])]
    #[case("Le 2026-11-20, 45 participants.", &[])]
    fn phones(#[case] text: &str, #[case] expected: &[&str]) {
        let got: Vec<String> = phone_warnings(text).into_iter().map(|w| w.excerpt).collect();
        assert_eq!(got, expected, "{text}");
    }

    #[test]
    fn warnings_say_what_to_do_in_both_languages() {
        let w = text_warnings("M. Traoré, 76 12 34 56");
        assert_eq!(w.len(), 2);
        assert!(w[0].message.fr.contains("rôle"));
        assert!(w[1].message.en.contains("phone"));
    }
}
