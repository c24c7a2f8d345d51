//! The one error the app's front end receives: a stable code, a message ready to show in
//! French and English, and the field errors of an invalid record. Every lower error
//! (store, sync, input) is translated here, so no screen parses a message.

use serde::Serialize;

use crate::i18n::Message;
use crate::model::input::InputError;
use crate::model::FieldError;
use crate::store::StoreError;
use crate::sync::client::SyncError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS, thiserror::Error)]
#[error("{code}: {}", message.en)]
pub struct AppError {
    pub code: String,
    pub message: Message,
    /// Field errors, for `record.invalid` and input errors.
    pub fields: Vec<FieldError>,
}

impl AppError {
    pub fn new(code: impl Into<String>, message: Message) -> AppError {
        AppError { code: code.into(), message, fields: Vec::new() }
    }

    /// An unexpected failure: the detail is for the log, the user gets a plain sentence.
    pub fn internal(code: &str, detail: String) -> AppError {
        AppError::new(
            code,
            Message::new(
                format!("Erreur inattendue ({code}) : {detail}"),
                format!("Unexpected error ({code}): {detail}"),
            ),
        )
    }

    pub fn locked() -> AppError {
        AppError::new("app.locked", Message::new("L’application est verrouillée.", "The app is locked."))
    }
}

/// The field errors an input error stands for: the form shows them beside the field.
pub fn input_fields(e: &InputError) -> Vec<FieldError> {
    if let InputError::Fields { problems, .. } = e {
        if !problems.is_empty() {
            return problems
                .iter()
                .map(|p| FieldError {
                    code: e.code().into(),
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
    vec![FieldError { code: e.code().into(), path, message: Message::new(fr, en) }]
}

impl From<InputError> for AppError {
    fn from(e: InputError) -> Self {
        let fields = input_fields(&e);
        AppError {
            code: e.code().into(),
            message: Message::new("La fiche contient des erreurs.", "The record has errors."),
            fields,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let code = e.code();
        let m = |fr: &str, en: &str| Message::new(fr, en);
        let message = match &e {
            StoreError::WrongPassphrase => m("Code secret incorrect.", "Wrong PIN or passphrase."),
            StoreError::NotFound(_) => m("Aucune donnée sur cet appareil.", "No data on this device."),
            StoreError::AlreadyExists(_) => {
                m("Des données existent déjà sur cet appareil.", "This device already holds data.")
            }
            StoreError::Corrupt(d) => Message::new(
                format!("Les données de l’appareil sont endommagées : {d}"),
                format!("The device's data is damaged: {d}"),
            ),
            StoreError::KeyFile(d) => Message::new(
                format!("Le fichier de clé est illisible : {d}"),
                format!("The key file cannot be read: {d}"),
            ),
            StoreError::WeakPassphrase(w) => weak_passphrase_message(*w),
            StoreError::NewerStore(_) => m(
                "Ces données viennent d’une version plus récente de l’application : mettez-la à jour.",
                "This data comes from a newer version of the app: update it.",
            ),
            StoreError::Invalid(_) => m("La fiche contient des erreurs.", "The record has errors."),
            StoreError::RecordNotFound(_) => m("Fiche introuvable.", "Record not found."),
            StoreError::ReadOnly(_) => m(
                "Fiche écrite par une version plus récente : lecture seule.",
                "Record written by a newer version: read-only.",
            ),
            StoreError::Locked(_) => m(
                "Fiche approuvée : elle doit être rouverte avant toute modification.",
                "Approved record: it must be reopened before any change.",
            ),
            StoreError::Forbidden(_) => m(
                "Votre rôle ne permet pas cette action sur cette fiche.",
                "Your role does not allow this on this record.",
            ),
            StoreError::Review(t) => {
                Message::new(format!("Décision impossible : {t}"), format!("Decision not possible: {t}"))
            }
            StoreError::Input(i) => return AppError::from(i.clone()),
            StoreError::Doc(d) => {
                Message::new(format!("Document illisible : {d}"), format!("Unreadable document: {d}"))
            }
            StoreError::Reference(r) => Message::new(format!("Référentiel : {r}"), format!("Reference data: {r}")),
            StoreError::Io(d) | StoreError::Sqlite(d) => Message::new(
                format!("Erreur d’enregistrement sur l’appareil : {d}"),
                format!("Storage error on the device: {d}"),
            ),
        };
        let fields = match e {
            StoreError::Invalid(f) => f,
            _ => Vec::new(),
        };
        AppError { code: code.into(), message, fields }
    }
}

/// What a server refusal code means, in plain words.
pub fn refusal_message(code: &str, detail: &str) -> Message {
    let m = |fr: &str, en: &str| Message::new(fr, en);
    match code {
        "auth.revoked" => m(
            "Cet appareil a été révoqué par l’administrateur : il ne peut plus synchroniser. Contactez votre facilitateur.",
            "This device was revoked by the administrator: it can no longer sync. Contact your facilitator.",
        ),
        "auth.unknown_token" | "auth.missing" => m(
            "Le serveur ne reconnaît pas cet appareil : il faut l’enrôler à nouveau.",
            "The server does not know this device: it must be enrolled again.",
        ),
        "enroll.invalid_code" => m("Code d’enrôlement inconnu : vérifiez-le.", "Unknown enrollment code: check it."),
        "enroll.expired" => m(
            "Ce code d’enrôlement a expiré : demandez-en un nouveau à l’administrateur.",
            "This enrollment code has expired: ask the administrator for a new one.",
        ),
        "enroll.used" => m(
            "Ce code d’enrôlement a déjà servi : demandez-en un nouveau.",
            "This enrollment code was already used: ask for a new one.",
        ),
        "enroll.device_exists" => m("Cet appareil est déjà enrôlé.", "This device is already enrolled."),
        "enroll.demo_store" => m(
            "Cet appareil contient des données de démonstration : elles ne doivent jamais partir vers un vrai serveur. Effacez l’appareil (Réglages) et recommencez avec un nouveau code secret.",
            "This device holds demonstration data: it must never reach a real server. Wipe the device (Settings) and start again with a new passphrase.",
        ),
        "scope.outside" => m(
            "Fiche hors du périmètre de cet appareil (autre comité ou autre région).",
            "Record outside this device's scope (another committee or region).",
        ),
        "scope.registry_read_only" => m(
            "Le registre des comités est tenu par les administrateurs et la CRSS.",
            "The committee registry is kept by administrators and the CRSS.",
        ),
        "review.role_not_allowed" => m(
            "Décision de revue refusée : votre rôle ne permet pas cette décision.",
            "Review decision refused: your role does not allow it.",
        ),
        "lineage.forged" => m(
            "Le serveur a refusé cette copie sans historique : la fiche d’origine lui est inconnue ou hors de votre périmètre.",
            "The server refused this copy without history: its original record is unknown to it or outside your scope.",
        ),
        "record.purge_not_allowed" => m(
            "Seuls les facilitateurs, la CRSS et les administrateurs peuvent purger l’historique d’une fiche.",
            "Only facilitators, CRSS reviewers and administrators may purge a record's history.",
        ),
        "review.forged" => m(
            "Le serveur a refusé la fiche : le suivi de revue ne peut être que complété, jamais modifié ni effacé, et chaque décision doit venir de l’appareil et du rôle qui la prennent.",
            "The server refused the record: the review trail can only be added to, never changed or erased, and each decision must come from the device and role making it.",
        ),
        "record.locked" => m(
            "Fiche approuvée par la CRSS : rouvrez-la avant de la modifier ; la modification n’a pas été envoyée.",
            "Record approved by the CRSS: reopen it before editing; the edit was not sent.",
        ),
        "changes.foreign_actor" => m(
            "Le serveur a refusé la fiche : elle contient des modifications signées au nom d’un autre appareil.",
            "The server refused the record: it holds changes made in another device's name.",
        ),
        "doc.sensitivity_lowered" => m(
            "Le serveur ne baisse jamais la sensibilité d’une fiche : son historique resterait lisible. Faites-en une copie déclassifiée (nouvelle fiche sans historique).",
            "The server never lowers a record's sensitivity: its history would stay readable. Make a declassified copy (a new record without history).",
        ),
        "doc.unreadable" => m(
            "Le serveur a refusé la fiche : après ces modifications, elle ne se lit plus comme une fiche.",
            "The server refused the record: after these changes it no longer reads as a record.",
        ),
        "doc.too_large" => m(
            "Fiche trop volumineuse pour le serveur : elle n’a pas été envoyée.",
            "Record too large for the server: it was not sent.",
        ),
        "doc.too_deep" => m(
            "Le serveur a refusé la fiche : sa structure est imbriquée trop profondément.",
            "The server refused the record: its structure is nested too deeply.",
        ),
        "changes.malformed" => m(
            "Le serveur a refusé la fiche : ses modifications sont illisibles ou incomplètes.",
            "The server refused the record: its changes are unreadable or incomplete.",
        ),
        "server.timeout" => m(
            "Le serveur a mis trop de temps à répondre : rien n’a été perdu, réessayez dans un moment.",
            "The server took too long to answer: nothing was lost, try again in a moment.",
        ),
        "request.rate_limited" => m(
            "Trop de demandes de cet appareil en peu de temps : la synchronisation reprendra dans un instant.",
            "Too many requests from this device in a short time: sync will resume in a moment.",
        ),
        "doc.meta_mismatch" => m(
            "Le serveur a refusé la fiche : son comité ou son type ne correspond pas.",
            "The server refused the record: its committee or kind does not match.",
        ),
        "server.busy" => m(
            "Le serveur est très chargé : rien n’a été perdu, la synchronisation reprendra d’elle-même un peu plus tard.",
            "The server is very busy: nothing was lost, sync will resume by itself a little later.",
        ),
        "request.too_large" | "request.too_many_docs" => m(
            "Envoi trop volumineux pour le serveur.",
            "Too much data for the server in one request.",
        ),
        _ => Message::new(
            format!("Le serveur a refusé ({code}) : {detail}"),
            format!("The server refused ({code}): {detail}"),
        ),
    }
}

/// What the app says about a received entry kept aside (see `store::quarantine`): the
/// record's changes from elsewhere could not be applied on this device.
pub fn quarantine_message(code: &str) -> Message {
    let m = |fr: &str, en: &str| Message::new(fr, en);
    match code {
        "doc.corrupt" => m(
            "Modification reçue illisible (données abîmées) : mise à l’écart, la synchronisation continue.",
            "Received change unreadable (damaged data): set aside, sync goes on.",
        ),
        "changes.missing_deps" => m(
            "Modification reçue incomplète (il lui manque des modifications antérieures) : mise à l’écart, la synchronisation continue.",
            "Received change incomplete (earlier changes are missing): set aside, sync goes on.",
        ),
        "doc.malformed" => m(
            "Modification reçue incohérente (elle ne correspond pas à la fiche annoncée) : mise à l’écart, la synchronisation continue.",
            "Received change inconsistent (it does not match the record announced): set aside, sync goes on.",
        ),
        "sync.entry_panicked" => m(
            "Modification reçue que cet appareil ne sait pas traiter : mise à l’écart, la synchronisation continue.",
            "Received change this device cannot process: set aside, sync goes on.",
        ),
        _ => Message::new(
            format!("Modification reçue impossible à appliquer ({code}) : mise à l’écart, la synchronisation continue."),
            format!("Received change that cannot be applied ({code}): set aside, sync goes on."),
        ),
    }
}

impl From<SyncError> for AppError {
    fn from(e: SyncError) -> Self {
        let code = e.code();
        let message = match &e {
            SyncError::NotEnrolled => Message::new(
                "Cet appareil n’est pas enrôlé auprès d’un serveur : rien à synchroniser.",
                "This device is not enrolled with a server: nothing to sync.",
            ),
            SyncError::Network(_) => Message::new(
                "Pas de réseau : le serveur ne répond pas. Vos données restent sur l’appareil et partiront à la prochaine synchronisation.",
                "No network: the server does not answer. Your data stays on the device and will go at the next sync.",
            ),
            SyncError::Refused { code, message, .. } => refusal_message(code, message),
            SyncError::BadResponse(d) => Message::new(
                format!("Réponse du serveur illisible : {d}"),
                format!("Unreadable server answer: {d}"),
            ),
            SyncError::Wire(w) => Message::new(
                format!("Réponse du serveur illisible : {w}"),
                format!("Unreadable server answer: {w}"),
            ),
            SyncError::Store(s) => return AppError::from(StoreError::Io(s.to_string())),
            SyncError::RepairStuck => Message::new(
                "La réparation avec le serveur n’a pas abouti ; réessayez.",
                "Repair with the server did not finish; try again.",
            ),
            SyncError::Address(_) => Message::new(
                "Adresse du serveur refusée : http:// n’est accepté que pour un serveur sur cet appareil ; utilisez https://.",
                "Server address refused: http:// is accepted only for a server on this device; use https://.",
            ),
            SyncError::Cancelled => Message::new(
                "Synchronisation interrompue : l’application a été verrouillée ou effacée. Ce qui était reçu est gardé, le reste partira à la prochaine synchronisation.",
                "Sync stopped: the app was locked or wiped. What was received is kept; the rest goes at the next sync.",
            ),
        };
        AppError { code, message, fields: Vec::new() }
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
