/**
 * French: the source dictionary of every user-facing text of the front end.
 *
 * Add a key here first; `en.ts` then fails to type-check until it has the same key.
 * Plain strings, or functions for plurals and parameters (returning a string).
 * French plural rule: 0 and 1 are singular.
 */
import { records } from './fr/records';
import { secretary } from './fr/secretary';
import { courier, relay } from './fr/relay';
import { indicators } from './fr/indicators';
import { inbox } from './fr/review';
import { exportTexts } from './fr/export';
import { withFrenchSpacing } from './typography';

const plural = (n: number, one: string, many: string) => (n <= 1 ? one : many);

export const fr = withFrenchSpacing({
  app: {
    defaultName: 'Carnet',
    loading: 'Chargement…',
    skipToContent: 'Aller au contenu',
  },
  common: {
    separator: ' · ',
    cancel: 'Annuler',
    close: 'Fermer',
    save: 'Enregistrer',
    saving: 'Enregistrement…',
    saved: 'Enregistré.',
    retry: 'Réessayer',
    show: 'Afficher',
    hide: 'Masquer',
    open: 'Ouvrir',
    never: 'jamais',
    yes: 'Oui',
    no: 'Non',
    unknownError: 'Une erreur inattendue est survenue. Réessayez ; si elle revient, notez ce message.',
    errorCode: (code: string) => `Code : ${code}`,
  },
  lang: {
    label: 'Langue',
    fr: 'Français',
    en: 'English',
  },
  nav: {
    label: 'Navigation principale',
    menu: 'Menu',
    home: 'Accueil',
    session: 'Séances',
    assessment: 'Évaluations',
    workshop: 'Ateliers',
    recommendation: 'Recommandations',
    committee: 'Comités',
    review: 'À traiter',
    settings: 'Paramètres',
    help: 'Aide',
    relay: 'Facilitateur',
    courier: 'Courrier',
    indicators: 'Indicateurs',
    export: 'Exporter',
  },
  kinds: {
    session: 'Séance',
    assessment: 'Évaluation sécuritaire',
    workshop: 'Atelier',
    recommendation: 'Recommandation',
    committee: 'Comité',
  },
  statuses: {
    draft: 'Non soumis',
    submitted: 'Soumis',
    validated: 'Validé',
    approved: 'Approuvé',
    needs_correction: 'À corriger',
    reopened: 'Rouvert',
    deleted: 'Supprimée',
  },
  roles: {
    member: 'Membre du CCS',
    facilitator: 'Facilitateur régional',
    reviewer: 'Examinateur CRSS',
    admin: 'Administrateur',
  },
  topbar: {
    demo: 'pas encore de synchronisation',
    unknown: 'Réseau non vérifié',
    lock: 'Verrouiller',
    lockHint: 'Verrouiller maintenant (le code sera redemandé)',
    sync: 'Synchroniser',
    online: 'En ligne',
    offline: 'Hors ligne',
    syncing: 'Synchronisation…',
    pending: (n: number) => (n === 0 ? 'Rien à envoyer' : `${n} ${plural(n, 'modification', 'modifications')} à envoyer`),
  },
  passphrase: {
    show: 'Afficher le code',
    hide: 'Masquer le code',
    checking: 'Vérification…',
    strong: 'Code assez solide.',
    weak: 'Code trop faible :',
  },
  setup: {
    title: 'Première ouverture',
    intro:
      'Les données de cet appareil seront chiffrées. Choisissez un code secret : sans lui, personne ne peut les lire, pas même vous.',
    languageTitle: '1. Langue',
    passphraseTitle: '2. Code secret',
    passphraseHelp:
      'Quelques mots faciles à retenir, ou au moins 10 chiffres. Ne l’écrivez pas sur le téléphone. S’il est oublié, les données ne peuvent pas être récupérées.',
    passphrase: 'Code secret',
    confirm: 'Confirmer le code secret',
    mismatch: 'Les deux codes ne sont pas identiques : tapez le même code secret deux fois (étape 2).',
    passphraseMissing: 'Choisissez d’abord un code secret (étape 2), puis tapez-le une seconde fois.',
    tryDemo: 'Pour essayer sans serveur :',
    tryDemoLink: 'ouvrir une démonstration',
    chooseTitle: '3. Comment utiliser cet appareil',
    enrollTab: 'Enrôler cet appareil',
    demoTab: 'Démonstration',
    enrollHelp:
      'L’administrateur vous a remis une adresse de serveur et un code d’enrôlement (sur papier ou en QR code). Le code ne sert qu’une fois.',
    server: 'Adresse du serveur',
    serverHelp: 'Par exemple https://serveur.exemple.ml',
    serverInvalid: 'Adresse invalide : elle doit commencer par https:// (ou http:// pour un essai local).',
    code: 'Code d’enrôlement',
    codeHelp: '12 caractères, par exemple ABCD-EFGH-JKLM. Majuscules et tirets facultatifs.',
    codeInvalid: 'Le code doit contenir 12 lettres ou chiffres.',
    paste: 'Coller',
    pasteFailed: 'Impossible de lire le presse-papiers : collez le code dans le champ.',
    deviceLabel: 'Nom de l’appareil (facultatif)',
    deviceLabelHelp: 'Visible par l’administrateur seulement. Évitez votre nom : par exemple « Tablette 2 ».',
    enroll: 'Enrôler cet appareil',
    demoHelp:
      'Des données fictives, chiffrées sur cet appareil, sans serveur : rien n’est envoyé. Utile pour découvrir l’application ou former des utilisateurs.',
    demoRole: 'Rôle pour la démonstration',
    demo: 'Ouvrir une démonstration',
    creating: 'Chiffrement des données de l’appareil…',
    creatingHelp: 'Cela prend quelques secondes. Ne fermez pas l’application.',
    enrolling: 'Enrôlement auprès du serveur…',
  },
  scan: {
    button: 'Scanner le QR code',
    title: 'Scanner le QR code d’enrôlement',
    help: 'Placez le QR code dans le cadre. La lecture est automatique.',
    stop: 'Arrêter',
    noCamera: 'Caméra indisponible ou refusée. Tapez le code à la main.',
    found: 'Code lu.',
    notACode: 'Ce QR code ne contient pas de code d’enrôlement.',
  },
  unlock: {
    title: 'Appareil verrouillé',
    intro: 'Entrez votre code secret pour ouvrir les données.',
    passphrase: 'Code secret',
    submit: 'Déverrouiller',
    checking: 'Vérification…',
    attemptsLeft: (n: number) => `${plural(n, 'Essai restant', 'Essais restants')} : ${n}`,
    lastAttempt:
      'Dernier essai : si le code est faux, toutes les données de cet appareil seront effacées, y compris le travail pas encore envoyé.',
    wrong: 'Code secret incorrect.',
    lockExplain: 'Pour protéger les données, l’appareil se verrouille après un temps sans utilisation.',
    wipeWarning: (max: number) =>
      `Après ${max} ${plural(max, 'essai faux', 'essais faux')} de suite, toutes les données de cet appareil sont effacées, y compris les fiches et modifications pas encore envoyées au serveur.`,
    wiped: 'Trop d’essais faux : les données de cet appareil ont été effacées.',
  },
  home: {
    title: 'Accueil',
    committee: (name: string) => `Comité : ${name}`,
    region: (name: string) => `Région : ${name}`,
    allRegions: 'Toutes les régions',
    role: (role: string) => `Rôle : ${role}`,
    toCorrectTitle: 'À corriger',
    toCorrectHelp: 'Fiches renvoyées par un facilitateur ou le CRSS, avec leur commentaire.',
    toCorrectEmpty: 'Aucune fiche à corriger.',
    problems: (errors: number, conflicts: number) =>
      [
        errors > 0 ? `${errors} ${plural(errors, 'erreur', 'erreurs')}` : '',
        conflicts > 0 ? `${conflicts} ${plural(conflicts, 'conflit', 'conflits')}` : '',
      ]
        .filter((s) => s !== '')
        .join(', '),
    countsTitle: 'Fiches',
    countsKind: 'Type',
    countsTotal: 'Total',
    countsEmpty: 'Aucune fiche pour le moment.',
    newRecord: 'Nouvelle fiche',
    syncTitle: 'Synchronisation',
    lastSync: (when: string) => `Dernière synchronisation : ${when}`,
    pending: (n: number) =>
      n === 0
        ? 'Toutes les modifications ont été envoyées.'
        : `${n} ${plural(n, 'modification attend', 'modifications attendent')} d’être ${plural(n, 'envoyée', 'envoyées')}.`,
    // Neutral on purpose: the duress PIN's empty notebook is a store never enrolled, and
    // the word « Démonstration » told whoever forced it open that it was not the real one.
    notEnrolled: 'Pas encore de synchronisation : rien n’est envoyé et rien n’attend d’être envoyé.',
    onlineUnknown: 'Réseau : pas encore vérifié',
    lastError: 'Dernière erreur :',
    draftsTitle: 'Formulaires non terminés',
    draftsHelp: 'Commencés mais pas encore valides : ils restent sur l’appareil.',
    draftItem: (kind: string, when: string) => `${kind}, modifié le ${when}`,
    resume: 'Reprendre le formulaire',
    toReview: (n: number) =>
      n === 0 ? 'Aucune fiche n’attend votre décision.' : `${n} ${plural(n, 'fiche attend', 'fiches attendent')} votre décision.`,
    openReview: 'Ouvrir la revue',
  },
  sync: {
    title: 'Synchronisation',
    start: 'Synchroniser maintenant',
    running: 'Synchronisation en cours…',
    progress: (sent: number, received: number) =>
      `${sent} ${plural(sent, 'fiche envoyée', 'fiches envoyées')}, ${received} ${plural(received, 'reçue', 'reçues')}`,
    more: 'Le serveur a encore des fiches à envoyer…',
    resultTitle: 'Résultat',
    sent: 'Envoyées',
    accepted: 'Acceptées par le serveur',
    received: 'Reçues',
    refused: 'Refusées',
    flagged: 'Reçues avec des erreurs (gardées et signalées)',
    courierForwarded: 'Paquets d’autres appareils transmis au serveur',
    courierRefused: 'Paquets d’autres appareils refusés par le serveur',
    refusedTitle: 'Fiches refusées par le serveur',
    refusedHelp: 'Ces fiches restent sur l’appareil. Corrigez-les puis synchronisez à nouveau.',
    openRecord: 'Ouvrir la fiche',
    heldBack: 'Refusées auparavant, non renvoyées',
    heldBackTitle: 'Fiches refusées, en attente d’une modification',
    heldBackHelp:
      'Le serveur a refusé ces fiches. Elles restent sur l’appareil et ne sont pas renvoyées à chaque synchronisation : elles repartiront quand elles changeront (ou dans un jour).',
    quarantined: 'Modifications reçues mises à l’écart',
    quarantineTitle: 'Modifications reçues mises à l’écart',
    quarantineHelp:
      'Cet appareil n’a pas pu appliquer ces modifications reçues. Elles sont gardées à part et la synchronisation continue pour tout le reste. Signalez-le à votre facilitateur.',
    notOnDevice: 'Fiche absente de cet appareil',
    nothing: 'Tout est à jour.',
    failed: 'La synchronisation a échoué.',
    errors: {
      network: 'Pas de réseau, ou le serveur ne répond pas. Vos données restent sur l’appareil ; réessayez quand une connexion est disponible.',
      revoked: 'Cet appareil a été révoqué par l’administrateur : il ne peut plus synchroniser. Contactez l’administrateur.',
      notEnrolled: 'Cet appareil n’est pas enrôlé auprès d’un serveur (démonstration) : il n’y a rien à synchroniser.',
      refused: 'Le serveur a refusé la demande.',
      unknownDevice: 'Le serveur ne reconnaît pas cet appareil (révoqué ou serveur réinstallé). Contactez l’administrateur.',
    },
  },
  review: {
    title: 'Revue',
    intro: 'Fiches soumises sur lesquelles votre rôle peut décider.',
    empty: 'Aucune fiche en attente de décision.',
    count: (n: number) => `${n} ${plural(n, 'fiche', 'fiches')} en attente`,
    notAllowed: 'Votre rôle ne permet pas de décider sur les fiches.',
    untitled: 'Sans titre',
  },
  settings: {
    title: 'Paramètres',
    general: 'Général',
    server: 'Adresse du serveur',
    serverHelp: 'Laisser vide si l’appareil n’est pas enrôlé.',
    lockMinutes: 'Verrouillage automatique (minutes)',
    lockMinutesHelp: 'Après ce temps sans utilisation, l’appareil se verrouille. Entre 1 et 240.',
    maxAttempts: 'Essais faux avant effacement',
    maxAttemptsHelp: 'Après ce nombre d’essais faux de suite, les données sont effacées. Entre 3 et 20.',
    outOfRange: (min: number, max: number) => `Entrez un nombre entre ${min} et ${max}.`,
    name: 'Nom affiché de l’application',
    nameHelp: 'Un nom neutre, qui ne révèle pas l’usage de l’application (par exemple « Carnet »).',
    nameRequired: 'Le nom ne peut pas être vide.',
    nameTooLong: (max: number) => `Le nom compte au plus ${max} caractères.`,
    icon: 'Icône',
    icons: {
      standard: 'Icône de l’application',
      neutral: 'Icône neutre (un carnet)',
    },
    save: 'Enregistrer les paramètres',
    saved: 'Paramètres enregistrés.',
    passphraseTitle: 'Changer le code secret',
    current: 'Code secret actuel',
    next: 'Nouveau code secret',
    confirm: 'Confirmer le nouveau code',
    change: 'Changer le code secret',
    changed: 'Code secret changé.',
    deviceTitle: 'Cet appareil',
    deviceRole: 'Rôle',
    deviceId: 'Identifiant de l’appareil',
    wipeTitle: 'Effacer cet appareil',
    wipeExplain:
      'Supprime immédiatement toutes les données de cet appareil et sa clé. Ce qui n’a pas été synchronisé est perdu. À utiliser en cas de danger.',
    wipeButton: 'Effacer cet appareil',
    wipeDialogTitle: 'Effacer toutes les données ?',
    wipeDialogText: (pending: number) =>
      pending > 0
        ? `Attention : ${pending} ${plural(pending, 'modification n’a pas été envoyée et sera perdue', 'modifications n’ont pas été envoyées et seront perdues')}. Cette action est définitive.`
        : 'Cette action est définitive.',
    wipeWord: 'EFFACER',
    wipeTypeLabel: (word: string) => `Pour confirmer, tapez ${word}`,
    wipeConfirm: 'Effacer définitivement',
    wiping: 'Effacement…',
    backgroundSeconds: 'Verrouillage en arrière-plan (secondes)',
    backgroundSecondsHelp:
      'Quand l’application passe en arrière-plan (réduite, une autre fenêtre devant), elle se verrouille après ce délai. 0 : aussitôt. Entre 0 et 600.',
    duressTitle: 'Code de contrainte',
    duressExplain:
      'Un second code, à donner si l’on vous force à ouvrir l’application. Il ouvre un carnet vide, aux écrans ordinaires, ou efface d’abord vos données, selon votre choix. Rien ne montre qu’il existe.',
    duressNone: 'Aucun code de contrainte.',
    duressIsSet: (wipe: boolean) =>
      wipe ? 'Un code de contrainte est défini : il efface les données.' : 'Un code de contrainte est défini : il ouvre un carnet vide.',
    duressCurrent: 'Code secret de l’appareil (pour confirmer)',
    duressPin: 'Code de contrainte',
    duressConfirm: 'Confirmer le code de contrainte',
    duressAction: 'Quand ce code est saisi',
    duressActions: {
      decoy: 'Ouvrir un carnet vide (vos données restent, cachées)',
      wipe: 'Effacer vos données, puis ouvrir un carnet vide',
    },
    duressSave: 'Définir le code de contrainte',
    duressClear: 'Retirer le code de contrainte',
    duressDone: 'Code de contrainte enregistré.',
    duressCleared: 'Code de contrainte retiré.',
  },
  idle: {
    warning: 'Verrouillage imminent faute d’activité.',
  },
  records,
  secretary,
  relay,
  courier,
  indicators,
  inbox,
  export: exportTexts,
});
