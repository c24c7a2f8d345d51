//! Every text `ccs` prints itself, in French and English, keyed by a stable code: the
//! CLI's own usage errors (`cli.*`) and its output (`out.*`). `{0}`, `{1}`, … are
//! replaced by the arguments.
//!
//! The errors of `core` and of the server are not here: their sentences come with their
//! code ([`ErrorCode::sentence`]), the same the app shows, so a wrong passphrase reads
//! the same in the app and in a terminal. Validation messages are not here either:
//! `core` gives each field error in both languages.

use ccs_core::error_code::ErrorCode;
use ccs_core::i18n::Lang;

/// `(code, French, English)`.
const TEXTS: &[(&str, &str, &str)] = &[
    // ------------------------------------------------------------ the CLI's own errors
    ("cli.usage", "{0}", "{0}"),
    // ------------------------------------------------------------ enrollment and sync
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
    ("cli.bad_address", "adresse invalide « {0} » : une adresse IP est attendue", "invalid address `{0}`: expected an IP address"),
    // ------------------------------------------------------------ output
    ("out.relay_collected", "{0} : pris en charge pour {1}", "{0}: taken for {1}"),
    ("out.relay_collected_again", "{0} : déjà pris en charge, rien de nouveau", "{0}: already taken, nothing new"),
    ("out.relay_refused", "{0} : refusé, non gardé : {1} [{2}]", "{0}: refused, not kept: {1} [{2}]"),
    ("out.relay_forwarded", "{0} paquet(s) remis au serveur, {1} refusé(s) par lui (il les garde en quarantaine ; copie effacée ici), {2} encore en attente", "{0} bundle(s) handed to the server, {1} refused by it (kept in its quarantine; copy deleted here), {2} still waiting"),
    ("out.relay_forward_refused", "paquet {0} refusé [{1}] : {2}", "bundle {0} refused [{1}]: {2}"),
    ("out.relay_fetched", "{0} paquet(s) de retour reçus, {1} remplacé(s) par des plus récents, {2} rejeté(s)", "{0} return bundle(s) received, {1} replaced by newer ones, {2} rejected"),
    ("out.relay_distributed", "{0} paquet(s) écrits dans {1}", "{0} bundle(s) written to {1}"),
    ("out.relay_pairing", "Faites scanner ce code par l’appareil du membre (ou saisir le texte dessous) :", "Have the member’s device scan this code (or type the text below):"),
    ("out.relay_serving", "En service sur {0} ; Ctrl-C pour arrêter.", "Serving on {0}; Ctrl-C to stop."),
    ("out.relay_session_done", "échange terminé avec {0} : {1} paquet(s) pris en charge, {2} remis, {3} sorti(s) de la garde", "exchange done with {0}: {1} bundle(s) taken, {2} handed over, {3} left custody"),
    ("out.relay_exchanged", "échange : {0} paquet(s) remis, {1} déjà chez le facilitateur, {2} reçu(s), {3} appliqué(s)", "exchange: {0} bundle(s) handed over, {1} already with the facilitator, {2} received, {3} applied"),
    ("out.error", "erreur", "error"),
    ("out.created_store", "base créée : {0} (rôle : {1})", "store created: {0} (role: {1})"),
    ("out.kdf_fast_warning", "attention : CCS_KDF_FAST=1 affaiblit la dérivation de clé ; réservé aux tests, jamais pour de vraies données", "warning: CCS_KDF_FAST=1 weakens key derivation; for tests only, never for real data"),
    ("out.prompt_passphrase", "Code secret : ", "Passphrase: "),
    ("out.prompt_new_passphrase", "Nouveau code secret : ", "New passphrase: "),
    ("out.prompt_repeat", "Répétez le code secret : ", "Repeat the passphrase: "),
    ("out.report_pdf", "Rapport trimestriel {1} écrit dans {0} ({2} octets, {3} recommandation(s) listée(s))", "Quarterly report {1} written to {0} ({2} bytes, {3} recommendation(s) listed)"),
    ("out.demo", "Fiches de démonstration créées : {0} comité(s), {1} séance(s), {2} évaluation(s), {3} atelier(s), {4} recommandation(s) ; {5} avec un examen", "Demo records created: {0} committee(s), {1} session(s), {2} assessment(s), {3} workshop(s), {4} recommendation(s); {5} with a review"),
    ("out.list_count", "{0} fiche(s) sur {1}", "{0} record(s) of {1}"),
    ("out.ind_title", "Indicateurs — période {0} (état au {1}) — {2}", "Indicators — period {0} (as of {1}) — {2}"),
    ("out.ind_basis_all", "toutes les fiches", "every record"),
    ("out.ind_basis_approved", "fiches approuvées par la CRSS", "records approved by the CRSS"),
    ("out.ind_total", "TOTAL", "TOTAL"),
    ("out.ind_no_region", "(hors registre)", "(not in registry)"),
    ("out.ind_installed", "1. Comités installés", "1. Committees installed"),
    ("out.ind_operational", "   opérationnels (séance en {0} j)", "   operational (session within {0} d)"),
    ("out.ind_sessions", "2. Séances tenues / attendues", "2. Sessions held / expected"),
    ("out.ind_three_a_quarter", "   comités à ≥ 3 séances par trimestre", "   committees with ≥ 3 sessions a quarter"),
    ("out.ind_attendance", "3. Taux de présence", "3. Attendance rate"),
    ("out.ind_quorum", "   séances avec quorum", "   sessions with quorum"),
    ("out.ind_fds", "   séances avec FDS présentes", "   sessions with FDS present"),
    ("out.ind_women", "4. Femmes parmi les présents (réf. 30 %)", "4. Women among those present (ref. 30%)"),
    ("out.ind_youth", "   jeunes parmi les présents (réf. 30 %)", "   youth among those present (ref. 30%)"),
    ("out.ind_recommendations", "5. Recommandations formulées", "5. Recommendations made"),
    ("out.ind_transmitted", "   transmises", "   transmitted"),
    ("out.ind_realised", "   réalisées en 90 jours", "   realised within 90 days"),
    ("out.ind_median_delay", "   délai médian de réalisation (j)", "   median delay to realisation (d)"),
    ("out.ind_assessments", "6. Évaluations sécuritaires", "6. Threat assessments"),
    ("out.ind_high_risks", "   menaces élevées ou très élevées", "   high or very high threats"),
    ("out.ind_participants", "7. Participants aux ateliers (F, J)", "7. Workshop participants (W, Y)"),
    ("out.ind_flow_delay", "8. Délai médian de remontée (j)", "8. Median delay to reach this device (d)"),
    ("out.ind_validated", "   validées (facilitateur ou CRSS)", "   validated (facilitator or CRSS)"),
    ("out.ind_approved", "   approuvées par la CRSS", "   approved by the CRSS"),
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
    // ------------------------------------------------------------ relay
    ("out.enrolled_slip", "appareil inscrit avec la fiche : rôle « {0} », périmètre {1} ; inscription en attente jusqu’à la réponse du serveur, apportée par le facilitateur", "device enrolled from the slip: role “{0}”, scope {1}; enrollment pending until the server’s answer, brought back by the facilitator"),
    ("out.relay_exported", "{0} paquet(s) écrit(s) dans {1} : {2} fiche(s) à remettre au facilitateur", "{0} bundle(s) written to {1}: {2} record(s) to hand to the facilitator"),
    ("out.relay_part", "{0} (partie {1} sur {2})", "{0} (part {1} of {2})"),
    ("out.relay_enrollment_sent", "la demande d’inscription part avec ces paquets", "the enrollment request goes with these bundles"),
    ("out.relay_imported", "{0} : {1} fiche(s) reçue(s), {2} accusé(s) de réception du serveur, {3} refusée(s)", "{0}: {1} record(s) received, {2} acknowledged by the server, {3} refused"),
    ("out.relay_nothing_new", "{0} : rien de nouveau (paquet déjà appliqué ou plus ancien)", "{0}: nothing new (bundle already applied or older)"),
    ("out.relay_enrollment_done", "inscription confirmée par le serveur : cet appareil peut aussi se synchroniser directement", "enrollment confirmed by the server: this device may also sync directly"),
    ("out.relay_bundle_refused", "paquet refusé par le serveur : {0} ({1}) : {2}", "bundle refused by the server: {0} ({1}): {2}"),
    ("out.relay_file_failed", "{0} : {1} [{2}]", "{0}: {1} [{2}]"),
    ("out.relay_status_pending", "Inscription en attente : la réponse du serveur n’est pas encore revenue.", "Enrollment pending: the server’s answer has not come back yet."),
    ("out.relay_status_server", "Serveur : {0} (empreinte de ses clés : {1})", "Server: {0} (key fingerprint: {1})"),
    ("out.relay_status_waiting", "{0} fiche(s) en attente d’envoi", "{0} record(s) waiting to be sent"),
    ("out.relay_status_last_export", "Dernier envoi par le facilitateur : {0}, {1} paquet(s), {2} fiche(s) ; {3} paquet(s) sans accusé de réception", "Last sent through the facilitator: {0}, {1} bundle(s), {2} record(s); {3} bundle(s) not acknowledged"),
    ("out.relay_status_no_export", "Aucun envoi par le facilitateur.", "Nothing sent through the facilitator."),
    ("out.relay_status_last_import", "Dernier paquet reçu : appliqué le {0}", "Last return bundle: applied on {0}"),
    ("out.relay_status_no_import", "Aucun paquet reçu.", "No return bundle received."),
    ("out.export_file", "fichier écrit : {0}", "file written: {0}"),
    ("out.export_count", "{0} : {1} fiche(s), {2} ligne(s)", "{0}: {1} record(s), {2} row(s)"),
    ("out.export_not_asked", "non demandé", "not asked for"),
    ("out.export_role_may_not", "le rôle de cet appareil ne le permet pas", "this device’s role may not"),
    ("out.export_cannot_read", "illisibles par cette version", "unreadable by this version"),
    ("out.export_left_confidential", "laissé de côté : {0} fiche(s) confidentielle(s) ({1})", "left out: {0} confidential record(s) ({1})"),
    ("out.export_left_names", "laissé de côté : {0} personne(s) des listes nominatives ({1})", "left out: {0} person(s) of named attendance lists ({1})"),
    ("out.export_left_free_text", "laissé de côté : {0} colonne(s) de texte libre ({1})", "left out: {0} free-text column(s) ({1})"),
    ("out.export_left_unreadable", "laissé de côté : {0} fiche(s) illisible(s) ({1})", "left out: {0} unreadable record(s) ({1})"),
];

/// The sentence of an error code of `core` or the server in `lang`, with a detail in
/// brackets when there is one.
pub fn error_text(code: ErrorCode, lang: Lang, detail: Option<&str>) -> String {
    match detail {
        Some(d) => code.message_with(d).get(lang).to_string(),
        None => code.sentence(lang).to_string(),
    }
}

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
