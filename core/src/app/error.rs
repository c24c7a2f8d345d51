//! The one error the app's front end receives: a stable code ([`ErrorCode`], a typed
//! union in TypeScript), a message ready to show in French and English, and the field
//! errors of an invalid record. Every lower error (store, sync, input) is translated
//! here, so no screen parses a message; the sentences are the codes' own
//! ([`ErrorCode::sentence`]), shared with the CLI and the server.

use serde::Serialize;

use crate::error_code::{ErrorCode, ReceivedCode};
use crate::i18n::Message;
use crate::model::input::InputError;
use crate::model::FieldError;
use crate::store::StoreError;
use crate::sync::client::SyncError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, thiserror::Error)]
#[error("{code}: {}", message.en)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: Message,
    /// Field errors, for `record.invalid` and input errors.
    pub fields: Vec<FieldError>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: Message) -> AppError {
        AppError { code, message, fields: Vec::new() }
    }

    /// The code with its own sentence.
    pub fn of(code: ErrorCode) -> AppError {
        AppError::new(code, code.message())
    }

    /// The code's sentence with a detail in brackets (a path, an id).
    pub fn with_detail(code: ErrorCode, detail: &str) -> AppError {
        AppError::new(code, code.message_with(detail))
    }

    /// An unexpected failure: the detail is for the log, the user gets the code's
    /// sentence with the detail in brackets.
    pub fn internal(code: ErrorCode, detail: String) -> AppError {
        AppError::with_detail(code, &detail)
    }

    pub fn locked() -> AppError {
        AppError::of(ErrorCode::AppLocked)
    }
}

/// The field errors an input error stands for: the form shows them beside the field.
pub fn input_fields(e: &InputError) -> Vec<FieldError> {
    if let InputError::Fields { problems, .. } = e {
        if !problems.is_empty() {
            return problems
                .iter()
                .map(|p| FieldError {
                    code: e.code().as_str().into(),
                    path: p.path.clone(),
                    message: Message::new(
                        format!("Champ obligatoire ou valeur invalide ({}).", p.message),
                        format!("Required field or invalid value ({}).", p.message),
                    ),
                })
                .collect();
        }
    }
    let (path, fr, en) = match e {
        InputError::Fields { path, message, .. } => (
            path.clone(),
            format!("Champ obligatoire ou valeur invalide ({message})."),
            format!("Required field or invalid value ({message})."),
        ),
        InputError::BadValue { field, message } => {
            (field.to_string(), format!("Valeur invalide ({message})."), format!("Invalid value ({message})."))
        }
        InputError::ReadOnly(f) => {
            (f.clone(), "Ce champ ne peut pas être modifié.".into(), "This field cannot be changed.".into())
        }
        InputError::CommitteeRequired => {
            ("committee_id".into(), "Choisissez le comité.".into(), "Choose the committee.".into())
        }
        InputError::TooLarge { max } => (
            String::new(),
            format!("Fiche trop volumineuse (plus de {max} octets)."),
            format!("Record too large (over {max} bytes)."),
        ),
        InputError::Syntax(m) => (String::new(), format!("Données illisibles : {m}"), format!("Unreadable data: {m}")),
        InputError::NotAnObject => (String::new(), "Données illisibles.".into(), "Unreadable data.".into()),
    };
    vec![FieldError { code: e.code().as_str().into(), path, message: Message::new(fr, en) }]
}

impl From<InputError> for AppError {
    fn from(e: InputError) -> Self {
        let fields = input_fields(&e);
        AppError { code: e.code(), message: ErrorCode::RecordInvalid.message(), fields }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let code = e.code();
        let message = match &e {
            StoreError::WeakPassphrase(w) => weak_passphrase_message(*w),
            StoreError::Input(i) => return AppError::from(i.clone()),
            // What a user can act on is in the sentence; these details help whoever
            // looks at a damaged device.
            StoreError::Corrupt(d) | StoreError::KeyFile(d) | StoreError::Io(d) | StoreError::Sqlite(d) => {
                code.message_with(d)
            }
            StoreError::Doc(d) => code.message_with(&d.to_string()),
            StoreError::Reference(r) => code.message_with(&r.to_string()),
            StoreError::Review(t) => code.message_with(&t.to_string()),
            _ => code.message(),
        };
        let fields = match e {
            StoreError::Invalid(f) => f,
            _ => Vec::new(),
        };
        AppError { code, message, fields }
    }
}

/// What a server refusal code means, in plain words: the code's own sentence, or for a
/// code this version does not know (a newer server), a sentence naming it with the
/// server's `detail`.
pub fn refusal_message(code: &str, detail: &str) -> Message {
    ReceivedCode::parse(code).message(detail)
}

/// What the app says about a received entry kept aside (see `store::quarantine`): the
/// record's changes from elsewhere could not be applied on this device, and sync went on.
pub fn quarantine_message(code: &str) -> Message {
    let set_aside = |what: Message| {
        Message::new(
            format!("{} Mise à l’écart ; la synchronisation continue.", what.fr),
            format!("{} Set aside; sync goes on.", what.en),
        )
    };
    match ErrorCode::from_code(code) {
        // Its sentence already says it was set aside.
        Some(ErrorCode::SyncEntryPanicked) => ErrorCode::SyncEntryPanicked.message(),
        Some(c) => set_aside(c.message()),
        None => set_aside(Message::new(
            format!("Modification reçue impossible à appliquer ({code})."),
            format!("Received change that cannot be applied ({code})."),
        )),
    }
}

impl From<SyncError> for AppError {
    fn from(e: SyncError) -> Self {
        let message = match &e {
            SyncError::Refused { code, message, .. } => code.message(message),
            SyncError::BadResponse(d) => ErrorCode::SyncBadResponse.message_with(d),
            SyncError::Wire(w) => ErrorCode::SyncBadResponse.message_with(&w.to_string()),
            SyncError::Store(s) => return AppError::from(StoreError::Io(s.to_string())),
            other => other.code().message(),
        };
        AppError { code: e.code(), message, fields: Vec::new() }
    }
}

/// Why a new passphrase or PIN is refused, in words that say what to change: a word gets
/// no PIN advice and a PIN no advice about words.
fn weak_passphrase_message(w: crate::store::Weakness) -> Message {
    use crate::store::{Weakness, MIN_PASSPHRASE_CHARS, MIN_PIN_DIGITS};
    match w {
        Weakness::TooShort => Message::new(
            format!(
                "Code secret trop court : au moins {MIN_PASSPHRASE_CHARS} caractères. \
                 Quelques mots faciles à retenir conviennent, par exemple « mangue-sable-fleuve »."
            ),
            format!(
                "Secret code too short: at least {MIN_PASSPHRASE_CHARS} characters. \
                 A few words easy to remember will do, for example “mango-sand-river”."
            ),
        ),
        Weakness::ShortPin => Message::new(
            format!(
                "Code PIN trop court : au moins {MIN_PIN_DIGITS} chiffres, ou ajoutez des lettres. \
                 Un code de 6 chiffres se devine en quelques heures sur un téléphone saisi."
            ),
            format!(
                "PIN too short: at least {MIN_PIN_DIGITS} digits, or add letters. \
                 A 6-digit PIN is guessed in hours on a seized phone."
            ),
        ),
        Weakness::PinPattern => Message::new(
            "Code PIN trop simple : ni une suite (0123456789) ni un seul chiffre répété.",
            "PIN too simple: not a run (0123456789) nor one repeated digit.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_the_sentences_of_their_codes() {
        let wrong = AppError::from(StoreError::WrongPassphrase);
        assert_eq!(
            (wrong.code, wrong.message.fr.as_str()),
            (ErrorCode::StoreWrongPassphrase, "Code secret incorrect.")
        );
        let json = serde_json::to_value(&wrong).unwrap();
        assert_eq!(json["code"], "store.wrong_passphrase", "the UI receives the same string as before");
        assert_eq!(refusal_message("auth.revoked", "revoked"), ErrorCode::AuthRevoked.message());
        assert!(refusal_message("quota.exceeded", "over quota").fr.contains("quota.exceeded"));
        let q = quarantine_message("changes.missing_deps");
        assert!(
            q.fr.starts_with("Modification incomplète") && q.fr.ends_with("la synchronisation continue."),
            "{}",
            q.fr
        );
        assert!(quarantine_message("from.the_future").en.contains("from.the_future"));
    }
}
