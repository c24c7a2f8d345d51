/**
 * English texts of what a committee secretary looks for (issue 11): exactly the keys of
 * `fr/secretary.ts`.
 */
export const secretary = {
  ownCommittee: (name: string) => (name ? `My committee only (${name})` : 'My committee only'),
  delivery: {
    notSent: 'On this device only: it will go at the next sync or with the facilitator.',
    received: (when: string) => `Received by the server on ${when}.`,
    receivedUndated: 'Received by the server.',
    changesWaiting: (when: string) =>
      `Received by the server on ${when}; changes made since will go at the next sync.`,
    changesWaitingUndated: 'Received by the server; changes made since will go at the next sync.',
    relayed: (when: string) => `Handed to the relay on ${when}: on its way to the server.`,
  },
  print: {
    link: 'Print the minutes',
    button: 'Print',
    back: 'Back to the record',
    loading: 'Loading the minutes…',
    notASession: 'Only a session has minutes to print.',
    title: (date: string) => `Minutes of the session of ${date}`,
    committee: 'Committee',
    sessionType: 'Session type',
    venue: 'Venue',
    chair: 'Chaired by',
    hours: 'Time',
    hoursValue: (start: string, end: string) => `from ${start} to ${end}`,
    attendance: 'Present',
    attendanceValue: (present: number, invited: number) => `${present} present of ${invited} invited`,
    quorum: 'Quorum',
    quorumReached: 'reached',
    quorumNotReached: 'not reached',
    quorumUnknown: 'cannot be computed',
    agenda: 'Agenda',
    noAgenda: 'No item on the agenda.',
    byCollege: 'Present by group',
    college: 'Group',
    women: 'Women',
    men: 'Men',
    total: 'Total',
    summary: 'Summary',
    minutesStatus: 'Minutes status',
    reviewStatus: 'Review status',
    signatures: 'Signatures',
    chairSignature: 'The chair of the session',
    secretarySignature: 'The secretary',
    printedOn: (when: string) => `Printed on ${when}.`,
  },
  help: {
    title: 'Help',
    intro:
      'This notebook keeps the committee’s records on this device, encrypted, and sends them to the server when the network allows. Nothing is lost without a network.',
    sections: [
      {
        title: 'Recording a session',
        text: 'Menu “Sessions”, then “New session”. What you type is kept as you go, even if the app closes. Errors show next to their field.',
      },
      {
        title: 'Submitting and withdrawing',
        text: 'When the record is complete, “Submit” sends it for review to the facilitator and the CRSS. As long as neither has decided, “Withdraw the submission” makes it a draft again.',
      },
      {
        title: 'Deleting a record saved by mistake',
        text: 'Before submission, a committee member may delete it (“Delete the record”). After, only the facilitator and the CRSS may. The record leaves the lists on every device; the deletion stays in the review trail, with who made it and when.',
      },
      {
        title: 'Knowing whether a record was sent',
        text: 'On the record’s page, “Received by the server on …” confirms it; “Handed to the relay on …” says it travels with the facilitator. Otherwise, tap “Sync” when you have a network.',
      },
      {
        title: 'Without a network: through the facilitator',
        text: '“Facilitator” menu: “Send through the facilitator” writes your records to an encrypted bundle (a USB stick, an SD card); “Receive from the facilitator” applies the bundles they bring back, with the records to correct. The facilitator cannot read the bundles.',
      },
      {
        title: 'Printing minutes',
        text: 'On a session’s page, “Print the minutes” opens a page ready to print or to save as PDF.',
      },
      {
        title: 'Locking and passphrase',
        text: 'The padlock locks the app at once. After several wrong passphrases, the device’s data is erased, including what was not sent yet: sync often.',
      },
    ],
  },
};
