/**
 * French texts of what a committee secretary looks for (issue 11): the proof that a
 * record was sent, the printable procès-verbal of a session, and the help page.
 */
export const secretary = {
  ownCommittee: (name: string) => (name ? `Mon comité seulement (${name})` : 'Mon comité seulement'),
  delivery: {
    notSent: 'Sur cet appareil seulement : elle partira à la prochaine synchronisation ou avec le facilitateur.',
    received: (when: string) => `Reçue par le serveur le ${when}.`,
    receivedUndated: 'Reçue par le serveur.',
    changesWaiting: (when: string) =>
      `Reçue par le serveur le ${when} ; les modifications faites depuis partiront à la prochaine synchronisation.`,
    changesWaitingUndated:
      'Reçue par le serveur ; les modifications faites depuis partiront à la prochaine synchronisation.',
    relayed: (when: string) => `Remise au relais le ${when} : en route vers le serveur.`,
  },
  print: {
    link: 'Imprimer le procès-verbal',
    button: 'Imprimer',
    back: 'Retour à la fiche',
    loading: 'Chargement du procès-verbal…',
    notASession: 'Seule une séance a un procès-verbal à imprimer.',
    title: (date: string) => `Procès-verbal de la séance du ${date}`,
    committee: 'Comité',
    sessionType: 'Type de séance',
    venue: 'Lieu',
    chair: 'Présidée par',
    hours: 'Horaires',
    hoursValue: (start: string, end: string) => `de ${start} à ${end}`,
    attendance: 'Présents',
    attendanceValue: (present: number, invited: number) => `${present} présents pour ${invited} invités`,
    quorum: 'Quorum',
    quorumReached: 'atteint',
    quorumNotReached: 'non atteint',
    quorumUnknown: 'non calculable',
    agenda: 'Ordre du jour',
    noAgenda: 'Aucun point inscrit.',
    byCollege: 'Présents par collège',
    college: 'Collège',
    women: 'Femmes',
    men: 'Hommes',
    total: 'Total',
    summary: 'Compte rendu',
    minutesStatus: 'Statut du procès-verbal',
    reviewStatus: 'Statut de revue',
    signatures: 'Signatures',
    chairSignature: 'Le président de séance',
    secretarySignature: 'Le secrétaire',
    printedOn: (when: string) => `Imprimé le ${when}.`,
  },
  help: {
    title: 'Aide',
    intro:
      'Ce carnet garde les fiches du comité sur cet appareil, chiffrées, et les envoie au serveur quand le réseau le permet. Rien n’est perdu sans réseau.',
    sections: [
      {
        title: 'Saisir une séance',
        text: 'Menu « Séances », puis « Nouvelle séance ». Ce que vous tapez est gardé au fur et à mesure, même si l’application se ferme. Les erreurs s’affichent à côté du champ concerné.',
      },
      {
        title: 'Soumettre et retirer',
        text: 'Quand la fiche est complète, « Soumettre » l’envoie en revue au facilitateur et à la CRSS. Tant qu’aucun d’eux n’a décidé, « Retirer la soumission » la rend de nouveau modifiable, « Non soumise ».',
      },
      {
        title: 'Supprimer une fiche saisie par erreur',
        text: 'Avant la soumission, un membre du comité peut la supprimer (« Supprimer la fiche »). Après, seuls le facilitateur et la CRSS le peuvent. La fiche disparaît des listes sur tous les appareils ; la suppression reste inscrite dans la revue, avec son auteur et sa date.',
      },
      {
        title: 'Savoir si une fiche est partie',
        text: 'Sur la page de la fiche, « Reçue par le serveur le … » le confirme ; « Remise au relais le … » dit qu’elle voyage avec le facilitateur. Sinon, touchez « Synchroniser » quand vous avez du réseau.',
      },
      {
        title: 'Sans réseau : passer par le facilitateur',
        text: 'Menu « Facilitateur » : « Envoyer par le facilitateur » écrit vos fiches dans un paquet chiffré (une clé USB, une carte SD) ; « Recevoir du facilitateur » applique les paquets qu’il rapporte, avec les fiches à corriger. Le facilitateur ne peut pas lire les paquets.',
      },
      {
        title: 'Imprimer un procès-verbal',
        text: 'Sur la page d’une séance, « Imprimer le procès-verbal » ouvre une page prête à imprimer ou à enregistrer en PDF.',
      },
      {
        title: 'Verrouiller et code secret',
        text: 'Le cadenas verrouille l’application tout de suite. Après plusieurs codes secrets faux, les données de l’appareil sont effacées, y compris ce qui n’a pas encore été envoyé : synchronisez souvent.',
      },
    ],
  },
};
