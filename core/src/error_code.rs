//! Every error code the app, the CLI and the sync server give, declared once with its one
//! French and English sentence.
//!
//! A code is a stable string (`store.wrong_passphrase`): it goes on the wire in the
//! server's `{code, message}` bodies and per-document refusals, in the JSON the UI
//! receives, and in brackets after a CLI error. The strings never change once shipped (a
//! test lists them); the sentences may be reworded. The UI gets the enum as a TypeScript
//! union (ts-rs), so it matches on values a compiler checks, never on free strings (as
//! GitButler's `but-error` `Code`).
//!
//! What does not belong here: the field codes of validation (`attendance.total_mismatch`,
//! with a sentence per field in `model::validation`), the CLI's own `cli.*` usage errors
//! and its `out.*` texts (in `cli/src/messages.rs`).
//!
//! A server newer than this device may send a code this enum does not know:
//! [`ReceivedCode`] keeps it at the parsing boundary (the client's reading of a server
//! answer), and nowhere else.

use crate::i18n::{Lang, Message};

/// Declares the enum with, per code: its variant, stable string, French and English
/// sentence.
macro_rules! error_codes {
    ($($variant:ident => $code:literal, $fr:literal, $en:literal;)+) => {
        /// A stable error code. Serialises as its string (`"store.wrong_passphrase"`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize, ts_rs::TS)]
        pub enum ErrorCode {
            $(#[serde(rename = $code)] $variant,)+
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The stable string of the code.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),+ }
            }

            /// The code's one sentence in `lang`.
            pub const fn sentence(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((ErrorCode::$variant, Lang::Fr) => $fr, (ErrorCode::$variant, Lang::En) => $en,)+
                }
            }

            /// The code of a string, if this version knows it.
            pub fn from_code(code: &str) -> Option<ErrorCode> {
                match code { $($code => Some(ErrorCode::$variant),)+ _ => None }
            }
        }
    };
}

error_codes! {
    // ---------------------------------------------------------------- the app
    AppLocked => "app.locked", "L’application est verrouillée.", "The app is locked.";
    AppSettingsIo => "app.settings_io", "Les réglages n’ont pas pu être enregistrés sur l’appareil.", "The settings could not be saved on the device.";
    AppTask => "app.task", "Erreur inattendue de l’application.", "Unexpected error in the app.";
    UnlockWiped => "unlock.wiped", "Trop d’essais incorrects : les données de cet appareil ont été effacées.", "Too many wrong attempts: this device’s data has been wiped.";
    SettingsServerUrl => "settings.server_url", "Adresse du serveur invalide : elle commence par https:// (ou http:// en local).", "Invalid server address: it starts with https:// (or http:// locally).";
    SettingsServerUrlHttp => "settings.server_url_http", "Adresse refusée : http:// n’est accepté que pour un serveur sur cet appareil. Utilisez https://, sinon le code d’accès et les fiches circuleraient en clair.", "Address refused: http:// is accepted only for a server on this device. Use https://, or the access token and the records would travel in clear.";
    SettingsLockMinutes => "settings.lock_minutes", "Délai de verrouillage hors des limites permises.", "Lock delay outside the allowed range.";
    SettingsMaxAttempts => "settings.max_attempts", "Nombre d’essais hors des limites permises.", "Number of attempts outside the allowed range.";
    SettingsWindowName => "settings.window_name", "Nom de l’application trop long ou vide.", "App name too long or empty.";
    UiUnexpected => "ui.unexpected", "Erreur inattendue.", "Unexpected error.";
    // ---------------------------------------------------------------- the local store
    StoreWrongPassphrase => "store.wrong_passphrase", "Code secret incorrect.", "Wrong passphrase.";
    StoreNotFound => "store.not_found", "Aucune donnée sur cet appareil.", "No data on this device.";
    StoreExists => "store.exists", "Des données existent déjà sur cet appareil.", "This device already holds data.";
    StoreCorrupt => "store.corrupt", "Les données de l’appareil sont endommagées.", "The device’s data is damaged.";
    StoreKeyFile => "store.key_file", "Le fichier de clé est manquant ou illisible.", "The key file is missing or cannot be read.";
    PassphraseWeak => "passphrase.weak", "Code secret trop faible.", "Passphrase too weak.";
    StoreNewerVersion => "store.newer_version", "Ces données viennent d’une version plus récente de l’application : mettez-la à jour.", "This data comes from a newer version of the app: update it.";
    StoreIo => "store.io", "Erreur d’enregistrement sur l’appareil.", "Storage error on the device.";
    StoreDatabase => "store.database", "Erreur de la base de données de l’appareil.", "Database error on the device.";
    // ---------------------------------------------------------------- records
    RecordInvalid => "record.invalid", "La fiche contient des erreurs : rien n’a été enregistré.", "The record has errors: nothing was saved.";
    RecordNotFound => "record.not_found", "Fiche introuvable.", "Record not found.";
    RecordReadOnly => "record.read_only", "Fiche écrite par une version plus récente : lecture seule.", "Record written by a newer version: read-only.";
    RecordLocked => "record.locked", "Fiche approuvée par la CRSS : rouvrez-la avant de la modifier.", "Record approved by the CRSS: reopen it before editing.";
    RecordForbidden => "record.forbidden", "Votre rôle ne permet pas cette action sur cette fiche.", "Your role does not allow this on this record.";
    RecordDraftPending => "record.draft_pending", "La fiche a des modifications non valides : corrigez les erreurs avant de la soumettre.", "The record has invalid changes: fix the errors before submitting it.";
    RecordPurgeNotAllowed => "record.purge_not_allowed", "Seuls les facilitateurs, la CRSS et les administrateurs peuvent purger l’historique d’une fiche.", "Only facilitators, CRSS reviewers and administrators may purge a record’s history.";
    RecordDeleteNotAllowed => "record.delete_not_allowed", "Suppression refusée : avant la soumission, seuls les membres du comité de la fiche peuvent la supprimer ; ensuite, seuls les facilitateurs et la CRSS.", "Deletion refused: before submission only members of the record’s committee may delete it; after, only facilitators and the CRSS.";
    RecordDeleted => "record.deleted", "Cette fiche a été supprimée.", "This record was deleted.";
    DraftNotFound => "draft.not_found", "Brouillon introuvable.", "Draft not found.";
    DraftUnknownBase => "draft.unknown_base", "Le brouillon part d’une version de la fiche inconnue de cet appareil.", "The draft starts from a version of the record this device does not know.";
    ConflictNotFound => "conflict.not_found", "Aucun conflit sur ce champ.", "No conflict on this field.";
    ConflictBadPath => "conflict.bad_path", "Champ ou choix inconnu.", "Unknown field or choice.";
    // ---------------------------------------------------------------- input
    InputTooLarge => "input.too_large", "Fiche trop volumineuse.", "Record too large.";
    InputSyntax => "input.syntax", "Données illisibles.", "Unreadable data.";
    InputNotAnObject => "input.not_an_object", "Données illisibles : un objet avec les champs de la fiche est attendu.", "Unreadable data: an object with the record’s fields is expected.";
    InputFields => "input.fields", "Champ obligatoire ou valeur invalide.", "Required field or invalid value.";
    InputReadOnly => "input.read_only", "Ce champ ne peut pas être modifié.", "This field cannot be changed.";
    InputCommitteeRequired => "input.committee_required", "Choisissez le comité.", "Choose the committee.";
    InputBadValue => "input.bad_value", "Valeur invalide.", "Invalid value.";
    // ---------------------------------------------------------------- review
    ReviewRoleNotAllowed => "review.role_not_allowed", "Décision de revue refusée : votre rôle ne permet pas cette décision.", "Review decision refused: your role does not allow it.";
    ReviewNotFromStatus => "review.not_from_status", "Cette décision n’est pas possible dans l’état actuel de la fiche.", "This decision is not possible in the record’s current state.";
    ReviewCommentRequired => "review.comment_required", "Un commentaire est obligatoire pour renvoyer la fiche à corriger.", "A comment is required to send the record back for correction.";
    ReviewForged => "review.forged", "Le serveur a refusé la fiche : le suivi de revue ne peut être que complété, jamais modifié ni effacé, et chaque décision doit venir de l’appareil et du rôle qui la prennent.", "The server refused the record: the review trail can only be added to, never changed or erased, and each decision must come from the device and role making it.";
    ReviewWithdrawNotAllowed => "review.withdraw_not_allowed", "Retrait refusé : seule une fiche soumise, sans décision d’un examinateur, peut être retirée par son comité.", "Withdrawal refused: only a submitted record with no reviewer decision may be withdrawn by its committee.";
    // ---------------------------------------------------------------- documents
    DocCorrupt => "doc.corrupt", "Document illisible (données abîmées).", "Unreadable document (damaged data).";
    DocMalformed => "doc.malformed", "Le document ne contient pas une fiche lisible.", "The document does not hold a readable record.";
    DocInternal => "doc.internal", "Erreur interne du document.", "Internal document error.";
    DocTooLarge => "doc.too_large", "Fiche trop volumineuse : elle n’a pas été envoyée.", "Record too large: it was not sent.";
    DocTooDeep => "doc.too_deep", "La fiche est imbriquée trop profondément.", "The record is nested too deeply.";
    DocUnreadable => "doc.unreadable", "Le serveur a refusé la fiche : après ces modifications, elle ne se lit plus comme une fiche.", "The server refused the record: after these changes it no longer reads as a record.";
    DocMetaMismatch => "doc.meta_mismatch", "Le serveur a refusé la fiche : son comité ou son type ne correspond pas.", "The server refused the record: its committee or kind does not match.";
    DocSensitivityLowered => "doc.sensitivity_lowered", "Le serveur ne baisse jamais la sensibilité d’une fiche : son historique resterait lisible. Faites-en une copie déclassifiée (nouvelle fiche sans historique).", "The server never lowers a record’s sensitivity: its history would stay readable. Make a declassified copy (a new record without history).";
    ChangesMalformed => "changes.malformed", "Le serveur a refusé la fiche : ses modifications sont illisibles ou incomplètes.", "The server refused the record: its changes are unreadable or incomplete.";
    ChangesMissingDeps => "changes.missing_deps", "Modification incomplète : il lui manque des modifications antérieures.", "Incomplete change: earlier changes are missing.";
    ChangesForeignActor => "changes.foreign_actor", "Le serveur a refusé la fiche : elle contient des modifications signées au nom d’un autre appareil.", "The server refused the record: it holds changes made in another device’s name.";
    LineageForged => "lineage.forged", "Le serveur a refusé cette copie sans historique : la fiche d’origine lui est inconnue ou hors de votre périmètre.", "The server refused this copy without history: its original record is unknown to it or outside your scope.";
    // ---------------------------------------------------------------- reference data
    ReferenceDuplicateCode => "reference.duplicate_code", "Ce code d’unité existe déjà.", "This unit code is already taken.";
    ReferenceUnknownParent => "reference.unknown_parent", "L’unité parente n’existe pas.", "The parent unit does not exist.";
    ReferenceWrongParentLevel => "reference.wrong_parent_level", "Cette unité ne peut pas être le parent de ce niveau.", "This unit cannot be the parent at this level.";
    ReferenceBadCode => "reference.bad_code", "Code d’unité non conforme.", "Unit code does not follow the rules.";
    ReferenceBadDates => "reference.bad_dates", "La date de début doit précéder la date de fin.", "The start date must be before the end date.";
    ReferenceOutsideParentValidity => "reference.outside_parent_validity", "L’unité serait valide hors de la période de validité de son parent.", "The unit would be valid outside the validity of its parent.";
    ReferenceParse => "reference.parse", "Données de référence illisibles.", "Unreadable reference data.";
    // ---------------------------------------------------------------- sync, client side
    SyncNotEnrolled => "sync.not_enrolled", "Cet appareil n’est pas enrôlé auprès d’un serveur : rien à synchroniser.", "This device is not enrolled with a server: nothing to sync.";
    SyncNetwork => "sync.network", "Pas de réseau : le serveur ne répond pas. Vos données restent sur l’appareil et partiront à la prochaine synchronisation.", "No network: the server does not answer. Your data stays on the device and will go at the next sync.";
    SyncBadResponse => "sync.bad_response", "Réponse du serveur illisible.", "Unreadable server answer.";
    SyncAddress => "sync.address", "Adresse du serveur refusée : http:// n’est accepté que pour un serveur sur cet appareil ; utilisez https://.", "Server address refused: http:// is accepted only for a server on this device; use https://.";
    SyncCancelled => "sync.cancelled", "Synchronisation interrompue : l’application a été verrouillée ou effacée. Ce qui était reçu est gardé, le reste partira à la prochaine synchronisation.", "Sync stopped: the app was locked or wiped. What was received is kept; the rest goes at the next sync.";
    SyncRepairStuck => "sync.repair_stuck", "La réparation avec le serveur n’a pas abouti ; réessayez.", "Repair with the server did not finish; try again.";
    SyncRejected => "sync.rejected", "Des fiches ont été refusées par le serveur.", "Some records were refused by the server.";
    SyncRunning => "sync.running", "Une synchronisation est déjà en cours.", "A sync is already running.";
    SyncEntryPanicked => "sync.entry_panicked", "Modification reçue que cet appareil ne sait pas traiter : mise à l’écart, la synchronisation continue.", "Received change this device cannot process: set aside, sync goes on.";
    SyncRefused => "sync.refused", "Le serveur a refusé la demande pour une raison que cette version ne connaît pas : mettez l’application à jour.", "The server refused the request for a reason this version does not know: update the app.";
    // ---------------------------------------------------------------- wire frames
    WireBadMagic => "wire.bad_magic", "Message de synchronisation illisible (en-tête inconnu).", "Unreadable sync message (unknown header).";
    WireUnsupportedVersion => "wire.unsupported_version", "Message de synchronisation d’une version inconnue : mettez l’application à jour.", "Sync message of an unknown version: update the app.";
    WireBadFlags => "wire.bad_flags", "Message de synchronisation illisible (options inconnues).", "Unreadable sync message (unknown flags).";
    WireTooLarge => "wire.too_large", "Message de synchronisation trop volumineux.", "Sync message too large.";
    WireMalformed => "wire.malformed", "Message de synchronisation illisible.", "Unreadable sync message.";
    WireUnknownNumber => "wire.unknown_number", "Le serveur ne connaît pas le numéro d’une fiche envoyée : l’appareil renvoie ses fiches avec leur identifiant.", "The server does not know the number of a record sent: the device sends its records again with their ids.";
    // ---------------------------------------------------------------- the relay
    BundleBadMagic => "bundle.bad_magic", "Ce fichier n’est pas un paquet CCS Terrain.", "This file is not a CCS Terrain bundle.";
    BundleUnsupportedVersion => "bundle.unsupported_version", "Paquet d’une version inconnue : mettez l’application à jour.", "Bundle of an unknown version: update the app.";
    BundleWrongDirection => "bundle.wrong_direction", "Ce paquet va dans l’autre sens (envoi au serveur ou réponse du serveur).", "This bundle goes the other way (to the server or from the server).";
    BundleTruncated => "bundle.truncated", "Paquet incomplet : le fichier a été coupé pendant la copie. Recopiez-le.", "Incomplete bundle: the file was cut while copied. Copy it again.";
    BundleHeaderTooLarge => "bundle.header_too_large", "Paquet refusé : en-tête trop grand.", "Bundle refused: header too large.";
    BundleHeaderMalformed => "bundle.header_malformed", "Paquet refusé : en-tête illisible.", "Bundle refused: unreadable header.";
    BundleTooLarge => "bundle.too_large", "Paquet trop volumineux.", "Bundle too large.";
    BundleBadSignature => "bundle.bad_signature", "Paquet refusé : sa signature ne correspond pas, il a été modifié en route.", "Bundle refused: its signature does not match, it was altered on the way.";
    BundleUnknownSigner => "bundle.unknown_signer", "Paquet refusé : il vient d’un appareil inconnu.", "Bundle refused: it comes from an unknown device.";
    BundleRevokedSigner => "bundle.revoked_signer", "Paquet refusé : il vient d’un appareil révoqué.", "Bundle refused: it comes from a revoked device.";
    BundleNotForThisDevice => "bundle.not_for_this_device", "Ce paquet est destiné à un autre appareil.", "This bundle is meant for another device.";
    BundleBadLength => "bundle.bad_length", "Paquet refusé : sa taille ne correspond pas à son en-tête.", "Bundle refused: its size does not match its header.";
    BundleBadHash => "bundle.bad_hash", "Paquet refusé : son contenu a été modifié en route.", "Bundle refused: its content was altered on the way.";
    BundleUndecryptable => "bundle.undecryptable", "Paquet refusé : il ne s’ouvre pas avec la clé de cet appareil.", "Bundle refused: it does not open with this device’s key.";
    BundlePayloadMalformed => "bundle.payload_malformed", "Paquet refusé : contenu illisible.", "Bundle refused: unreadable content.";
    BundleBindingMismatch => "bundle.binding_mismatch", "Paquet refusé : son contenu n’appartient pas à son en-tête (paquet d’un autre réemballé).", "Bundle refused: its content does not belong to its header (someone else’s bundle repackaged).";
    RelayBadKey => "relay.bad_key", "Clé publique illisible.", "Unreadable public key.";
    RelayNotEnrolled => "relay.not_enrolled", "Cet appareil ne connaît pas encore les clés du serveur : enrôlez-le (en ligne ou avec la fiche d’inscription).", "This device does not know the server’s keys yet: enroll it (online or with the enrollment slip).";
    RelayOtherServer => "relay.other_server", "Ce paquet vient d’un autre serveur que celui de cet appareil.", "This bundle comes from another server than this device’s.";
    RelayOutOfOrder => "relay.out_of_order", "Ce paquet suit un paquet qui n’est pas encore arrivé : il est gardé et sera appliqué après lui.", "This bundle follows one that has not arrived yet: it is kept and will be applied after it.";
    RelayRepairNeeded => "relay.repair_needed", "Le serveur a été restauré : synchronisez cet appareil directement une fois pour tout remettre d’accord.", "The server was restored: sync this device directly once to settle everything.";
    RelaySessionToken => "relay.session_token", "Jeton de session du facilitateur incorrect ou déjà utilisé : scannez à nouveau son code.", "Wrong or already used session token of the facilitator: scan their code again.";
    RelayFingerprint => "relay.fingerprint", "Le certificat de l’appareil du facilitateur ne correspond pas au code scanné : échange arrêté.", "The facilitator device’s certificate does not match the scanned code: exchange stopped.";
    RelayPairing => "relay.pairing", "Code d’appairage illisible.", "Unreadable pairing code.";
    RelayUnknownBundle => "relay.unknown_bundle", "Paquet inconnu.", "Unknown bundle.";
    RelayNotCourier => "relay.not_courier", "Cet appareil ne transporte pas de paquets pour d’autres.", "This device carries no bundles for others.";
    RelayNoRoster => "relay.no_roster", "Cet appareil n’a pas encore la liste des appareils de sa zone : connectez-le une fois au serveur avant de collecter des paquets.", "This device does not have the list of its area’s devices yet: connect it to the server once before collecting bundles.";
    SlipMalformed => "slip.malformed", "Fiche d’inscription illisible : vérifiez le texte ou scannez à nouveau le code.", "Unreadable enrollment slip: check the text or scan the code again.";
    SlipExpired => "slip.expired", "Cette fiche d’inscription a expiré : demandez-en une nouvelle.", "This enrollment slip has expired: ask for a new one.";
    RelayKeyConflict => "relay.key_conflict", "Le serveur connaît déjà d’autres clés pour cet appareil à ce numéro : changez de clés avec un numéro plus grand.", "The server already holds other keys for this device under this number: replace the keys with a higher number.";
    RelayKeyStale => "relay.key_stale", "Ces clés sont plus anciennes que celles que le serveur connaît pour cet appareil.", "These keys are older than the ones the server holds for this device.";
    // ---------------------------------------------------------------- the server
    AuthMissing => "auth.missing", "Le serveur demande le jeton de l’appareil : il faut l’enrôler à nouveau.", "The server asks for the device token: it must be enrolled again.";
    AuthUnknownToken => "auth.unknown_token", "Le serveur ne reconnaît pas cet appareil : il faut l’enrôler à nouveau.", "The server does not know this device: it must be enrolled again.";
    AuthRevoked => "auth.revoked", "Cet appareil a été révoqué par l’administrateur : il ne peut plus synchroniser. Contactez votre facilitateur.", "This device was revoked by the administrator: it can no longer sync. Contact your facilitator.";
    EnrollCodeRequired => "enroll.code_required", "Saisissez le code d’enrôlement.", "Enter the enrollment code.";
    EnrollInvalidCode => "enroll.invalid_code", "Code d’enrôlement inconnu : vérifiez-le.", "Unknown enrollment code: check it.";
    EnrollExpired => "enroll.expired", "Ce code d’enrôlement a expiré : demandez-en un nouveau à l’administrateur.", "This enrollment code has expired: ask the administrator for a new one.";
    EnrollUsed => "enroll.used", "Ce code d’enrôlement a déjà servi : demandez-en un nouveau.", "This enrollment code was already used: ask for a new one.";
    EnrollDeviceExists => "enroll.device_exists", "Cet appareil est déjà enrôlé.", "This device is already enrolled.";
    EnrollScopeRequired => "enroll.scope_required", "Ce rôle demande un comité ou une région.", "This role needs a committee or a region.";
    EnrollUnknownRegion => "enroll.unknown_region", "Région inconnue du serveur.", "Region unknown to the server.";
    EnrollDemoStore => "enroll.demo_store", "Cet appareil contient des données de démonstration : elles ne doivent jamais partir vers un vrai serveur. Repartez de données neuves : effacez l’appareil (Réglages) ou, en ligne de commande, créez une nouvelle base.", "This device holds demonstration data: it must never reach a real server. Start from fresh data: wipe the device (Settings) or, on the command line, create a new store.";
    ScopeOutside => "scope.outside", "Fiche hors du périmètre de cet appareil (autre comité ou autre région).", "Record outside this device’s scope (another committee or region).";
    ScopeRegistryReadOnly => "scope.registry_read_only", "Le registre des comités est tenu par les administrateurs et la CRSS.", "The committee registry is kept by administrators and the CRSS.";
    RepairBadMessage => "repair.bad_message", "Le serveur a refusé un message de réparation illisible.", "The server refused an unreadable repair message.";
    RepairUnknownDoc => "repair.unknown_doc", "Le serveur ne connaît pas cette fiche.", "The server does not know this record.";
    RequestTooLarge => "request.too_large", "Envoi trop volumineux pour le serveur.", "Too much data for the server in one request.";
    RequestTooManyDocs => "request.too_many_docs", "Trop de fiches dans un seul envoi pour le serveur.", "Too many records for the server in one request.";
    RequestMalformed => "request.malformed", "Demande illisible pour le serveur.", "The server could not read the request.";
    RequestNotFound => "request.not_found", "Adresse inconnue du serveur.", "No such address on the server.";
    RequestMethodNotAllowed => "request.method_not_allowed", "Méthode refusée par le serveur à cette adresse.", "Method not allowed at this address of the server.";
    RequestRateLimited => "request.rate_limited", "Trop de demandes de cet appareil en peu de temps : la synchronisation reprendra dans un instant.", "Too many requests from this device in a short time: sync will resume in a moment.";
    ServerBusy => "server.busy", "Le serveur est très chargé : rien n’a été perdu, la synchronisation reprendra d’elle-même un peu plus tard.", "The server is very busy: nothing was lost, sync will resume by itself a little later.";
    ServerTimeout => "server.timeout", "Le serveur a mis trop de temps à répondre : rien n’a été perdu, réessayez dans un moment.", "The server took too long to answer: nothing was lost, try again in a moment.";
    ServerInternal => "server.internal", "Le serveur n’a pas pu traiter la demande : réessayez plus tard.", "The server could not complete this request; try again later.";
    // ---------------------------------------------------------------- indicators (report)
    ReportBadPeriod => "report.bad_period", "Période invalide : indiquez un mois (2026-11), un trimestre (2026-T4) ou une année (2026).", "Invalid period: give a month (2026-11), a quarter (2026-T4) or a year (2026).";
    ReportBadBasis => "report.bad_basis", "Base de calcul invalide : « approved » (fiches approuvées) ou « all » (toutes les fiches).", "Invalid basis: “approved” (approved records) or “all” (every record).";
    // ---------------------------------------------------------------- review (issue 12: approval levels)
    ReviewReasonRequired => "review.reason_required", "Pour approuver une fiche soumise sans validation du facilitateur, indiquez la raison en commentaire.", "To approve a submitted record the facilitator has not validated, give the reason in the comment.";
    // ---------------------------------------------------------------- the quarterly report (pdf)
    ReportBadQuarter => "report.bad_quarter", "Trimestre invalide : écrivez l’année et le numéro du trimestre, par exemple 2026-T4.", "Invalid quarter: write the year and the quarter's number, for example 2026-T4.";
    ReportPdfRender => "report.pdf_render", "Le rapport n’a pas pu être mis en page.", "The report could not be typeset.";
    ReportUnknownRegion => "report.unknown_region", "Région inconnue dans les données de référence.", "Unknown region in the reference data.";
    ReportPdfWrite => "report.pdf_write", "Le rapport n’a pas pu être enregistré dans le fichier choisi.", "The report could not be saved to the chosen file.";
    ReportPdfHelper => "report.pdf_helper", "Le composant qui met en page les rapports PDF (ccs-report-pdf) est absent ou ne répond pas : réinstallez l’application. Rien n’a été écrit.", "The component that typesets PDF reports (ccs-report-pdf) is missing or failed: reinstall the application. Nothing was written.";
    // ---------------------------------------------------------------- exports (issue 12)
    ExportRoleNotAllowed => "export.role_not_allowed", "Ce rôle ne peut pas exporter de fiches : un export est une copie non chiffrée des données, et le téléphone d’un membre est le plus exposé. Rien n’a été écrit.", "This role may not export records: an export is an unencrypted copy of the data, and a member’s phone is the most exposed. Nothing was written.";
    ExportConfidentialRefused => "export.confidential_refused", "Ce rôle ne peut pas exporter les fiches confidentielles ni les listes nominatives : seule la CRSS le peut. Rien n’a été écrit.", "This role may not export confidential records or named attendance lists: only the CRSS may. Nothing was written.";
    ExportNamesNeedConfidential => "export.names_need_confidential", "Les listes nominatives sont dans des fiches confidentielles : cochez aussi « fiches confidentielles ». Rien n’a été écrit.", "Named attendance lists are in confidential records: tick “confidential records” too. Nothing was written.";
    ExportBadFilter => "export.bad_filter", "Filtre d’export invalide : rien n’a été écrit.", "Invalid export filter: nothing was written.";
    ExportDestination => "export.destination", "Impossible d’écrire le fichier d’export à cet endroit : choisissez un autre dossier. Rien n’a été écrit.", "The export file cannot be written there: choose another folder. Nothing was written.";
    ExportFailed => "export.failed", "L’export a échoué en cours d’écriture : aucun fichier n’a été laissé.", "The export failed while writing: no file was left behind.";
    // duress (issue 14, parts 3 and 4)
    DuressSameAsPassphrase => "duress.same_as_passphrase", "Le code de contrainte doit être différent du code de l’appareil.", "The duress PIN must differ from the device’s passphrase.";
    SettingsBackgroundLock => "settings.background_lock", "Délai en arrière-plan hors limites.", "Background delay out of range.";
}

impl ErrorCode {
    /// The code's sentence in both languages.
    pub fn message(self) -> Message {
        Message::new(self.sentence(Lang::Fr), self.sentence(Lang::En))
    }

    /// The sentence with a detail in brackets before its final full stop:
    /// « Fiche introuvable (0189…). ». For what a log or a power user needs to act on
    /// (a path, an id, a parser's words); an empty detail gives the bare sentence.
    pub fn message_with(self, detail: &str) -> Message {
        if detail.trim().is_empty() {
            return self.message();
        }
        let with = |s: &str| format!("{} ({detail}).", s.trim_end_matches('.'));
        Message::new(with(self.sentence(Lang::Fr)), with(self.sentence(Lang::En)))
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// So that `assert_eq!(e.code(), "wire.bad_magic")` reads as the string a script sees.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// A code read from a server: one this version knows, or the string of a newer server.
/// Only the reading of a server answer makes one; everything past it uses
/// [`ErrorCode`], an unknown code becoming [`ErrorCode::SyncRefused`] with the string
/// kept as detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceivedCode {
    Known(ErrorCode),
    Unknown(String),
}

impl ReceivedCode {
    pub fn parse(code: &str) -> ReceivedCode {
        match ErrorCode::from_code(code) {
            Some(c) => ReceivedCode::Known(c),
            None => ReceivedCode::Unknown(code.to_string()),
        }
    }

    /// The code to act on: an unknown one is a refusal this version cannot explain.
    pub fn code(&self) -> ErrorCode {
        match self {
            ReceivedCode::Known(c) => *c,
            ReceivedCode::Unknown(_) => ErrorCode::SyncRefused,
        }
    }

    /// The string as received.
    pub fn as_str(&self) -> &str {
        match self {
            ReceivedCode::Known(c) => c.as_str(),
            ReceivedCode::Unknown(s) => s,
        }
    }

    /// What to tell the user: the known code's sentence, or for an unknown code the
    /// generic sentence naming the code and the server's own (English) words.
    pub fn message(&self, detail: &str) -> Message {
        match self {
            ReceivedCode::Known(c) => c.message(),
            ReceivedCode::Unknown(s) => {
                let detail = if detail.is_empty() || detail == s { s.clone() } else { format!("{s} : {detail}") };
                ErrorCode::SyncRefused.message_with(&detail)
            }
        }
    }
}

impl std::fmt::Display for ReceivedCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The strings as they were before the enum, spelled out: a renamed variant or a
    /// typo in a `rename` breaks stored refusals, scripts and older servers, so it fails
    /// here.
    const SHIPPED: &[&str] = &[
        "app.locked",
        "app.settings_io",
        "app.task",
        "unlock.wiped",
        "settings.server_url",
        "settings.server_url_http",
        "settings.lock_minutes",
        "settings.max_attempts",
        "settings.window_name",
        "ui.unexpected",
        "store.wrong_passphrase",
        "store.not_found",
        "store.exists",
        "store.corrupt",
        "store.key_file",
        "passphrase.weak",
        "store.newer_version",
        "store.io",
        "store.database",
        "record.invalid",
        "record.not_found",
        "record.read_only",
        "record.locked",
        "record.forbidden",
        "record.draft_pending",
        "record.purge_not_allowed",
        "draft.not_found",
        "draft.unknown_base",
        "conflict.not_found",
        "conflict.bad_path",
        "input.too_large",
        "input.syntax",
        "input.not_an_object",
        "input.fields",
        "input.read_only",
        "input.committee_required",
        "input.bad_value",
        "review.role_not_allowed",
        "review.not_from_status",
        "review.comment_required",
        "review.forged",
        "doc.corrupt",
        "doc.malformed",
        "doc.internal",
        "doc.too_large",
        "doc.too_deep",
        "doc.unreadable",
        "doc.meta_mismatch",
        "doc.sensitivity_lowered",
        "changes.malformed",
        "changes.missing_deps",
        "changes.foreign_actor",
        "lineage.forged",
        "reference.duplicate_code",
        "reference.unknown_parent",
        "reference.wrong_parent_level",
        "reference.bad_code",
        "reference.bad_dates",
        "reference.outside_parent_validity",
        "reference.parse",
        "sync.not_enrolled",
        "sync.network",
        "sync.bad_response",
        "sync.address",
        "sync.cancelled",
        "sync.repair_stuck",
        "sync.rejected",
        "sync.running",
        "sync.entry_panicked",
        "wire.bad_magic",
        "wire.unsupported_version",
        "wire.bad_flags",
        "wire.too_large",
        "wire.malformed",
        "wire.unknown_number",
        "auth.missing",
        "auth.unknown_token",
        "auth.revoked",
        "enroll.code_required",
        "enroll.invalid_code",
        "enroll.expired",
        "enroll.used",
        "enroll.device_exists",
        "enroll.scope_required",
        "enroll.unknown_region",
        "enroll.demo_store",
        "scope.outside",
        "scope.registry_read_only",
        "repair.bad_message",
        "repair.unknown_doc",
        "request.too_large",
        "request.too_many_docs",
        "request.malformed",
        "request.not_found",
        "request.method_not_allowed",
        "request.rate_limited",
        "server.busy",
        "server.timeout",
        "server.internal",
        "export.role_not_allowed",
        "export.confidential_refused",
        "export.names_need_confidential",
        "export.bad_filter",
        "export.destination",
        "export.failed",
    ];

    #[test]
    fn every_shipped_code_round_trips_through_serde_as_the_same_string() {
        for s in SHIPPED {
            let code = ErrorCode::from_code(s).unwrap_or_else(|| panic!("`{s}` is no longer a code"));
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<ErrorCode>(&format!("\"{s}\"")).unwrap(), code);
            assert_eq!(code.as_str(), *s);
            assert_eq!(code.to_string(), *s);
        }
    }

    #[test]
    fn codes_are_unique_and_look_like_namespace_dot_name() {
        for (i, c) in ErrorCode::ALL.iter().enumerate() {
            assert!(!ErrorCode::ALL[..i].iter().any(|d| d.as_str() == c.as_str()), "duplicate {c}");
            let (ns, name) = c.as_str().split_once('.').unwrap_or_else(|| panic!("{c} has no namespace"));
            let ok = |s: &str| !s.is_empty() && s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_');
            assert!(ok(ns) && ok(name), "{c}");
        }
    }

    #[test]
    fn every_code_has_both_sentences_and_french_uses_the_typographic_apostrophe() {
        for c in ErrorCode::ALL {
            let (fr, en) = (c.sentence(Lang::Fr), c.sentence(Lang::En));
            assert!(!fr.trim().is_empty() && !en.trim().is_empty(), "{c}");
            assert_ne!(fr, en, "{c}: the French sentence is the English one");
            assert!(!fr.contains('\''), "{c}: French text uses ’, not ': {fr}");
            assert!(fr.ends_with(['.', '!', '?']) && en.ends_with(['.', '!', '?']), "{c}: a sentence ends");
            // French typography: a space before « : » (URLs aside).
            for (i, _) in fr.match_indices(':') {
                let before = &fr[..i];
                assert!(
                    before.ends_with([' ', '\u{a0}', '\u{202f}'])
                        || before.ends_with("http")
                        || before.ends_with("https"),
                    "{c}: a space goes before « : » in French: {fr}"
                );
            }
        }
    }

    #[test]
    fn a_detail_goes_in_brackets_before_the_full_stop() {
        let m = ErrorCode::RecordNotFound.message_with("0189");
        assert_eq!(m.fr, "Fiche introuvable (0189).");
        assert_eq!(m.en, "Record not found (0189).");
        assert_eq!(ErrorCode::RecordNotFound.message_with(" "), ErrorCode::RecordNotFound.message());
    }

    #[test]
    fn a_code_from_a_newer_server_is_kept_at_the_boundary_and_acted_on_as_a_refusal() {
        assert_eq!(ReceivedCode::parse("auth.revoked"), ReceivedCode::Known(ErrorCode::AuthRevoked));
        let newer = ReceivedCode::parse("quota.exceeded");
        assert_eq!(newer, ReceivedCode::Unknown("quota.exceeded".into()));
        assert_eq!(newer.code(), ErrorCode::SyncRefused);
        assert_eq!(newer.as_str(), "quota.exceeded");
        assert!(newer.message("over quota").fr.contains("quota.exceeded : over quota"));
        assert!(serde_json::from_str::<ErrorCode>("\"quota.exceeded\"").is_err());
    }
}
