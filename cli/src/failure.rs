//! Why a command failed, as one value the binary turns into one line on stderr and an
//! exit status. The errors of `core` are kept as they are (their codes are stable); the
//! CLI adds its own few (`cli.*`) for what only a command line can get wrong: a missing
//! file, an argument that is not a UUID, a passphrase that cannot be asked for.
//!
//! Exit statuses: 1 for any failure, 2 when the record's content was refused (field
//! errors or unreadable input), 3 for a wrong passphrase.

use ccs_core::error_code::{ErrorCode, ReceivedCode};
use ccs_core::i18n::Lang;
use ccs_core::model::input::InputError;
use ccs_core::model::review::TransitionError;
use ccs_core::model::FieldError;
use ccs_core::reference::ReferenceError;
use ccs_core::relay::member::RelayError;
use ccs_core::store::StoreError;
use ccs_core::sync::client::SyncError;

use crate::messages;

#[derive(Debug)]
pub enum Failure {
    Store(StoreError),
    Input(InputError),
    /// An error of the CLI itself: a `cli.*` code of the dictionary and its arguments.
    Cli {
        code: &'static str,
        args: Vec<String>,
    },
    /// Writing to stdout failed (a closed pipe, a full disk).
    Output(std::io::Error),
    /// Enrollment or sync failed: no network, refused by the server, bad answer.
    Sync(SyncError),
    /// A sync that completed but with documents the server refused.
    Rejected(usize),
    /// A relay bundle, slip or export refused.
    Relay(RelayError),
    /// An error of the app's layer (the courier's custody).
    App(ccs_core::app::AppError),
}

impl From<RelayError> for Failure {
    fn from(e: RelayError) -> Self {
        match e {
            RelayError::Store(s) => s.into(),
            other => Failure::Relay(other),
        }
    }
}

impl From<ccs_core::app::AppError> for Failure {
    fn from(e: ccs_core::app::AppError) -> Self {
        Failure::App(e)
    }
}

impl From<SyncError> for Failure {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Store(s) => s.into(),
            other => Failure::Sync(other),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Input(i) => Failure::Input(i),
            other => Failure::Store(other),
        }
    }
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Input(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Output(e)
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        // Keep the kind so that a closed pipe is still recognised as one.
        let kind = e.io_error_kind().unwrap_or(std::io::ErrorKind::Other);
        Failure::Output(std::io::Error::new(kind, e))
    }
}

impl Failure {
    pub fn cli(code: &'static str, args: &[&str]) -> Failure {
        Failure::Cli { code, args: args.iter().map(|a| a.to_string()).collect() }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Store(StoreError::Invalid(_)) | Failure::Input(_) => 2,
            Failure::Store(StoreError::WrongPassphrase) => 3,
            Failure::Rejected(_) => 4,
            _ => 1,
        }
    }

    /// The stable code shown in brackets.
    pub fn code(&self) -> String {
        match self.error_code() {
            Some(c) => c.as_str().to_string(),
            None => match self {
                Failure::Cli { code, .. } => (*code).into(),
                // An unknown code from a newer server is shown as received.
                Failure::Sync(SyncError::Refused { code, .. }) => code.as_str().to_string(),
                _ => "cli.output".into(),
            },
        }
    }

    /// The code of `core` or the server this failure carries; `None` for the CLI's own
    /// errors and a code from a newer server.
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self {
            Failure::Store(e) => Some(e.code()),
            Failure::Input(e) => Some(e.code()),
            Failure::Sync(SyncError::Refused { code: ReceivedCode::Unknown(_), .. }) => None,
            Failure::Sync(e) => Some(e.code()),
            Failure::Rejected(_) => Some(ErrorCode::SyncRejected),
            Failure::Relay(e) => Some(e.code()),
            Failure::App(e) => Some(e.code),
            Failure::Cli { .. } | Failure::Output(_) => None,
        }
    }

    /// Whether this is stdout closed by the reader (`ccs list | head`): not worth a
    /// message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Failure::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// The field errors of a refused record, to print one per line.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Failure::Store(StoreError::Invalid(errors)) => errors,
            _ => &[],
        }
    }

    /// The message in `lang`, on one line: the code's sentence (as the app shows it)
    /// with what this failure adds in brackets, or the CLI's own text.
    pub fn message(&self, lang: Lang) -> String {
        let text = match self {
            Failure::Cli { code, args } => {
                let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                messages::lookup(code, lang, &refs).unwrap_or_else(|| format!("{code} {}", args.join(" ")))
            }
            Failure::Output(e) => messages::text("cli.output", lang, &[&e.to_string()]),
            Failure::App(e) => e.message.get(lang).to_string(),
            Failure::Sync(SyncError::Refused { code, message, .. }) => code.message(message).get(lang).to_string(),
            Failure::Store(StoreError::WeakPassphrase(w)) => {
                // The app's sentence says what to change (a longer PIN, a longer passphrase).
                ccs_core::app::AppError::from(StoreError::WeakPassphrase(*w)).message.get(lang).to_string()
            }
            other => match other.error_code() {
                Some(code) => messages::error_text(code, lang, other.detail(lang).as_deref()),
                None => other.display(),
            },
        };
        one_line(&text)
    }

    fn display(&self) -> String {
        match self {
            Failure::Store(e) => e.to_string(),
            Failure::Input(e) => e.to_string(),
            Failure::Cli { code, args } => format!("{code} {}", args.join(" ")),
            Failure::Output(e) => e.to_string(),
            Failure::Sync(e) => e.to_string(),
            Failure::Rejected(n) => format!("{n} record(s) refused by the server"),
            Failure::Relay(e) => e.to_string(),
            Failure::App(e) => e.to_string(),
        }
    }

    /// What the failure adds to its code's sentence: a path, an id, the role and the
    /// decision refused; `None` when the sentence says it all.
    fn detail(&self, lang: Lang) -> Option<String> {
        match self {
            Failure::Store(e) => store_detail(e, lang),
            Failure::Input(e) => input_detail(e, lang),
            Failure::Sync(SyncError::NotEnrolled) => None,
            Failure::Sync(e) => Some(e.to_string()),
            Failure::Rejected(n) => Some(n.to_string()),
            Failure::Relay(RelayError::NotEnrolled) => None,
            Failure::Relay(RelayError::SlipExpired(d)) => Some(d.format("%d/%m/%Y").to_string()),
            Failure::Relay(e) => Some(e.to_string()),
            Failure::Cli { .. } | Failure::Output(_) | Failure::App(_) => None,
        }
    }
}

fn store_detail(e: &StoreError, lang: Lang) -> Option<String> {
    use ccs_core::doc::DocError;
    Some(match e {
        StoreError::Corrupt(s)
        | StoreError::NotFound(s)
        | StoreError::AlreadyExists(s)
        | StoreError::KeyFile(s)
        | StoreError::RecordNotFound(s)
        | StoreError::Forbidden(s)
        | StoreError::Io(s)
        | StoreError::Sqlite(s) => s.clone(),
        StoreError::NewerStore(v) => v.to_string(),
        StoreError::Invalid(errors) => errors.len().to_string(),
        StoreError::ReadOnly(id) | StoreError::Locked(id) => id.to_string(),
        StoreError::Input(i) => return input_detail(i, lang),
        StoreError::Review(t) => match t {
            TransitionError::RoleNotAllowed { role, decision } => {
                format!("« {} » : « {} »", role.label(lang), decision.label(lang))
            }
            TransitionError::NotFromStatus { decision, from } => {
                format!("« {} » : « {} »", decision.label(lang), from.label(lang))
            }
            TransitionError::CommentRequired | TransitionError::ReasonRequired => "--comment".into(),
        },
        StoreError::Doc(d) => match d {
            DocError::Corrupt(s)
            | DocError::Malformed(s)
            | DocError::Internal(s)
            | DocError::NoConflict(s)
            | DocError::BadPath(s)
            | DocError::UnknownHeads(s)
            | DocError::TooLarge(s) => s.clone(),
            DocError::TooDeep(n) => n.to_string(),
            DocError::NewerSchema(v) => v.to_string(),
        },
        StoreError::Reference(r) => reference_detail(r),
        _ => return None,
    })
}

fn reference_detail(r: &ReferenceError) -> String {
    match r {
        ReferenceError::DuplicateCode { code } => code.clone(),
        ReferenceError::UnknownParent { parent, .. }
        | ReferenceError::WrongParentLevel { parent, .. }
        | ReferenceError::OutsideParentValidity { parent, .. } => parent.clone(),
        ReferenceError::BadCode { code, expected } => format!("{code} → {expected}"),
        ReferenceError::BadDates { .. } => String::new(),
        ReferenceError::Parse { line, message } => format!("{line}: {message}"),
    }
}

fn input_detail(e: &InputError, lang: Lang) -> Option<String> {
    Some(match e {
        InputError::TooLarge { max } => max.to_string(),
        InputError::Syntax(s) | InputError::ReadOnly(s) => s.clone(),
        InputError::Fields { kind, message, .. } => format!("{} : {message}", kind.label(lang).to_lowercase()),
        InputError::BadValue { field, message } => format!("{field} : {message}"),
        InputError::NotAnObject | InputError::CommitteeRequired => return None,
    })
}

/// Folds line breaks so that an error is always one line.
fn one_line(s: &str) -> String {
    s.split(['\n', '\r']).map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_tell_content_and_passphrase_failures_apart() {
        assert_eq!(Failure::from(StoreError::Invalid(vec![])).exit_code(), 2);
        assert_eq!(Failure::from(InputError::NotAnObject).exit_code(), 2);
        assert_eq!(Failure::from(StoreError::Input(InputError::CommitteeRequired)).exit_code(), 2);
        assert_eq!(Failure::from(StoreError::WrongPassphrase).exit_code(), 3);
        assert_eq!(Failure::from(StoreError::NotFound("x".into())).exit_code(), 1);
    }

    #[test]
    fn messages_are_the_sentences_of_their_code_in_both_languages() {
        let e = Failure::from(StoreError::NotFound("/tmp/x.db".into()));
        assert_eq!(e.message(Lang::Fr), "Aucune donnée sur cet appareil (/tmp/x.db).");
        assert_eq!(e.message(Lang::En), "No data on this device (/tmp/x.db).");
    }

    #[test]
    fn an_error_is_always_one_line() {
        let e = Failure::from(StoreError::Sqlite("a\nb\r\n c".into()));
        assert_eq!(e.message(Lang::En), "Database error on the device (a b c).");
    }
}
