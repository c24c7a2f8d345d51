//! Why a command failed, as one value the binary turns into one line on stderr and an
//! exit status. The errors of `core` are kept as they are (their codes are stable); the
//! CLI adds its own few (`cli.*`) for what only a command line can get wrong: a missing
//! file, an argument that is not a UUID, a passphrase that cannot be asked for.
//!
//! Exit statuses: 1 for any failure, 2 when the record's content was refused (field
//! errors or unreadable input), 3 for a wrong passphrase.

use ccs_core::i18n::Lang;
use ccs_core::model::input::InputError;
use ccs_core::model::review::TransitionError;
use ccs_core::model::FieldError;
use ccs_core::reference::ReferenceError;
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
        match self {
            Failure::Store(e) => e.code().into(),
            Failure::Input(e) => e.code().into(),
            Failure::Cli { code, .. } => (*code).into(),
            Failure::Output(_) => "cli.output".into(),
            Failure::Sync(e) => e.code(),
            Failure::Rejected(_) => "sync.rejected".into(),
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

    /// The message in `lang`, on one line.
    pub fn message(&self, lang: Lang) -> String {
        let code = self.code();
        let text = match self.args(lang) {
            Some(args) => {
                let refs: Vec<&str> = args.iter().map(String::as_str).collect();
                messages::lookup(&code, lang, &refs)
            }
            None => None,
        };
        let text = text.unwrap_or_else(|| self.display());
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
        }
    }

    /// The dictionary arguments of the error; `None` to use its `Display` instead.
    fn args(&self, lang: Lang) -> Option<Vec<String>> {
        match self {
            Failure::Store(e) => store_args(e, lang),
            Failure::Input(e) => Some(input_args(e, lang)),
            Failure::Cli { args, .. } => Some(args.clone()),
            Failure::Output(e) => Some(vec![e.to_string()]),
            Failure::Sync(e) => Some(vec![match e {
                SyncError::Refused { message, .. } => message.clone(),
                other => other.to_string(),
            }]),
            Failure::Rejected(n) => Some(vec![n.to_string()]),
        }
    }
}

fn store_args(e: &StoreError, lang: Lang) -> Option<Vec<String>> {
    use ccs_core::doc::DocError;
    Some(match e {
        StoreError::Corrupt(s)
        | StoreError::NotFound(s)
        | StoreError::AlreadyExists(s)
        | StoreError::KeyFile(s)
        | StoreError::RecordNotFound(s)
        | StoreError::Forbidden(s)
        | StoreError::Io(s)
        | StoreError::Sqlite(s) => vec![s.clone()],
        StoreError::NewerStore(v) => vec![v.to_string()],
        StoreError::Invalid(errors) => vec![errors.len().to_string()],
        StoreError::ReadOnly(id) | StoreError::Locked(id) => vec![id.to_string()],
        StoreError::Input(i) => input_args(i, lang),
        StoreError::Review(t) => match t {
            TransitionError::RoleNotAllowed { role, decision } => {
                vec![role.label(lang).to_string(), decision.label(lang).to_string()]
            }
            TransitionError::NotFromStatus { decision, from } => {
                vec![decision.label(lang).to_string(), from.label(lang).to_string()]
            }
            TransitionError::CommentRequired => vec![],
        },
        StoreError::Doc(d) => match d {
            DocError::Corrupt(s)
            | DocError::Malformed(s)
            | DocError::Internal(s)
            | DocError::NoConflict(s)
            | DocError::BadPath(s)
            | DocError::UnknownHeads(s) => vec![s.clone()],
            // Shares its code with `StoreError::ReadOnly`, whose text names a record.
            DocError::NewerSchema(_) => return None,
        },
        StoreError::Reference(r) => reference_args(r),
        _ => vec![],
    })
}

fn reference_args(r: &ReferenceError) -> Vec<String> {
    match r {
        ReferenceError::DuplicateCode { code } => vec![code.clone()],
        ReferenceError::UnknownParent { parent, .. }
        | ReferenceError::WrongParentLevel { parent, .. }
        | ReferenceError::OutsideParentValidity { parent, .. } => vec![parent.clone()],
        ReferenceError::BadCode { code, expected } => vec![code.clone(), expected.clone()],
        ReferenceError::BadDates { .. } => vec![],
        ReferenceError::Parse { line, message } => vec![format!("{line}: {message}")],
    }
}

fn input_args(e: &InputError, lang: Lang) -> Vec<String> {
    match e {
        InputError::TooLarge { max } => vec![max.to_string()],
        InputError::Syntax(s) | InputError::ReadOnly(s) => vec![s.clone()],
        InputError::Fields { kind, message, .. } => {
            vec![kind.label(lang).to_lowercase(), message.clone()]
        }
        InputError::BadValue { field, message } => vec![field.to_string(), message.clone()],
        InputError::NotAnObject | InputError::CommitteeRequired => vec![],
    }
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
    fn messages_come_from_the_dictionary_in_both_languages() {
        let e = Failure::from(StoreError::NotFound("/tmp/x.db".into()));
        assert_eq!(e.message(Lang::Fr), "aucune base à /tmp/x.db");
        assert_eq!(e.message(Lang::En), "no store at /tmp/x.db");
    }

    #[test]
    fn an_error_is_always_one_line() {
        let e = Failure::from(StoreError::Sqlite("a\nb\r\n c".into()));
        assert_eq!(e.message(Lang::En), "database error: a b c");
    }
}
