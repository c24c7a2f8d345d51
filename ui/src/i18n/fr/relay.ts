/**
 * French texts of the relay (issue 15): the member's « Facilitateur » screen, the
 * enrollment from a slip at first start, where a record is on its way, and the
 * facilitator's « Courrier ». Plain words: a « paquet » is a bundle file, « le relais »
 * is whoever carries it.
 */
const plural = (n: number, one: string, many: string) => (n <= 1 ? one : many);
const records = (n: number) => `${n} ${plural(n, 'fiche', 'fiches')}`;
const files = (n: number) => `${n} ${plural(n, 'fichier', 'fichiers')}`;
const bundles = (n: number) => `${n} ${plural(n, 'paquet', 'paquets')}`;

export const relay = {
  title: 'Passer par le facilitateur',
  intro:
    'Sans réseau, vos fiches partent avec le facilitateur : il emporte un paquet chiffré qu’il ne peut pas lire, le remet au serveur, et rapporte les réponses (fiches à corriger, accusés de réception).',
  link: 'Envoyer ou recevoir par le facilitateur',
  noNetworkHint: 'Pas de réseau ? Vos fiches peuvent partir avec le facilitateur.',
  demo: 'Pas encore de synchronisation : rien à envoyer par le facilitateur.',
  pendingTitle: 'Inscription en attente',
  pending:
    'Cet appareil fonctionne normalement. Son inscription sera confirmée quand le facilitateur rapportera la réponse du serveur : envoyez un paquet, puis recevez le retour.',
  pendingShort: 'Inscription en attente',
  waiting: (n: number) =>
    n === 0
      ? 'Le serveur a reçu toutes les fiches de cet appareil.'
      : `${records(n)} ${plural(n, 'attend', 'attendent')} d’être ${plural(n, 'reçue', 'reçues')} par le serveur.`,
  notReady:
    'Cet appareil ne connaît pas encore les clés du serveur : synchronisez-le une fois avec le réseau pour pouvoir passer par le facilitateur.',
  lastExport: (when: string) => `Dernier envoi préparé le ${when}.`,
  unacknowledged: (n: number) =>
    ` ${n} ${plural(n, 'paquet attend', 'paquets attendent')} encore la réponse du serveur.`,
  refusedBundlesTitle: 'Paquets refusés par le serveur',
  server: (url: string, fingerprint: string) => `Serveur ${url}, empreinte ${fingerprint}`,
  lastImport: (when: string) => `Dernier retour reçu le ${when}.`,
  export: {
    title: 'Envoyer par le facilitateur',
    help:
      'Écrit dans un dossier les paquets de tout ce que le serveur n’a pas encore reçu. Remettez-les au facilitateur (clé USB, carte SD, message). Un nouveau paquet remplace les précédents : en perdre un ne fait rien perdre.',
    folder: 'Dossier où écrire les paquets',
    folderHelp: 'Par exemple la clé USB ou la carte SD. Le dossier est retenu pour la prochaine fois.',
    folderMissing: 'Indiquez un dossier.',
    button: 'Écrire les paquets',
    busy: 'Préparation des paquets…',
    resultTitle: 'Paquets prêts',
    result: (nRecords: number, nFiles: number) =>
      nRecords === 0
        ? `Aucune fiche nouvelle ; ${plural(nFiles, 'le paquet demande', 'les paquets demandent')} au serveur les réponses qui vous attendent (${files(nFiles)}).`
        : `${records(nRecords)} dans ${files(nFiles)}.`,
    where: (folder: string) => `Dans le dossier ${folder}`,
    enrollment: 'Le paquet porte aussi la demande d’inscription de cet appareil.',
    handedOver: (when: string) => `Remis au relais le ${when} : donnez ces fichiers au facilitateur.`,
  },
  import: {
    title: 'Recevoir du facilitateur',
    help: 'Choisissez le ou les fichiers .ccsb que le facilitateur vous a remis.',
    pick: 'Fichiers du facilitateur',
    choose: 'Choisir les fichiers',
    notBundle: (name: string) => `${name} n’est pas un paquet (.ccsb) : il est ignoré.`,
    busy: (done: number, total: number) => `Lecture du fichier ${done} sur ${total}…`,
    resultTitle: 'Reçu du facilitateur',
    received: 'Fiches reçues',
    acknowledged: 'Fiches confirmées reçues par le serveur',
    toCorrect: 'Fiches à corriger',
    toCorrectHint: 'Elles sont sur l’accueil, avec le commentaire.',
    enrolled: 'Inscription confirmée par le serveur.',
    alreadyApplied: (n: number) =>
      `${files(n)} déjà ${plural(n, 'appliqué', 'appliqués')} (une ancienne copie) : rien à faire.`,
    nothing: 'Rien de nouveau dans ces fichiers.',
    failuresTitle: (n: number) => `${plural(n, 'Un fichier n’a pas pu être lu', `${n} fichiers n’ont pas pu être lus`)}`,
    failuresHelp: 'Les autres fichiers ont été appliqués. Gardez ceux-ci et montrez ce message au facilitateur.',
  },
  exchange: {
    title: 'Échanger avec le facilitateur',
    help:
      'Sur le même réseau local que le facilitateur (son point d’accès Wi-Fi) : tapez ou collez le texte de jumelage affiché sur son appareil. Les paquets partent et reviennent en une fois.',
    text: 'Texte de jumelage',
    textHelp: 'Il commence par ccs-relais:1?',
    paste: 'Coller',
    button: 'Échanger',
    busy: 'Échange en cours…',
    empty: 'Collez ou tapez le texte de jumelage.',
    isSlip: 'Ceci est une fiche d’inscription, pas un texte de jumelage.',
    notPairing: 'Ce texte n’est pas un texte de jumelage : il commence par ccs-relais:1?',
    resultTitle: 'Échange terminé',
    sent: (nRecords: number, nFiles: number) => `Envoyé : ${records(nRecords)} (${files(nFiles)}).`,
  },
  courierLink: 'Vous portez les paquets d’autres appareils ? Ouvrez le courrier.',
  slip: {
    tab: 'S’inscrire avec une fiche',
    help:
      'Sans réseau : l’administrateur vous a remis une fiche d’inscription (un texte ou un QR code). L’appareil fonctionne tout de suite ; l’inscription est confirmée quand le facilitateur rapporte la réponse du serveur.',
    text: 'Texte de la fiche d’inscription',
    textHelp: 'Il commence par ccs-inscription:1?',
    paste: 'Coller',
    scan: 'Scanner la fiche',
    preview: (server: string, until: string) => `Serveur ${server} ; fiche valable jusqu’au ${until}.`,
    expired: (until: string) => `Cette fiche n’était valable que jusqu’au ${until} : demandez-en une nouvelle à l’administrateur.`,
    empty: 'Collez ou tapez le texte de la fiche d’inscription.',
    isPairing: 'Ceci est un texte de jumelage du facilitateur, pas une fiche d’inscription.',
    isCode: 'Ceci est un code seul : utilisez « Enrôler cet appareil » ci-dessus, avec l’adresse du serveur.',
    invalid: 'Ce texte n’est pas une fiche d’inscription complète : il commence par ccs-inscription:1?',
    submit: 'S’inscrire avec cette fiche',
    busy: 'Inscription de l’appareil…',
  },
};

export const courier = {
  title: 'Courrier',
  intro:
    'Les paquets que vous portez entre les membres et le serveur. Ils sont chiffrés : vous ne pouvez ni les lire ni les modifier, seulement les transmettre.',
  loading: 'Chargement du courrier…',
  forServer: (n: number, size: string) =>
    n === 0 ? 'Aucun paquet n’attend le serveur.' : `${bundles(n)} ${plural(n, 'attend', 'attendent')} le serveur (${size}).`,
  forMembers: (n: number, devices: number, size: string) =>
    n === 0
      ? 'Aucun paquet à remettre aux membres.'
      : `${bundles(n)} à remettre à ${devices} ${plural(devices, 'appareil', 'appareils')} (${size}).`,
  roster: (when: string, devices: number, revoked: number) =>
    `Liste des appareils reçue du serveur le ${when} : ${devices} ${plural(devices, 'appareil', 'appareils')}${revoked > 0 ? `, dont ${revoked} ${plural(revoked, 'révoqué', 'révoqués')}` : ''}.`,
  noRoster:
    'Cet appareil n’a pas encore la liste des appareils du serveur : synchronisez-le une fois avec le réseau avant de collecter.',
  devicesTitle: 'Par appareil',
  devicesEmpty: 'Vous ne portez aucun paquet.',
  device: (name: string) => `Appareil ${name}`,
  up: (n: number, size: string) => `Vers le serveur : ${bundles(n)} (${size})`,
  down: (n: number, size: string) => `À remettre : ${bundles(n)} (${size})`,
  refused: (n: number) => `${plural(n, 'Refusé', 'Refusés')} par le serveur : ${bundles(n)}`,
  latest: (when: string) => `Dernier mouvement : ${when}`,
  bundlesTitle: 'Tous les paquets',
  columns: {
    direction: 'Sens',
    device: 'Appareil',
    size: 'Taille',
    state: 'État',
    date: 'Date',
  },
  directions: {
    to_server: 'Vers le serveur',
    to_member: 'Vers l’appareil',
  },
  states: {
    carried_up: 'À transmettre au serveur',
    carried_down: 'À remettre',
    forwarded: 'Reçu par le serveur',
    refused: 'Refusé par le serveur (gardé pour l’administrateur)',
    delivered: 'Appliqué par l’appareil',
    superseded: 'Remplacé par un plus récent',
  },
  collect: {
    title: 'Collecter',
    help:
      'Choisissez les fichiers .ccsb que les membres vous ont remis. Chaque paquet est vérifié (signé par un appareil connu, non révoqué) avant d’être pris.',
    pick: 'Fichiers des membres',
    choose: 'Choisir les fichiers',
    busy: (done: number, total: number) => `Vérification du fichier ${done} sur ${total}…`,
    result: (taken: number, already: number) =>
      `${bundles(taken)} ${plural(taken, 'pris', 'pris')} en garde${already > 0 ? ` ; ${already} ${plural(already, 'était', 'étaient')} déjà en votre garde` : ''}.`,
    enrolling: (n: number) =>
      `${n === 1 ? 'Un paquet porte' : `${n} paquets portent`} une demande d’inscription : le serveur en décidera.`,
    failuresTitle: 'Fichiers refusés',
  },
  forward: {
    title: 'Envoyer au serveur',
    help: 'Remet au serveur les paquets en attente. La synchronisation le fait aussi, avant d’envoyer vos propres fiches.',
    button: 'Envoyer au serveur',
    busy: 'Envoi au serveur…',
    result: (forwarded: number, refused: number, left: number) =>
      `${bundles(forwarded)} ${plural(forwarded, 'reçu', 'reçus')} par le serveur${refused > 0 ? ` ; ${bundles(refused)} ${plural(refused, 'refusé', 'refusés')} (gardés pour l’administrateur)` : ''}${left > 0 ? ` ; ${left} encore à transmettre` : ''}.`,
  },
  fetch: {
    title: 'Chercher les retours',
    help: 'Demande au serveur les paquets de retour des appareils que vous allez visiter (les fiches à corriger, les accusés de réception).',
    button: 'Chercher les retours',
    busy: 'Recherche des retours…',
    result: (received: number, superseded: number) =>
      received === 0
        ? 'Aucun nouveau retour pour le moment.'
        : `${bundles(received)} de retour ${plural(received, 'reçu', 'reçus')}${superseded > 0 ? ` ; ${superseded} plus ${plural(superseded, 'ancien remplacé', 'anciens remplacés')}` : ''}.`,
  },
  distribute: {
    title: 'Distribuer',
    help: 'Écrit dans un dossier les paquets de retour d’un appareil, à lui remettre (clé USB, carte SD, message).',
    device: 'Appareil',
    noDevice: 'Aucun paquet à remettre pour le moment.',
    folder: 'Dossier',
    folderMissing: 'Indiquez un dossier.',
    button: 'Écrire ses paquets',
    busy: 'Écriture des paquets…',
    result: (n: number, folder: string) => `${files(n)} ${plural(n, 'écrit', 'écrits')} dans ${folder}.`,
  },
  serve: {
    title: 'Servir sur le réseau local',
    help:
      'Les membres proches échangent leurs paquets avec cet appareil par le réseau local (votre point d’accès Wi-Fi), sans fichier. Montrez-leur ce code ou lisez-leur le texte.',
    start: 'Commencer',
    busy: 'Démarrage…',
    serving: (address: string) => `En service à l’adresse ${address}`,
    pairing: 'Texte de jumelage',
    pairingHelp: 'Valable pour cette session seulement.',
    qr: 'QR code de jumelage',
    copy: 'Copier le texte',
    copied: 'Copié.',
    exchanged: (n: number) => `${n} ${plural(n, 'échange', 'échanges')} depuis le début.`,
    stop: 'Arrêter',
    stopped: 'Le service est arrêté.',
  },
  notAvailable: 'Le courrier n’est pas disponible sur un appareil de démonstration.',
};
