//! What an export may carry: a pure function of the device's role and what the user
//! ticked. Three things are left out unless the role may see them AND the user asks for
//! each (DOMAIN.md, "Why the data is dangerous"):
//!
//! - **confidential records** (an allegation against the security forces, a workshop
//!   with a named list, a document this version cannot read): only the CRSS (reviewers)
//!   and administrators receive them from the server, so only they may export them;
//! - **named attendance lists** (pseudonyms of workshop participants): they live in
//!   confidential records, so the same roles, and only with confidential records;
//! - **free text** (see [`FREE_TEXT_FIELDS`]): whoever holds a record may read its free
//!   text, but a file travels further than a device, and free text is where names and
//!   phone numbers slip in despite the warnings: out unless asked.
//!
//! Members may not export at all: an export is an unencrypted copy outside the store,
//! and a member's phone is the device most likely searched at a checkpoint. A request a
//! role may not make is refused with a code, never silently narrowed.

use serde::{Deserialize, Serialize};

use crate::error_code::ErrorCode;
use crate::model::Role;

/// What the user asked to include beyond the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Included {
    pub confidential: bool,
    pub named_attendance: bool,
    pub free_text: bool,
}

/// Which roles may export at all.
pub fn may_export(role: Role) -> bool {
    !matches!(role, Role::Member)
}

/// Which roles may export confidential records and named attendance lists: those the
/// server sends confidential records to (`sync::scope`).
pub fn may_export_confidential(role: Role) -> bool {
    matches!(role, Role::Reviewer | Role::Admin)
}

/// The free-text fields, by kind, and why each is free text. Everything else is a code
/// from a value list, a date, a count or an id. Kept out by default:
/// - séance: `summary` and the agenda's `notes` (minutes in prose), `venue_other`
///   (typed by hand);
/// - évaluation: `notes`, each threat's `existing_capacities` (may describe the
///   positions of the security forces, which DOMAIN.md says never to collect), the
///   zone's `locality` and `road` (a village or a road named below the commune, where
///   the data stays otherwise);
/// - atelier: `place` and `notes` (the title, organiser and partner stay: they name an
///   event and organisations, and the registry of workshops needs them);
/// - recommandation: `text`, `responsible` and `evidence`. The text is the substance of
///   a recommendation, but it is prose written in a meeting, the field most likely to
///   name someone; its addressee, domain, priority, dates and status stay, which is what
///   the follow-up indicators read.
pub const FREE_TEXT_FIELDS: &[(&str, &str)] = &[
    ("session", "summary"),
    ("session", "agenda.notes"),
    ("session", "venue_other"),
    ("assessment", "notes"),
    ("assessment", "zone.locality"),
    ("assessment", "zone.road"),
    ("assessment", "threats.existing_capacities"),
    ("workshop", "place"),
    ("workshop", "notes"),
    ("recommendation", "text"),
    ("recommendation", "responsible"),
    ("recommendation", "evidence"),
];

/// Decides what an export by `role` carries when the user asked for `asked`. `Ok` is
/// exactly what was asked (nothing is ever added); a request the role may not make is
/// refused with its code.
pub fn plan(role: Role, asked: Included) -> Result<Included, ErrorCode> {
    if !may_export(role) {
        return Err(ErrorCode::ExportRoleNotAllowed);
    }
    if (asked.confidential || asked.named_attendance) && !may_export_confidential(role) {
        return Err(ErrorCode::ExportConfidentialRefused);
    }
    if asked.named_attendance && !asked.confidential {
        return Err(ErrorCode::ExportNamesNeedConfidential);
    }
    Ok(asked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    const NONE: Included = Included { confidential: false, named_attendance: false, free_text: false };
    const TEXT: Included = Included { confidential: false, named_attendance: false, free_text: true };
    const CONF: Included = Included { confidential: true, named_attendance: false, free_text: false };
    const NAMES: Included = Included { confidential: false, named_attendance: true, free_text: false };
    const ALL: Included = Included { confidential: true, named_attendance: true, free_text: true };

    #[rstest]
    #[case::member_never(Role::Member, NONE, Err(ErrorCode::ExportRoleNotAllowed))]
    #[case::member_not_even_confidential(Role::Member, CONF, Err(ErrorCode::ExportRoleNotAllowed))]
    #[case::facilitator_default(Role::Facilitator, NONE, Ok(NONE))]
    #[case::facilitator_free_text(Role::Facilitator, TEXT, Ok(TEXT))]
    #[case::facilitator_confidential_refused(Role::Facilitator, CONF, Err(ErrorCode::ExportConfidentialRefused))]
    #[case::facilitator_names_refused(Role::Facilitator, NAMES, Err(ErrorCode::ExportConfidentialRefused))]
    #[case::facilitator_everything_refused(Role::Facilitator, ALL, Err(ErrorCode::ExportConfidentialRefused))]
    #[case::reviewer_default_leaves_all_out(Role::Reviewer, NONE, Ok(NONE))]
    #[case::reviewer_confidential(Role::Reviewer, CONF, Ok(CONF))]
    #[case::reviewer_names_without_confidential(Role::Reviewer, NAMES, Err(ErrorCode::ExportNamesNeedConfidential))]
    #[case::reviewer_everything(Role::Reviewer, ALL, Ok(ALL))]
    #[case::admin_everything(Role::Admin, ALL, Ok(ALL))]
    #[case::admin_default(Role::Admin, NONE, Ok(NONE))]
    fn what_an_export_carries_by_role_and_request(
        #[case] role: Role,
        #[case] asked: Included,
        #[case] expected: Result<Included, ErrorCode>,
    ) {
        assert_eq!(plan(role, asked), expected, "{role} asking {asked:?}");
    }

    #[test]
    fn nothing_is_ever_added_to_what_was_asked() {
        for role in Role::ALL {
            for bits in 0..8u8 {
                let asked =
                    Included { confidential: bits & 1 != 0, named_attendance: bits & 2 != 0, free_text: bits & 4 != 0 };
                if let Ok(got) = plan(*role, asked) {
                    assert_eq!(got, asked, "{role}");
                    assert!(!got.confidential || may_export_confidential(*role));
                }
            }
        }
    }
}
