/**
 * The Hyper-V bug zoo: named switches that put the mechanism of a real bug from the history of
 * Linux drivers/hv/hv_balloon.c back into the reference. All are off by default. A fault changes
 * the implementation only: the properties, the workload and the model stay as they are.
 */
export interface HvFaultInfo {
  doc: string;
  reference: string;
  putsBack: string;
  /** Properties expected to catch it (any one of them counts). */
  catches: readonly string[];
}

export const HV_FAULTS = {
  'onlined-wraps': {
    doc: 'taking hot-added memory offline subtracts every page of the memory block (here the whole hot-add region) from num_pages_onlined, not only the pages of it that were counted online, so the unsigned count wraps below zero',
    reference: 'Linux "hv_balloon: fix bugs in num_pages_onlined accounting" (late 2017 or 2018; year not verified): since then the MEM_OFFLINE notifier subtracts only the backed pages of hot-add regions (hv_page_offline_check) and never goes below 0',
    putsBack: 'driver.ts offline: onlined -= the region\'s size',
    catches: ['hv-counters-match', 'hv-status-committed', 'conformance'],
  },
  'online-gaps': {
    doc: 'a hot-add that starts past the end of what was covered before onlines the gap in between, pages the host never backed',
    reference: 'Linux "Drivers: hv: balloon: account for gaps in hot add regions" (2016): pfn_covered records the gap, has_pfn_is_backed / hv_page_online_one skip it',
    putsBack: 'driver.ts hotAdd: onlining starts at the covered end, not at the request\'s start',
    catches: ['hv-balloon-pages-untouched', 'hv-counters-match', 'conformance'],
  },
  'balloon-large-pages': {
    doc: 'a guest whose page is 64 KiB offers ballooning and reports each ballooned page as one 4 KiB page',
    reference: 'Linux "Drivers: hv: balloon: Disable balloon and hot-add accordingly" (2022, Boqun Feng, be5802795cf8): the balloon capability only when PAGE_SIZE is 4 KiB (ballooning_enabled)',
    putsBack: 'driver.ts: the balloon capability ignores the page size; ranges count guest pages',
    catches: ['hv-requests-well-formed', 'conformance'],
  },
  'over-balloon-2m': {
    doc: 'balloon-up allocates whole 2 MiB units while any page is missing, so a request that is not a multiple of 2 MiB is answered with more pages than asked',
    reference: 'Linux "hv_balloon: Balloon up according to request page number" (2020, Tianyu Lan, d33c240d47da): alloc_balloon_pages takes num_pages / alloc_unit whole units',
    putsBack: 'driver.ts balloonUp: units = ceil(pages / unit) instead of floor',
    catches: ['hv-transactions', 'hv-requests-well-formed', 'hv-floors', 'conformance'],
  },
  'unballoon-truncated': {
    doc: 'an UNBALLOON_REQUEST that fills its whole message loses its last range: the channel\'s packet buffer did not count the VMBus packet header (in Linux a 4096-byte request arrived as 4080 bytes, two ranges short, and the next read went astray; the testbed drops one range)',
    reference: 'Linux "Drivers: hv: balloon: account for vmbus packet header in max_pkt_size" (2022, Yanming Liu, 96d9d1fa5cd5)',
    putsBack: 'driver.ts unballoon: a full part is read without its last range',
    catches: ['hv-counters-match', 'hv-progress', 'conformance'],
  },
  'unballoon-unchecked': {
    doc: 'the guest frees whatever pages an UNBALLOON_REQUEST names without checking that it ballooned them (Linux free_balloon_pages trusts the host)',
    reference: 'Linux hv_balloon.c balloon_down / free_balloon_pages (frees each page of the host\'s ranges with no check); the Hyper-V sheet of this project: "a careful guest checks"',
    putsBack: 'driver.ts unballoon: no range, overlap or ballooned check',
    catches: ['hv-bad-requests-change-nothing', 'conformance'],
  },
} as const satisfies Record<string, HvFaultInfo>;

export type HvFaultName = keyof typeof HV_FAULTS;
export const hvFaultNames = Object.keys(HV_FAULTS) as HvFaultName[];
export type HvFaults = Readonly<Record<HvFaultName, boolean>>;

export function hvFaultSet(names: readonly string[] = []): HvFaults {
  const f = Object.fromEntries(hvFaultNames.map((n) => [n, false])) as Record<HvFaultName, boolean>;
  for (const n of names) {
    if (!(n in HV_FAULTS)) throw new RangeError(`unknown Hyper-V fault ${JSON.stringify(n)}; known: ${hvFaultNames.join(', ')}`);
    f[n as HvFaultName] = true;
  }
  return f;
}
