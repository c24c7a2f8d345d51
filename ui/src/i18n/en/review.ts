/**
 * English texts of the inbox (issue 12): exactly the keys of `fr/review.ts`.
 */
const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

export const inbox = {
  title: 'To review',
  intro: {
    facilitator: 'Records submitted by the committees of your region: validate them or send them back for correction.',
    reviewer:
      'What waits for the CRSS: validated records to approve, submitted ones (direct approval with a reason) and records changed after their approval.',
  },
  notAllowed: 'Your role does not decide on other people’s records: nothing to review here.',
  empty: 'Nothing to review for these filters.',
  emptyAll: 'Nothing to review: all done.',
  count: (n: number) => `${n} ${plural(n, 'record', 'records')} to review`,
  oldestFirst: 'Oldest first.',
  filters: {
    title: 'Filters',
    region: 'Region',
    committee: 'Committee',
    kind: 'Kind of record',
    from: 'Record date, from',
    to: 'to',
    age: 'Waiting for',
    anyRegion: 'All regions',
    anyCommittee: 'All committees',
    anyKind: 'All kinds',
    anyAge: 'Any time',
    olderThan: (d: number) => `More than ${d} days`,
    noRegion: 'No region',
    reset: 'Clear filters',
    chip: (name: string, n: number) => `${name} (${n})`,
  },
  reason: {
    submitted: 'Submitted',
    validated: 'Validated by the facilitator',
    modified_after_approval: 'Changed after approval',
  },
  waiting: (d: number) => (d === 0 ? 'Waiting since today' : `Waiting for ${d} ${plural(d, 'day', 'days')}`),
  more: 'Show more',
  back: 'Back to the list',
  next: 'Next',
  position: (i: number, n: number) => `Record ${i} of ${n}`,
  decided: 'Decision saved. “Next” opens the next record.',
  lastOne: 'That was the last record to review for these filters.',
  notWaiting: 'This record no longer waits for your decision.',
  reasonRequired: 'To approve a record the facilitator has not validated, give the reason in the comment.',
  modified: {
    title: 'Changed after approval',
    intro: (when: string) =>
      `This record was approved by the CRSS on ${when}, then changed. Here is what changed since the approved version; it waits for a new decision (approve again or send back).`,
    field: 'Field',
    before: 'Approved version',
    after: 'Now',
    empty: '(empty)',
    altered:
      'Warning: the approval decision was altered afterwards on some device. The approved version is read from the record’s history; check it before deciding.',
  },
};
