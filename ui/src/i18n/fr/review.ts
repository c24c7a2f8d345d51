/**
 * French texts of the inbox « À traiter » (issue 12): what waits for a facilitator or
 * the CRSS, its filters, « Suivant », and « modifié après approbation » on a record.
 */
const plural = (n: number, one: string, many: string) => (n <= 1 ? one : many);

export const inbox = {
  title: 'À traiter',
  intro: {
    facilitator: 'Les fiches soumises par les comités de votre région : validez-les ou renvoyez-les à corriger.',
    reviewer:
      'Ce qui attend la CRSS : les fiches validées à approuver, les fiches soumises (approbation directe avec une raison) et les fiches modifiées après leur approbation.',
  },
  notAllowed: 'Votre rôle ne décide pas sur les fiches des autres : rien à traiter ici.',
  empty: 'Rien à traiter pour ces filtres.',
  emptyAll: 'Rien à traiter : tout est à jour.',
  count: (n: number) => `${n} ${plural(n, 'fiche', 'fiches')} à traiter`,
  oldestFirst: 'Les plus anciennes en premier.',
  filters: {
    title: 'Filtres',
    region: 'Région',
    committee: 'Comité',
    kind: 'Type de fiche',
    from: 'Date de la fiche, du',
    to: 'au',
    age: 'En attente depuis',
    anyRegion: 'Toutes les régions',
    anyCommittee: 'Tous les comités',
    anyKind: 'Tous les types',
    anyAge: 'Peu importe',
    olderThan: (d: number) => `Plus de ${d} jours`,
    noRegion: 'Sans région',
    reset: 'Effacer les filtres',
    chip: (name: string, n: number) => `${name} (${n})`,
  },
  reason: {
    submitted: 'Soumise',
    validated: 'Validée par le facilitateur',
    modified_after_approval: 'Modifiée après approbation',
  },
  waiting: (d: number) =>
    d === 0 ? 'En attente depuis aujourd’hui' : `En attente depuis ${d} ${plural(d, 'jour', 'jours')}`,
  more: 'Afficher plus',
  back: 'Retour à la liste',
  next: 'Suivant',
  position: (i: number, n: number) => `Fiche ${i} sur ${n}`,
  decided: 'Décision enregistrée. « Suivant » ouvre la fiche suivante.',
  lastOne: 'C’était la dernière fiche à traiter pour ces filtres.',
  notWaiting: 'Cette fiche n’attend plus de décision de votre part.',
  reasonRequired:
    'Pour approuver une fiche que le facilitateur n’a pas validée, indiquez la raison dans le commentaire.',
  modified: {
    title: 'Modifiée après approbation',
    intro: (when: string) =>
      `Cette fiche a été approuvée par la CRSS le ${when}, puis modifiée. Voici ce qui a changé depuis la version approuvée ; elle attend une nouvelle décision (approuver à nouveau ou renvoyer à corriger).`,
    field: 'Champ',
    before: 'Version approuvée',
    after: 'Maintenant',
    empty: '(vide)',
    altered:
      'Attention : la décision d’approbation a été modifiée après coup sur un appareil. La version approuvée est lue dans l’historique de la fiche ; vérifiez-la avant de décider.',
  },
};
