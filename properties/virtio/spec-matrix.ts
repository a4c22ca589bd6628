/**
 * The normative matrix of virtio-balloon (issue 20): every MUST, MUST NOT, SHOULD, SHOULD NOT and
 * MAY of VIRTIO 1.2 section 5.5 "Traditional Memory Balloon Device" (the text is the same in
 * 1.3), numbered as the review /work/shared/virtio-spec-review.md counts them (65, legacy
 * paragraphs included), each paraphrased in the project's words, with what enforces it here. A
 * MAY is encoded when the model accepts the permitted behaviour. docs/virtio-spec.md is generated
 * from this list (`balloon spec --update docs/virtio-spec.md`) and test/properties/spec-matrix.test.ts
 * holds it to the code: every rule set, property and test named exists, and every rule that
 * cites a statement (model/virtio/rules.ts `stmt`) is named on that statement's row.
 */

export type Keyword = 'MUST' | 'MUST NOT' | 'SHOULD' | 'SHOULD NOT' | 'MAY';
/** core: inflate, deflate, actual; the others are feature bits of 5.5.3. */
export type SpecFeature = 'core' | 'MUST_TELL_HOST' | 'STATS_VQ' | 'DEFLATE_ON_OOM' | 'FREE_PAGE_HINT' | 'PAGE_POISON' | 'PAGE_REPORTING';
export type SpecStatus = 'encoded' | 'partial' | 'not encoded' | 'not applicable';

export interface SpecStatement {
  n: number;
  section: string;
  keyword: Keyword;
  feature: SpecFeature;
  /** Who it binds. */
  party: 'driver' | 'device';
  /** The statement in the project's own words. */
  says: string;
  status: SpecStatus;
  /**
   * What enforces it: `rule:SET` (a rule set of model/virtio/rules.ts, a guard of the chart),
   * `property:NAME` (a property of `balloon check --family virtio`), `hint-rule:SET` and
   * `hint-property:NAME` (free page hinting's chart and properties, model/virtio/hinting-rules.ts and
   * properties/virtio/hinting/), `test:PATH` (a test file).
   */
  by: readonly string[];
  /** For partial, not encoded and not applicable: why; for a profile's reading: which. */
  note?: string;
}

const PART2 = 'not modelled yet (issue 20 part 2)';
const LEGACY = 'legacy interface only: the testbed models the VIRTIO 1.x transport, whose fields are little-endian integers the model keeps abstract';
const PROFILES = 'test:test/model/profiles.test.ts';
const HINTS = 'test:test/properties/hinting.test.ts';
/** Free page hinting is checked by its own testbed, not yet by `balloon check --family virtio`. */
const HINTING = 'in the hinting testbed (model/virtio/hinting-*.ts, properties/virtio/hinting/), not yet in balloon check';

const s = (n: number, section: string, keyword: Keyword, feature: SpecFeature, party: 'driver' | 'device', says: string, status: SpecStatus, by: readonly string[], note?: string): SpecStatement =>
  ({ n, section, keyword, feature, party, says, status, by, ...(note ? { note } : {}) });

export const SPEC_STATEMENTS: readonly SpecStatement[] = [
  s(1, '5.5.3.1', 'SHOULD', 'MUST_TELL_HOST', 'driver', 'accept MUST_TELL_HOST when the device offers it', 'not encoded', [], `features are fixed by the configuration, with no negotiation step: ${PART2}`),
  s(2, '5.5.3.1', 'SHOULD', 'PAGE_POISON', 'driver', 'decline PAGE_POISON unless it will write poison_val at once', 'not encoded', [], `PAGE_POISON and PAGE_REPORTING are configuration choices (the features as negotiated); declining them at negotiation is not modelled yet (issue 20 part 2); a guest with PAGE_POISON here always poisons`),
  s(3, '5.5.3.1', 'MUST NOT', 'PAGE_REPORTING', 'driver', 'a driver that relies on freed pages keeping their contents takes PAGE_REPORTING only together with PAGE_POISON', 'not encoded', [], `PAGE_POISON and PAGE_REPORTING are configuration choices (the features as negotiated); declining them at negotiation is not modelled yet (issue 20 part 2); a guest here poisons (relies on free pages' contents) exactly when PAGE_POISON is negotiated`),
  s(4, '5.5.3.2', 'MAY', 'MUST_TELL_HOST', 'device', 'refuse FEATURES_OK when the driver declines MUST_TELL_HOST', 'not encoded', [], `no FEATURES_OK step: ${PART2}`),
  s(5, '5.5.3.2.1', 'MUST', 'MUST_TELL_HOST', 'device', 'a transitional device works with a legacy driver that does not take MUST_TELL_HOST', 'not applicable', [], LEGACY),
  s(6, '5.5.3.2.1', 'SHOULD', 'MUST_TELL_HOST', 'device', 'without MUST_TELL_HOST, a legacy device lets the guest use a page before telling the host', 'not applicable', [], LEGACY),
  s(7, '5.5.4', 'MUST', 'core', 'driver', 'legacy config fields are little-endian', 'not applicable', [], LEGACY),
  s(8, '5.5.6.1', 'SHOULD', 'core', 'driver', 'give pages to the balloon while num_pages is above actual', 'encoded',
    ['rule:driverMayIdle', 'property:convergence', 'property:progress', 'property:purpose', PROFILES],
    'linux and firecracker demand it of every driver step (driverMayIdle); under spec only the liveness properties ask it, as a SHOULD'),
  s(9, '5.5.6.1', 'MAY', 'core', 'driver', 'take pages back from the balloon while num_pages is below actual', 'encoded', ['rule:deflateAllowed', 'rule:reuseMatches']),
  s(10, '5.5.6.1', 'MAY', 'core', 'driver', 'give pages to the balloon while num_pages is at least actual (as compaction does)', 'encoded', ['rule:inflateAllowed', PROFILES, 'test:test/properties/profiles.test.ts'],
    'spec accepts one batch past the target; linux and firecracker narrow it to inflating only below the target after a config change'),
  s(11, '5.5.6.1', 'MUST NOT', 'DEFLATE_ON_OOM', 'driver', 'without DEFLATE_ON_OOM, take no pages back on its own (the literal text says "when num_pages <= actual"; spec issue 228 gives this intended reading)', 'encoded',
    ['rule:deflateAllowed', 'rule:oomDeflateAllowed', 'property:deflate-only-when-asked']),
  s(12, '5.5.6.1', 'MAY', 'DEFLATE_ON_OOM', 'driver', 'with DEFLATE_ON_OOM, take pages back when the system needs them to stay up', 'encoded',
    ['rule:oomDeflateAllowed', 'rule:oomDeflateUnprompted', 'property:deflate-only-when-asked', PROFILES, 'test:test/properties/profiles.test.ts'],
    'spec accepts any amount, at any time, several in flight; linux and firecracker: one deflate of at most 256 pages per failed allocation (virtio_balloon_oom_notify)'),
  s(13, '5.5.6.1', 'MUST', 'core', 'driver', 'tell the device on deflateq about pages it wants back', 'encoded',
    ['rule:reuseMatches', 'property:balloon-pages-untouched', 'property:data-oracle', 'property:requests-well-formed']),
  s(14, '5.5.6.1', 'MUST NOT', 'MUST_TELL_HOST', 'driver', 'with MUST_TELL_HOST, use a deflated page only after the device acknowledged the deflate', 'encoded',
    ['rule:reuseMatches', 'property:balloon-pages-untouched', 'property:requests-well-formed']),
  s(15, '5.5.6.1', 'MAY', 'MUST_TELL_HOST', 'driver', 'without MUST_TELL_HOST, use deflated pages before the acknowledgement', 'encoded',
    ['rule:reuseMatches', 'test:test/properties/legit-drivers.test.ts']),
  s(16, '5.5.6.1', 'MUST NOT', 'core', 'driver', 'leave pages alone from putting them on inflateq until the device acknowledges', 'encoded',
    ['property:balloon-pages-untouched', 'property:data-oracle', 'property:requests-well-formed']),
  s(17, '5.5.6.1', 'MUST NOT', 'core', 'driver', 'ask to deflate a page whose inflate is not acknowledged yet', 'encoded',
    ['rule:deflateAllowed', 'rule:oomDeflateAllowed', 'property:requests-well-formed']),
  s(18, '5.5.6.1', 'MUST', 'core', 'driver', 'update actual after the balloon changed', 'encoded',
    ['rule:driverMayIdle', 'rule:actualMatchesBalloon', 'rule:actualIsZero', 'rule:actualEarly', 'property:counters-match', PROFILES],
    'spec also accepts a write before the acknowledgement (within the balloon in flight) and none after a size-neutral compaction swap; linux and firecracker: after the ack, after every change'),
  s(19, '5.5.6.1', 'MAY', 'core', 'driver', 'update actual once for several inflates and deflates', 'encoded',
    ['rule:actualMatchesBalloon', 'rule:driverMayIdle', 'rule:actualEarly', 'property:counters-match', 'test:test/properties/legit-drivers.test.ts']),
  s(20, '5.5.6.2', 'MAY', 'core', 'device', 'change a page\'s contents once it has seen the page in an inflate, before acknowledging it', 'encoded',
    ['property:host-drops-only-ballooned', 'property:no-double-mapping', 'property:frames-conserved'],
    'review B1: the bound after the acknowledgement is looser than the text (a late release is not refused)'),
  s(21, '5.5.6.2', 'MAY', 'MUST_TELL_HOST', 'device', 'with MUST_TELL_HOST, keep changing a ballooned page until it acknowledges its deflate', 'partial',
    ['property:host-drops-only-ballooned'], 'review B1: a release of a deflating page is accepted whether MUST_TELL_HOST was negotiated or not'),
  s(22, '5.5.6.2.1', 'SHOULD', 'core', 'driver', 'a legacy driver ignores the used length of inflate and deflate buffers', 'not applicable', [], LEGACY),
  s(23, '5.5.6.2.1', 'MUST', 'core', 'driver', 'a legacy driver writes all four bytes of actual in one atomic access', 'not applicable', [], `${LEGACY}; actual is one write by construction`),
  s(24, '5.5.6.2.1', 'SHOULD NOT', 'core', 'device', 'a legacy device waits for the last byte of actual before using it', 'not applicable', [], LEGACY),
  s(25, '5.5.6.3.1', 'MUST', 'STATS_VQ', 'driver', 'keep at most one buffer on statsq', 'encoded', ['rule:statsPostAllowed', 'property:requests-well-formed']),
  s(26, '5.5.6.3.1', 'MUST', 'STATS_VQ', 'driver', 'post a stats buffer once the device is initialised', 'encoded', ['property:stats-posted', 'rule:driverOkAllowed', 'test:test/model/lifecycle.test.ts'],
    'under every profile a buffer is available after the final drain (stats-posted, liveness: the spec names no moment); linux and firecracker also ask for it before DRIVER_OK at every reload (init_vqs, then virtio_device_ready), under spec it may come after DRIVER_OK (review B2)'),
  s(27, '5.5.6.3.1', 'MUST', 'STATS_VQ', 'driver', 'post a new stats buffer after the device used the last one', 'encoded', ['property:stats-posted'],
    'liveness, under every profile: after the final drain, whose driver steps consume a used buffer, a new one is available (review B2); zoo fault stats-not-reposted'),
  s(28, '5.5.6.3.1', 'MUST', 'STATS_VQ', 'driver', 'fill the buffer with one entry per statistic it supports', 'encoded', ['property:stats-entries', 'test:test/properties/stats.test.ts'],
    'every buffer the device uses is decoded from its bytes: no tag twice, and a figure of memory in bytes no larger than the guest (the value as a le64); zoo faults stats-tag-twice, stats-big-endian'),
  s(29, '5.5.6.3.1', 'MUST', 'STATS_VQ', 'driver', 'size the buffer as a whole number of entries (the text says 6 bytes; an entry is 10)', 'encoded', ['property:stats-entries', 'test:test/properties/stats.test.ts'],
    'held to the 10-byte packed entry (struct virtio_balloon_stat), the erratum read as intended; zoo fault stats-six-byte-entries'),
  s(30, '5.5.6.3.1', 'MAY', 'STATS_VQ', 'driver', 'put entries in any order', 'encoded', ['property:stats-entries', 'test:test/properties/legit-drivers.test.ts'],
    'accepted under every profile; the legitimate driver stats-subset sends its own order'),
  s(31, '5.5.6.3.1', 'MAY', 'STATS_VQ', 'driver', 'report only some of the statistics', 'encoded', ['property:stats-entries', 'test:test/properties/legit-drivers.test.ts'],
    'accepted under every profile; the legitimate driver stats-subset sends four of them and a vendor tag'),
  s(32, '5.5.6.3.1', 'MUST', 'STATS_VQ', 'driver', 'report the same set of statistics in every buffer', 'encoded', ['property:stats-entries', 'test:test/properties/stats.test.ts'],
    'the set of the first buffer since the probe or the last reset (a reload is a new driver); zoo fault stats-subset-changes'),
  s(33, '5.5.6.3.2', 'MUST', 'STATS_VQ', 'device', 'skip entries whose tag it does not know', 'encoded', ['property:stats-recorded', 'test:test/properties/stats.test.ts'],
    'the device records exactly the entries it knows, values as sent; which it knows: under spec those it has recorded in the run, under linux and firecracker also VIRTIO 1.2\'s tags 0-9 (QEMU keeps tag < VIRTIO_BALLOON_S_NR); the reference driver sends Linux\'s tags 10-15, unknown to the reference device; zoo fault stats-unknown-tag-rejects'),
  s(34, '5.5.6.3.2', 'MUST', 'STATS_VQ', 'device', 'take entries in whatever order they come', 'encoded', ['property:stats-recorded', 'test:test/properties/stats.test.ts'],
    'Linux\'s order is not ascending (0-3, 10-15, 8, 9, 4-7); zoo fault stats-in-order-only'),
  s(35, '5.5.6.3.3', 'MUST', 'STATS_VQ', 'driver', 'legacy stats entries use the guest\'s native byte order', 'not applicable', [], LEGACY),
  s(36, '5.5.6.3.3', 'SHOULD', 'STATS_VQ', 'device', 'a legacy device disregards the values of the first stats buffer', 'not applicable', [], LEGACY),
  s(37, '5.5.6.5.1', 'MUST', 'FREE_PAGE_HINT', 'driver', 'hint command ids in 4-byte output buffers', 'encoded', ['hint-rule:startAllowed', 'hint-rule:stopAllowed', 'hint-property:hint-chart', HINTS], HINTING),
  s(38, '5.5.6.5.1', 'MUST', 'FREE_PAGE_HINT', 'driver', 'open a hinting round with a buffer holding the current command id', 'encoded', ['hint-rule:startAllowed', 'hint-rule:hintAllowed', 'hint-property:hint-chart', HINTS], HINTING),
  s(39, '5.5.6.5.1', 'MUST NOT', 'FREE_PAGE_HINT', 'driver', 'send the current command id more than once', 'encoded', ['hint-rule:startAllowed', 'hint-property:hint-chart', HINTS], `${HINTING}; zoo fault hint-cmd-twice`),
  s(40, '5.5.6.5.1', 'SHOULD', 'FREE_PAGE_HINT', 'driver', 'hint free pages while the command id is a real id (2 or more)', 'encoded', ['hint-rule:hintAllowed', 'hint-rule:driverMayIdle', 'hint-property:hint-chart', HINTS], `${HINTING}; linux demands it of every driver step, spec accepts a driver that leaves a round unserved`),
  s(41, '5.5.6.5.1', 'SHOULD', 'FREE_PAGE_HINT', 'driver', 'stop hinting when the id turns to STOP or DONE', 'encoded', ['hint-rule:startAllowed', 'hint-rule:hintAllowed', 'hint-rule:driverMayIdle', 'hint-property:hint-chart', HINTS], `${HINTING}; linux refuses a hint after STOP, DONE or a newer id, spec accepts it`),
  s(42, '5.5.6.5.1', 'MUST', 'FREE_PAGE_HINT', 'driver', 'close a round it cannot serve with a STOP buffer', 'encoded', ['hint-rule:driverMayIdle', 'hint-property:hint-chart', HINTS], `${HINTING}; the driver is unable when no guest page is free`),
  s(43, '5.5.6.5.1', 'MAY', 'FREE_PAGE_HINT', 'driver', 'take hinted pages back at any time, even before the device used the buffer', 'encoded', ['hint-rule:returnAllowed', 'hint-property:hint-chart', HINTS], `${HINTING}; the hint-release command (Linux shrink_free_pages) is accepted under every profile`),
  s(44, '5.5.6.5.1', 'MUST', 'FREE_PAGE_HINT', 'driver', 'treat hinted pages as holding garbage', 'encoded', ['hint-property:hint-data-oracle', HINTS], `${HINTING}; the oracle expects nothing of a hinted page and the free fill of every page the allocator hands out; zoo fault hint-release-uninit`),
  s(45, '5.5.6.5.1', 'MUST', 'FREE_PAGE_HINT', 'driver', 'initialise a hinted page it takes back before DONE', 'encoded', ['hint-property:hint-data-oracle', HINTS], `${HINTING}; the free path's fill is the initialisation; zoo fault hint-release-uninit`),
  s(46, '5.5.6.5.1', 'SHOULD', 'FREE_PAGE_HINT', 'driver', 'give every hinted page back to the guest once DONE arrives', 'encoded', ['hint-rule:driverMayIdle', 'hint-property:hint-chart', HINTS], `${HINTING}; linux demands it of the first driver step after DONE, spec accepts a driver that keeps them`),
  s(47, '5.5.6.5.2', 'SHOULD', 'FREE_PAGE_HINT', 'device', 'set the id to STOP whenever it cannot use hints', 'not encoded', [], `${HINTING}: when a device can no longer use hints is the host's own state (QEMU: the end of the bulk stage), chosen by the hint-stop command; nothing observable tells it`),
  s(48, '5.5.6.5.2', 'MUST NOT', 'FREE_PAGE_HINT', 'device', 'issue a command id again before it has seen STOP for it', 'encoded', ['hint-rule:newIdAllowed', 'hint-property:hint-chart', HINTS], `${HINTING}; zoo fault hint-id-reuse`),
  s(49, '5.5.6.5.2', 'MUST', 'FREE_PAGE_HINT', 'device', 'disregard hints sent under a stale command id', 'encoded', ['hint-rule:processAllowed', 'hint-property:hint-chart', 'hint-property:hint-device-drops', HINTS], `${HINTING}; zoo fault hint-stale-id`),
  s(50, '5.5.6.5.2', 'MAY', 'FREE_PAGE_HINT', 'device', 'change a hinted page not written since the id was issued', 'encoded', ['hint-property:hint-device-drops', HINTS], `${HINTING}; the reference device drops such pages at DONE, as QEMU never migrates them`),
  s(51, '5.5.6.5.2', 'MUST NOT', 'FREE_PAGE_HINT', 'device', 'change a hinted page once it has sent DONE', 'encoded', ['hint-property:hint-device-drops', HINTS], `${HINTING}; zoo fault hint-modify-after-done`),
  s(52, '5.5.6.5.2', 'MUST', 'FREE_PAGE_HINT', 'device', 'send DONE when it no longer needs the hinted pages', 'not encoded', [], `${HINTING}: when the device no longer needs the pages (migration over) is the host's choice, the hint-done command; the device changes pages only until DONE (statement 51)`),
  s(53, '5.5.6.5.3', 'MUST', 'FREE_PAGE_HINT', 'device', 'a legacy command id uses the guest\'s native byte order', 'not applicable', [], LEGACY),
  s(54, '5.5.6.6.1', 'MUST', 'PAGE_POISON', 'driver', 'fill deflated pages with poison_val when it reuses them', 'not encoded', [], 'the oracle follows poison only from a free page report to the next allocation (reported-pages-kept); a deflated page goes back to the allocator unpoisoned and allocation zero-fills it: issue 20 part 2'),
  s(55, '5.5.6.6.1', 'MUST', 'PAGE_POISON', 'driver', 'write poison_val before setting DRIVER_OK', 'encoded', ['rule:driverOkAllowed', 'rule:poisonWriteAllowed', 'property:reported-pages-kept', 'test:test/model/lifecycle.test.ts'],
    'judged at every reload after a reset (the run starts after the probe); zoo faults restore-skips-poison (review C1: Linux virtballoon_restore, docs/FINDINGS.md 23; the device, its poison_val zeroed by the reset, then discards reported pages) and poison-after-driver-ok'),
  s(56, '5.5.6.6.1', 'MUST NOT', 'PAGE_POISON', 'driver', 'change poison_val while DRIVER_OK is set', 'encoded', ['rule:poisonWriteAllowed', 'test:test/model/lifecycle.test.ts'],
    'a poison_val write is accepted only between FEATURES_OK and DRIVER_OK; zoo fault poison-after-driver-ok'),
  s(57, '5.5.6.6.2', 'MAY', 'PAGE_POISON', 'device', 'read poison_val as a hint', 'encoded', ['property:host-drops-only-ballooned', 'property:reported-pages-kept', 'test:test/properties/reporting.test.ts'], 'the reference device reads it as QEMU does: with PAGE_POISON (poison_val not zero) it leaves reported pages alone; a device that writes poison_val itself is accepted as well, the oracle asks only for the value'),
  s(58, '5.5.6.7.1', 'MUST', 'PAGE_REPORTING', 'driver', 'without PAGE_POISON, treat reported pages as holding garbage', 'partial', ['property:data-oracle', 'property:reported-pages-kept', 'test:test/properties/reporting.test.ts'], 'by construction: a guest program reads only pages it allocated, and allocation zero-fills them; reported-pages-kept expects nothing of a report without PAGE_POISON, so a device that drops such pages is accepted'),
  s(59, '5.5.6.7.1', 'MUST', 'PAGE_REPORTING', 'driver', 'with PAGE_POISON, fill free pages with poison_val before reporting them', 'encoded', ['property:reported-pages-kept', 'test:test/properties/reporting.test.ts'], 'zoo fault report-unpoisoned'),
  s(60, '5.5.6.7.1', 'MUST NOT', 'PAGE_REPORTING', 'driver', 'use reported pages before the device acknowledged the report', 'encoded', ['rule:ackOfReport', 'rule:reportAllowed', 'rule:allocFits', 'property:balloon-pages-untouched', 'property:requests-well-formed', 'test:test/properties/reporting.test.ts'], 'reported pages leave the free count until the driver consumes the acknowledgement'),
  s(61, '5.5.6.7.1', 'MAY', 'PAGE_REPORTING', 'driver', 'report free pages at any time after DRIVER_OK', 'encoded', ['rule:reportAllowed', 'test:test/properties/reporting.test.ts'], 'a report is accepted in every state of the balloon, under every profile; DRIVER_OK itself is not modelled yet (the run starts after it)'),
  s(62, '5.5.6.7.1', 'SHOULD', 'PAGE_REPORTING', 'driver', 'report large blocks of pages', 'not encoded', [], 'the testbed has no page orders: a report names whole guest pages, as many as the command asks; no size is asked of a driver'),
  s(63, '5.5.6.7.1', 'SHOULD', 'PAGE_REPORTING', 'driver', 'avoid touching pages while they are reported', 'encoded', ['property:balloon-pages-untouched', 'test:test/properties/reporting.test.ts'], 'held as a MUST while the report is in flight (statement 60); after the acknowledgement the page is free and may be allocated'),
  s(64, '5.5.6.7.2', 'MAY', 'PAGE_REPORTING', 'device', 'without PAGE_POISON, change a reported page before acknowledging the report', 'encoded', ['property:host-drops-only-ballooned', 'property:reported-pages-kept', 'test:test/properties/reporting.test.ts'], 'the reference device drops every host page a report covers whole; a drop after the acknowledgement is refused (zoo fault report-discard-after-ack)'),
  s(65, '5.5.6.7.2', 'MUST NOT', 'PAGE_REPORTING', 'device', 'with PAGE_POISON, write a reported page with anything but poison_val', 'encoded', ['property:host-drops-only-ballooned', 'property:reported-pages-kept', 'test:test/properties/reporting.test.ts'], 'a dropped page comes back zeroed, not poison_val; zoo fault report-ignores-poison'),
];

/** How many statements have each status. */
export function specCounts(list: readonly SpecStatement[] = SPEC_STATEMENTS): Record<SpecStatus, number> & { total: number; applicable: number } {
  const c = { encoded: 0, partial: 0, 'not encoded': 0, 'not applicable': 0 };
  for (const x of list) c[x.status]++;
  return { ...c, total: list.length, applicable: list.length - c['not applicable'] };
}

const cell = (t: string) => t.replace(/\|/g, '\\|');

/** The matrix as the Markdown table docs/virtio-spec.md holds between its markers. */
export function specMarkdown(list: readonly SpecStatement[] = SPEC_STATEMENTS): string {
  const rows = list.map((x) => `| ${x.n} | ${x.section} | ${x.keyword} | ${x.feature} | ${x.party} | ${cell(x.says)} | ${x.status} | ${x.by.map((b) => `\`${b}\``).join(', ') || '—'} | ${cell(x.note ?? '')} |`);
  const c = specCounts(list);
  return [
    '| # | § | keyword | feature | binds | what it says (our words) | status | enforced by | note |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `${c.total} statements: ${c.encoded} encoded, ${c.partial} partial, ${c['not encoded']} not encoded, ${c['not applicable']} not applicable (${c.applicable} applicable).`,
  ].join('\n');
}

const BEGIN = '<!-- virtio-spec:begin -->';
const END = '<!-- virtio-spec:end -->';

/** `doc` with the matrix between its markers regenerated; null when the markers are missing. */
export function updateSpecBlock(doc: string, list: readonly SpecStatement[] = SPEC_STATEMENTS): string | null {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) return null;
  return `${doc.slice(0, a + BEGIN.length)}\n${specMarkdown(list)}\n${doc.slice(b)}`;
}
