/**
 * English texts of the relay (issue 15): exactly the keys of `fr/relay.ts`.
 */
const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
const records = (n: number) => `${n} ${plural(n, 'record', 'records')}`;
const files = (n: number) => `${n} ${plural(n, 'file', 'files')}`;
const bundles = (n: number) => `${n} ${plural(n, 'bundle', 'bundles')}`;

export const relay = {
  title: 'Through the facilitator',
  intro:
    'Without a network, your records travel with the facilitator: they carry an encrypted bundle they cannot read, hand it to the server, and bring back the answers (records to correct, receipts).',
  link: 'Send or receive through the facilitator',
  noNetworkHint: 'No network? Your records can travel with the facilitator.',
  demo: 'No sync yet: nothing to send through the facilitator.',
  pendingTitle: 'Enrollment pending',
  pending:
    'This device works normally. Its enrollment is confirmed when the facilitator brings back the server’s answer: send a bundle, then receive the return.',
  pendingShort: 'Enrollment pending',
  waiting: (n: number) =>
    n === 0
      ? 'The server has received every record of this device.'
      : `${records(n)} ${plural(n, 'waits', 'wait')} to be received by the server.`,
  notReady:
    'This device does not know the server’s keys yet: sync it once over the network to be able to go through the facilitator.',
  lastExport: (when: string) => `Last bundles prepared on ${when}.`,
  unacknowledged: (n: number) => ` ${n} ${plural(n, 'bundle still waits', 'bundles still wait')} for the server’s answer.`,
  refusedBundlesTitle: 'Bundles refused by the server',
  server: (url: string, fingerprint: string) => `Server ${url}, fingerprint ${fingerprint}`,
  lastImport: (when: string) => `Last return received on ${when}.`,
  export: {
    title: 'Send through the facilitator',
    help:
      'Writes to a folder the bundles of everything the server has not received yet. Give them to the facilitator (USB stick, SD card, message). A new bundle replaces earlier ones: losing one loses nothing.',
    folder: 'Folder to write the bundles to',
    folderHelp: 'For example the USB stick or the SD card. The folder is remembered for next time.',
    folderMissing: 'Enter a folder.',
    button: 'Write the bundles',
    busy: 'Preparing the bundles…',
    resultTitle: 'Bundles ready',
    result: (nRecords: number, nFiles: number) =>
      nRecords === 0
        ? `No new record; the ${plural(nFiles, 'bundle asks', 'bundles ask')} the server for the answers waiting for you (${files(nFiles)}).`
        : `${records(nRecords)} in ${files(nFiles)}.`,
    where: (folder: string) => `In the folder ${folder}`,
    enrollment: 'The bundle also carries this device’s enrollment request.',
    handedOver: (when: string) => `Handed to the relay on ${when}: give these files to the facilitator.`,
  },
  import: {
    title: 'Receive from the facilitator',
    help: 'Choose the .ccsb file or files the facilitator gave you.',
    pick: 'Files from the facilitator',
    choose: 'Choose files',
    notBundle: (name: string) => `${name} is not a bundle (.ccsb): ignored.`,
    busy: (done: number, total: number) => `Reading file ${done} of ${total}…`,
    resultTitle: 'Received from the facilitator',
    received: 'Records received',
    acknowledged: 'Records confirmed received by the server',
    toCorrect: 'Records to correct',
    toCorrectHint: 'They are on the home screen, with the comment.',
    enrolled: 'Enrollment confirmed by the server.',
    alreadyApplied: (n: number) => `${files(n)} already applied (an old copy): nothing to do.`,
    nothing: 'Nothing new in these files.',
    failuresTitle: (n: number) => (n === 1 ? 'One file could not be read' : `${n} files could not be read`),
    failuresHelp: 'The other files were applied. Keep these and show this message to the facilitator.',
  },
  exchange: {
    title: 'Exchange with the facilitator',
    help:
      'On the same local network as the facilitator (their Wi-Fi hotspot): type or paste the pairing text shown on their device. Bundles go and come back in one step.',
    text: 'Pairing text',
    textHelp: 'It starts with ccs-relais:1?',
    paste: 'Paste',
    button: 'Exchange',
    busy: 'Exchanging…',
    empty: 'Paste or type the pairing text.',
    isSlip: 'This is an enrollment slip, not a pairing text.',
    notPairing: 'This is not a pairing text: it starts with ccs-relais:1?',
    resultTitle: 'Exchange done',
    sent: (nRecords: number, nFiles: number) => `Sent: ${records(nRecords)} (${files(nFiles)}).`,
  },
  courierLink: 'Carrying other devices’ bundles? Open the courier.',
  slip: {
    tab: 'Enroll with a slip',
    help:
      'Without a network: the administrator gave you an enrollment slip (a text or a QR code). The device works at once; the enrollment is confirmed when the facilitator brings back the server’s answer.',
    text: 'Text of the enrollment slip',
    textHelp: 'It starts with ccs-inscription:1?',
    paste: 'Paste',
    scan: 'Scan the slip',
    preview: (server: string, until: string) => `Server ${server}; slip valid until ${until}.`,
    expired: (until: string) => `This slip was valid only until ${until}: ask the administrator for a new one.`,
    empty: 'Paste or type the text of the enrollment slip.',
    isPairing: 'This is a facilitator’s pairing text, not an enrollment slip.',
    isCode: 'This is a code alone: use “Enroll this device” above, with the server’s address.',
    invalid: 'This text is not a complete enrollment slip: it starts with ccs-inscription:1?',
    submit: 'Enroll with this slip',
    busy: 'Enrolling the device…',
  },
};

export const courier = {
  title: 'Courier',
  intro:
    'The bundles you carry between members and the server. They are encrypted: you can neither read nor change them, only pass them on.',
  loading: 'Loading the courier…',
  forServer: (n: number, size: string) =>
    n === 0 ? 'No bundle waits for the server.' : `${bundles(n)} ${plural(n, 'waits', 'wait')} for the server (${size}).`,
  forMembers: (n: number, devices: number, size: string) =>
    n === 0
      ? 'No bundle to hand to members.'
      : `${bundles(n)} to hand to ${devices} ${plural(devices, 'device', 'devices')} (${size}).`,
  roster: (when: string, devices: number, revoked: number) =>
    `Device list received from the server on ${when}: ${devices} ${plural(devices, 'device', 'devices')}${revoked > 0 ? `, ${revoked} revoked` : ''}.`,
  noRoster: 'This device does not have the server’s device list yet: sync it once over the network before collecting.',
  devicesTitle: 'By device',
  devicesEmpty: 'You carry no bundle.',
  device: (name: string) => `Device ${name}`,
  up: (n: number, size: string) => `To the server: ${bundles(n)} (${size})`,
  down: (n: number, size: string) => `To hand over: ${bundles(n)} (${size})`,
  refused: (n: number) => `Refused by the server: ${bundles(n)}`,
  latest: (when: string) => `Last movement: ${when}`,
  bundlesTitle: 'All bundles',
  columns: {
    direction: 'Direction',
    device: 'Device',
    size: 'Size',
    state: 'State',
    date: 'Date',
  },
  directions: {
    to_server: 'To the server',
    to_member: 'To the device',
  },
  states: {
    carried_up: 'To pass on to the server',
    carried_down: 'To hand over',
    forwarded: 'Received by the server',
    refused: 'Refused by the server (kept for the administrator)',
    delivered: 'Applied by the device',
    superseded: 'Replaced by a newer one',
  },
  collect: {
    title: 'Collect',
    help:
      'Choose the .ccsb files members gave you. Each bundle is checked (signed by a known, unrevoked device) before it is taken.',
    pick: 'Files from members',
    choose: 'Choose files',
    busy: (done: number, total: number) => `Checking file ${done} of ${total}…`,
    result: (taken: number, already: number) =>
      `${bundles(taken)} taken into custody${already > 0 ? `; ${already} ${plural(already, 'was', 'were')} already in your custody` : ''}.`,
    enrolling: (n: number) =>
      `${n === 1 ? 'One bundle carries' : `${n} bundles carry`} an enrollment request: the server will decide.`,
    failuresTitle: 'Files refused',
  },
  forward: {
    title: 'Send to the server',
    help: 'Hands the waiting bundles to the server. A sync does it too, before sending your own records.',
    button: 'Send to the server',
    busy: 'Sending to the server…',
    result: (forwarded: number, refused: number, left: number) =>
      `${bundles(forwarded)} received by the server${refused > 0 ? `; ${bundles(refused)} refused (kept for the administrator)` : ''}${left > 0 ? `; ${left} still to pass on` : ''}.`,
  },
  fetch: {
    title: 'Fetch returns',
    help: 'Asks the server for the return bundles of the devices you will visit (records to correct, receipts).',
    button: 'Fetch returns',
    busy: 'Fetching returns…',
    result: (received: number, superseded: number) =>
      received === 0
        ? 'No new return for now.'
        : `${bundles(received)} of returns received${superseded > 0 ? `; ${superseded} older ${plural(superseded, 'one', 'ones')} replaced` : ''}.`,
  },
  distribute: {
    title: 'Distribute',
    help: 'Writes to a folder a device’s return bundles, to hand to it (USB stick, SD card, message).',
    device: 'Device',
    noDevice: 'No bundle to hand over for now.',
    folder: 'Folder',
    folderMissing: 'Enter a folder.',
    button: 'Write its bundles',
    busy: 'Writing the bundles…',
    result: (n: number, folder: string) => `${files(n)} written to ${folder}.`,
  },
  serve: {
    title: 'Serve on the local network',
    help:
      'Members nearby exchange their bundles with this device over the local network (your Wi-Fi hotspot), without files. Show them this code or read them the text.',
    start: 'Start',
    busy: 'Starting…',
    serving: (address: string) => `Serving at ${address}`,
    pairing: 'Pairing text',
    pairingHelp: 'Valid for this session only.',
    qr: 'Pairing QR code',
    copy: 'Copy the text',
    copied: 'Copied.',
    exchanged: (n: number) => `${n} ${plural(n, 'exchange', 'exchanges')} since the start.`,
    stop: 'Stop',
    stopped: 'The service is stopped.',
  },
  notAvailable: 'The courier is not available on a demonstration device.',
};
