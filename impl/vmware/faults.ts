/**
 * The VMware bug zoo: named switches that put the mechanism of a real bug from the history of
 * Linux drivers/misc/vmw_balloon.c back into the reference. All are off by default and cost one
 * boolean test when off. A fault changes the implementation only: the properties, the workload
 * and the model stay as they are.
 */
export interface VmwFaultInfo {
  /** What goes wrong, in the implementation's terms. */
  doc: string;
  /** Where the real bug was found and fixed. */
  reference: string;
  /** What the switch puts back. */
  putsBack: string;
  /** Properties expected to catch it (any one of them counts). */
  catches: readonly string[];
}

export const VMW_FAULTS = {
  'large-without-batching': {
    doc: 'the driver uses 2 MiB pages when the host granted BATCHED_2M_CMDS but not BATCHED_CMDS, and sends them with the non-batched LOCK, which locks one 4 KiB page',
    reference: 'Linux "vmw_balloon: do not use 2MB without batching" (2018 stable fixes; the check it added is in vmballoon_send_start; commit id and author not verified)',
    putsBack: 'driver.ts start: max page size 2 MiB on the large capability alone',
    catches: ['vmware-requests-well-formed', 'vmware-size-is-locked', 'counters-match', 'conformance'],
  },
  'doorbell-unchecked': {
    doc: 'the driver does not check the status of VMCI_DOORBELL_SET and believes it holds a doorbell the host never registered',
    reference: 'Linux "vmw_balloon: VMCI_DOORBELL_SET does not check status" (2018, commit ce664331b248; the check it added is in vmballoon_vmci_init)',
    putsBack: 'driver.ts reset: the doorbell is kept whatever the host answered',
    catches: ['vmware-doorbell-agrees', 'conformance'],
  },
  'reset-keeps-locked': {
    doc: 'after a RESET the driver starts over but keeps its pages as ballooned, though the host forgot every one of them',
    reference: 'vmw_balloon.c vmballoon_reset calls vmballoon_pop: a RESET drops the whole balloon (family sheet, RESET handling; not one fix commit)',
    putsBack: 'driver.ts reset: no pop',
    catches: ['vmware-size-is-locked', 'counters-match', 'vmware-reset-forgets', 'conformance'],
  },
  'reset-unlocks': {
    doc: 'after a RESET the driver gives its pages back with UNLOCK (a coordinated deflate) instead of freeing them; pages the host refuses stay in the balloon',
    reference: 'vmw_balloon.c vmballoon_reset: the balloon is freed without telling the host (vmballoon_pop deflates with coordinated = false, so no UNLOCK is sent); family sheet, RESET handling',
    putsBack: 'driver.ts reset: deflate with UNLOCK instead of pop',
    catches: ['vmware-size-is-locked', 'vmware-reset-forgets', 'counters-match', 'conformance'],
  },
  'refused-leak': {
    doc: 'pages the host refused during an inflation round are never given back to the guest',
    reference: 'vmw_balloon.c vmballoon_release_refused_pages, called at the end of vmballoon_inflate (family sheet, refused list not freed)',
    putsBack: 'driver.ts inflate: the refused list is dropped, its pages stay allocated',
    catches: ['vmware-convergence', 'conformance'],
  },
  'ppn-truncated': {
    doc: 'with only the basic commands the driver sends a page number over 32 bits in the 32-bit register; the host sees another page (and may take it from under the guest)',
    reference: 'Linux "vmw_balloon: fix inflation of 64-bit GFNs" (2018 stable fixes; the 32-bit check is in vmballoon_lock_op; commit id and author not verified)',
    putsBack: 'driver.ts lockPages: no 32-bit check before a non-batched LOCK',
    catches: ['vmware-requests-well-formed', 'conformance', 'host-drops-only-ballooned'],
  },
  'unclamped-refusals': {
    doc: 'the inflation round keeps allocating while the host refuses, holding any number of refused pages',
    reference: 'vmw_balloon.c VMW_BALLOON_MAX_REFUSED (16), checked in vmballoon_inflate and already in the 2010 driver; the commit title "vmware balloon: clamp number of collected non-balloonable pages" (2010, Dmitry Torokhov) is not verified',
    putsBack: 'driver.ts inflate: no stop at maxRefused refused pages',
    catches: ['vmware-refusals-clamped', 'conformance'],
  },
} as const satisfies Record<string, VmwFaultInfo>;

export type VmwFaultName = keyof typeof VMW_FAULTS;
export const vmwFaultNames = Object.keys(VMW_FAULTS) as VmwFaultName[];
export type VmwFaults = Record<VmwFaultName, boolean>;

export function vmwFaultSet(names: readonly string[] = []): VmwFaults {
  const f = Object.fromEntries(Object.keys(VMW_FAULTS).map((k) => [k, false])) as VmwFaults;
  for (const n of names) {
    if (!(n in VMW_FAULTS)) throw new RangeError(`unknown VMware fault ${JSON.stringify(n)} (known: ${Object.keys(VMW_FAULTS).join(', ')})`);
    f[n as VmwFaultName] = true;
  }
  return f;
}
