//! Every text `ccs` prints itself, in French and English, keyed by a stable code.
//!
//! Error texts are keyed by the code of the error they describe (`StoreError::code()`,
//! `InputError::code()`, the review and reference codes, and `cli.*` for the CLI's own
//! errors); output texts use `out.*` codes. `{0}`, `{1}`, … are replaced by the
//! arguments. A code missing here is not a failure: the caller falls back to the
//! error's own `Display` text. Validation messages are not here: `core` already gives
//! each field error in both languages.

use ccs_core::i18n::Lang;

/// `(code, French, English)`.
const TEXTS: &[(&str, &str, &str)] = &[
    // ------------------------------------------------------------ store errors
    ("store.wrong_passphrase", "code secret incorrect", "wrong passphrase"),
    ("store.not_found", "aucune base à {0}", "no store at {0}"),
    ("store.exists", "une base existe déjà à {0}", "a store already exists at {0}"),
    ("store.corrupt", "la base est endommagée ou tronquée ({0})", "the store is damaged or truncated ({0})"),
    ("store.key_file", "fichier de clé (.kdf) manquant ou endommagé : {0}", "key file (.kdf) missing or damaged: {0}"),
    ("passphrase.weak", "code secret trop faible : {0}", "passphrase too weak: {0}"),
    ("store.newer_version", "base écrite par une version plus récente de l’application (schéma {0})", "store written by a newer version of the app (schema {0})"),
    ("record.invalid", "fiche refusée : {0} erreur(s), rien n’a été enregistré", "record refused: {0} error(s), nothing was saved"),
    ("record.not_found", "aucune fiche {0}", "no record {0}"),
    ("record.read_only", "la fiche {0} a été écrite par une version plus récente : lecture seule", "record {0} was written by a newer version of the app: read-only"),
    ("record.locked", "la fiche {0} est approuvée : rouvrez-la (review --decision reopened) avant de la modifier", "record {0} is approved: reopen it (review --decision reopened) before editing"),
    ("record.forbidden", "non autorisé : {0}", "not allowed: {0}"),
    ("store.io", "erreur d’entrée/sortie : {0}", "i/o error: {0}"),
    ("store.database", "erreur de base de données : {0}", "database error: {0}"),
    // ------------------------------------------------------------ review
    ("review.role_not_allowed", "le rôle « {0} » ne peut pas prendre la décision « {1} »", "the role “{0}” may not make the decision “{1}”"),
    ("review.not_from_status", "la décision « {0} » n’est pas possible quand la fiche est « {1} »", "the decision “{0}” is not possible while the record is “{1}”"),
    ("review.comment_required", "une demande de correction demande un commentaire (--comment)", "a correction request needs a comment (--comment)"),
    // ------------------------------------------------------------ input
    ("input.too_large", "fichier trop volumineux : {0} octets au plus", "file too large: at most {0} bytes"),
    ("input.syntax", "JSON invalide : {0}", "invalid JSON: {0}"),
    ("input.not_an_object", "un objet JSON avec les champs de la fiche est attendu", "expected a JSON object with the record's fields"),
    ("input.fields", "champs invalides pour une fiche {0} : {1}", "invalid {0} fields: {1}"),
    ("input.read_only", "le champ « {0} » ne peut pas être modifié", "the field `{0}` cannot be changed"),
    ("input.committee_required", "le champ « committee_id » est obligatoire", "the field `committee_id` is required"),
    ("input.bad_value", "« {0} » : {1}", "`{0}`: {1}"),
    // ------------------------------------------------------------ documents, conflicts
    ("doc.corrupt", "document illisible : {0}", "unreadable document: {0}"),
    ("doc.malformed", "le document ne contient pas une fiche lisible : {0}", "the document does not hold a readable record: {0}"),
    ("doc.internal", "erreur interne du document : {0}", "internal document error: {0}"),
    ("doc.too_large", "document trop volumineux : {0}", "document too large: {0}"),
    ("doc.too_deep", "document imbriqué sur plus de {0} niveaux", "document nested deeper than {0} levels"),
    ("conflict.not_found", "aucun conflit sur « {0} »", "no conflict at `{0}`"),
    ("conflict.bad_path", "champ ou choix inconnu : « {0} »", "unknown field or choice: `{0}`"),
    // ------------------------------------------------------------ reference data
    ("reference.duplicate_code", "le code « {0} » existe déjà", "the code `{0}` is already taken"),
    ("reference.unknown_parent", "l’unité parente « {0} » n’existe pas", "the parent unit `{0}` does not exist"),
    ("reference.wrong_parent_level", "« {0} » ne peut pas être le parent de ce niveau", "`{0}` cannot be the parent at this level"),
    ("reference.bad_code", "code « {0} » non conforme : « {1} » attendu", "code `{0}` does not follow the rules: expected `{1}`"),
    ("reference.bad_dates", "la date de début doit précéder la date de fin", "the start date must be before the end date"),
    ("reference.outside_parent_validity", "l’unité serait valide hors de la période de validité de son parent « {0} »", "the unit would be valid outside the validity of its parent `{0}`"),
    ("reference.parse", "données de référence illisibles : {0}", "unreadable reference data: {0}"),
    // ------------------------------------------------------------ the CLI's own errors
    ("cli.usage", "{0}", "{0}"),
    // ------------------------------------------------------------ enrollment and sync
    ("sync.not_enrolled", "cet appareil n’est pas enrôlé : lancez d’abord ccs enroll --server URL --code CODE ({0})", "this device is not enrolled: run ccs enroll --server URL --code CODE first ({0})"),
    ("sync.network", "pas de réseau ou serveur injoignable : {0}", "no network or server unreachable: {0}"),
    ("sync.bad_response", "réponse du serveur illisible : {0}", "unreadable server response: {0}"),
    ("enroll.demo_store", "cette base contient des données de démonstration (ccs demo) : elle ne peut pas être enrôlée auprès d’un serveur réel ; créez une nouvelle base (ccs --db NOUVELLE.db init) ({0})", "this store holds demonstration data (ccs demo): it cannot be enrolled with a real server; create a new store (ccs --db NEW.db init) ({0})"),
    ("sync.address", "adresse du serveur refusée : http:// seulement pour un serveur sur cette machine, sinon https:// ({0})", "server address refused: http:// only for a server on this machine, otherwise https:// ({0})"),
    ("sync.cancelled", "synchronisation interrompue ({0})", "sync stopped ({0})"),
    ("sync.repair_stuck", "la réparation de la synchronisation n’a pas abouti ({0})", "sync repair did not converge ({0})"),
    ("sync.rejected", "{0} fiche(s) refusée(s) par le serveur (voir ci-dessus)", "{0} record(s) refused by the server (see above)"),
    ("auth.missing", "le serveur demande le jeton de l’appareil ({0})", "the server asks for the device token ({0})"),
    ("auth.unknown_token", "appareil inconnu du serveur : enrôlez-le à nouveau ({0})", "device unknown to the server: enroll it again ({0})"),
    ("auth.revoked", "cet appareil a été révoqué par l’administrateur ({0})", "this device was revoked by the administrator ({0})"),
    ("enroll.invalid_code", "code d’enrôlement inconnu ({0})", "unknown enrollment code ({0})"),
    ("enroll.expired", "code d’enrôlement expiré : demandez-en un nouveau ({0})", "enrollment code expired: ask for a new one ({0})"),
    ("enroll.used", "code d’enrôlement déjà utilisé ({0})", "enrollment code already used ({0})"),
    ("enroll.device_exists", "cet appareil est déjà enrôlé ({0})", "this device is already enrolled ({0})"),
    ("request.too_large", "requête trop volumineuse pour le serveur ({0})", "request too large for the server ({0})"),
    ("request.too_many_docs", "trop de fiches dans une requête ({0})", "too many records in one request ({0})"),
    ("cli.no_db", "indiquez la base avec --db CHEMIN ou la variable CCS_DB", "give the store with --db PATH or the CCS_DB variable"),
    ("cli.no_passphrase", "pas de code secret : définissez CCS_PASSPHRASE ou lancez la commande dans un terminal ({0})", "no passphrase: set CCS_PASSPHRASE or run the command in a terminal ({0})"),
    ("cli.passphrase_mismatch", "les deux saisies du code secret diffèrent", "the two passphrase entries differ"),
    ("cli.unknown_kind", "type de fiche inconnu « {0} » ; types possibles : {1}", "unknown record kind `{0}`; possible kinds: {1}"),
    ("cli.bad_value", "valeur inconnue « {0} » pour {1} ; valeurs possibles : {2}", "unknown value `{0}` for {1}; possible values: {2}"),
    ("cli.bad_id", "identifiant invalide « {0} » : un UUID est attendu", "invalid id `{0}`: expected a UUID"),
    ("cli.bad_date", "date invalide « {0} » : AAAA-MM-JJ attendu", "invalid date `{0}`: expected YYYY-MM-DD"),
    ("cli.file_not_found", "fichier introuvable : {0}", "file not found: {0}"),
    ("cli.read", "lecture impossible de {0} : {1}", "cannot read {0}: {1}"),
    ("cli.output", "écriture impossible sur la sortie : {0}", "cannot write the output: {0}"),
    ("cli.wipe_needs_yes", "effacement refusé : ajoutez --yes pour confirmer ; l’effacement est définitif", "wipe refused: add --yes to confirm; wiping cannot be undone"),
    ("cli.parent_required", "--parent est obligatoire pour un cercle ou une commune", "--parent is required for a cercle or a commune"),
    ("cli.no_committee", "aucun comité dans la base, et ce rôle ne peut pas en créer", "no committee in the store, and this role cannot create one"),
    // ------------------------------------------------------------ output
    ("out.error", "erreur", "error"),
    ("out.created_store", "base créée : {0} (rôle : {1})", "store created: {0} (role: {1})"),
    ("out.kdf_fast_warning", "attention : CCS_KDF_FAST=1 affaiblit la dérivation de clé ; réservé aux tests, jamais pour de vraies données", "warning: CCS_KDF_FAST=1 weakens key derivation; for tests only, never for real data"),
    ("out.prompt_passphrase", "Code secret : ", "Passphrase: "),
    ("out.prompt_new_passphrase", "Nouveau code secret : ", "New passphrase: "),
    ("out.prompt_repeat", "Répétez le code secret : ", "Repeat the passphrase: "),
    ("out.demo", "Fiches de démonstration créées : {0} comité(s), {1} séance(s), {2} évaluation(s), {3} atelier(s), {4} recommandation(s) ; {5} avec un examen", "Demo records created: {0} committee(s), {1} session(s), {2} assessment(s), {3} workshop(s), {4} recommendation(s); {5} with a review"),
    ("out.list_count", "{0} fiche(s) sur {1}", "{0} record(s) of {1}"),
    ("out.col_id", "ID", "ID"),
    ("out.col_kind", "TYPE", "KIND"),
    ("out.col_date", "DATE", "DATE"),
    ("out.col_status", "STATUT", "STATUS"),
    ("out.col_commune", "COMMUNE", "COMMUNE"),
    ("out.col_title", "TITRE", "TITLE"),
    ("out.col_conflicts", "CONFLITS", "CONFLICTS"),
    ("out.field_id", "Identifiant", "Id"),
    ("out.field_kind", "Type", "Kind"),
    ("out.field_committee", "Comité", "Committee"),
    ("out.field_status", "Statut", "Status"),
    ("out.field_sensitivity", "Sensibilité", "Sensitivity"),
    ("out.sensitivity_raised", "{0} (choisie : {1}, relevée d’office par le contenu)", "{0} (chosen: {1}, raised because of the content)"),
    ("out.field_created", "Créée le", "Created"),
    ("out.field_updated", "Modifiée le", "Updated"),
    ("out.field_by", "par l’appareil", "by device"),
    ("out.field_dirty", "Modifications non synchronisées", "Changes not yet synced"),
    ("out.yes", "oui", "yes"),
    ("out.no", "non", "no"),
    ("out.section_fields", "Champs", "Fields"),
    ("out.section_derived", "Valeurs calculées", "Derived values"),
    ("out.section_review", "Examen", "Review"),
    ("out.section_errors", "Erreurs", "Errors"),
    ("out.no_review", "(aucun examen)", "(no review)"),
    ("out.conflict_count", "{0} conflit(s) : voir « ccs conflicts {1} »", "{0} conflict(s): see `ccs conflicts {1}`"),
    ("out.read_only", "Fiche en lecture seule : elle ne peut pas être lue par cette version.", "Read-only record: this version cannot read it."),
    ("out.no_conflicts", "Aucun conflit.", "No conflicts."),
    ("out.no_records_with_conflicts", "Aucune fiche en conflit.", "No record with conflicts."),
    ("out.current", "(actuelle)", "(current)"),
    ("out.device", "appareil", "device"),
    ("out.unknown_device", "appareil inconnu", "unknown device"),
    ("out.resolved", "Conflit résolu sur « {0} ».", "Conflict resolved at `{0}`."),
    ("out.enrolled", "appareil enrôlé : rôle « {0} », périmètre {1}", "device enrolled: role “{0}”, scope {1}"),
    ("out.sync_done", "synchronisé en {0} ms : {1} fiche(s) envoyée(s), {2} acceptée(s), {3} reçue(s), {4} refusée(s) ; {5} aller-retour, {6} octets envoyés, {7} reçus", "synced in {0} ms: {1} record(s) sent, {2} accepted, {3} received, {4} refused; {5} round trip(s), {6} bytes sent, {7} received"),
    ("out.sync_rejected", "refusée : {0} ({1})", "refused: {0} ({1})"),
    ("out.sync_repaired", "le serveur ne connaissait pas cet appareil : fiches réconciliées une à une", "the server did not know this device's position: records reconciled one by one"),
    ("out.sync_held_back", "refusée auparavant, non renvoyée tant qu’elle ne change pas : {0} ({1})", "refused before, not resent until it changes: {0} ({1})"),
    ("out.sync_quarantined", "mise à l’écart : {0} ({1}) : {2}", "set aside: {0} ({1}): {2}"),
    ("out.sync_quarantine_total", "{0} modification(s) reçue(s) mise(s) à l’écart sur cet appareil en tout", "{0} received change(s) set aside on this device in all"),
    ("out.sync_flagged", "{0} fiche(s) reçue(s) à vérifier (erreurs de validation)", "{0} received record(s) to check (validation errors)"),
    ("out.reviewed", "{0} : statut « {1} »", "{0}: status “{1}”"),
    ("out.passwd_done", "Code secret changé.", "Passphrase changed."),
    ("out.ref_added", "Unité ajoutée : {0}", "Unit added: {0}"),
    ("out.ref_count", "{0} unité(s)", "{0} unit(s)"),
    ("out.ref_since", "depuis {0}", "since {0}"),
    ("out.ref_until", "jusqu’au {0} (exclu)", "until {0} (exclusive)"),
    ("out.wiped", "Base effacée : {0}", "Store wiped: {0}"),
];

/// The text for `code` in `lang` with `{0}`, `{1}`, … replaced, or `None` when the code
/// is not in the dictionary.
pub fn lookup(code: &str, lang: Lang, args: &[&str]) -> Option<String> {
    let (_, fr, en) = TEXTS.iter().find(|(c, _, _)| *c == code)?;
    let template = match lang {
        Lang::Fr => fr,
        Lang::En => en,
    };
    Some(fill(template, args))
}

/// The text for a code this crate itself uses; a missing code shows as the code itself
/// rather than failing (a test checks that every such code is present).
pub fn text(code: &str, lang: Lang, args: &[&str]) -> String {
    lookup(code, lang, args).unwrap_or_else(|| code.to_string())
}

fn fill(template: &str, args: &[&str]) -> String {
    let mut out = template.to_string();
    for (i, a) in args.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), a);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_both_languages_have_the_same_placeholders() {
        for (i, (code, fr, en)) in TEXTS.iter().enumerate() {
            assert!(!TEXTS[..i].iter().any(|(c, _, _)| c == code), "duplicate {code}");
            for n in 0..6 {
                let p = format!("{{{n}}}");
                assert_eq!(fr.contains(&p), en.contains(&p), "{code}: {p}");
            }
        }
    }

    /// Every `"out.…"` and `"cli.…"` literal in the crate's sources has its texts.
    #[test]
    fn every_code_used_by_the_cli_is_in_the_dictionary() {
        fn sources(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("read src").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(std::fs::read_to_string(&path).expect("read source"));
                }
            }
        }
        let mut files = Vec::new();
        sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let mut checked = 0;
        for source in &files {
            for prefix in ["\"out.", "\"cli."] {
                for (i, _) in source.match_indices(prefix) {
                    let rest = &source[i + 1..];
                    let code: String =
                        rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '_').collect();
                    if rest[code.len()..].starts_with('"') && code.len() > 4 {
                        assert!(lookup(&code, Lang::Fr, &[]).is_some(), "`{code}` is used but has no text");
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 30, "only {checked} codes found: is the scan still right?");
    }

    #[test]
    fn arguments_fill_placeholders() {
        assert_eq!(text("out.list_count", Lang::Fr, &["3", "12"]), "3 fiche(s) sur 12");
        assert_eq!(text("out.list_count", Lang::En, &["3", "12"]), "3 record(s) of 12");
        assert_eq!(lookup("nope", Lang::Fr, &[]), None);
    }
}
