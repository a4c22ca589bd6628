/**
 * The configuration of a virtio-balloon system: one host running several guests. Every
 * implementation under test (the reference one, a user's adapter, a real VM) is created from one
 * of these. The world part (core/world.ts) is shared with every family.
 */
import type { WorldConfig, WorldGuestConfig } from '../world.ts';
import { layoutProblems } from '../layout.ts';
import { MAX_REPORT_ORDER } from './reporting.ts';

/** virtio-balloon feature bits the driver and device can negotiate (VIRTIO 1.x, 5.5.3). */
export interface VirtioFeatures {
  /** Bit 0: the driver must wait for the deflate acknowledgement before reusing a page. */
  mustTellHost: boolean;
  /** Bit 1: a stats queue exists (at most one buffer outstanding). */
  statsVq: boolean;
  /** Bit 2: the driver may deflate on its own when the guest would otherwise run out of memory. */
  deflateOnOom: boolean;
  /**
   * Bit 4 (PAGE_POISON): the guest poisons its free pages and wrote `poison_val` (POISON_VAL) to
   * the device before DRIVER_OK (5.5.6.6.1). Absent: not negotiated (traces from before it).
   */
  pagePoison?: boolean;
  /**
   * Bit 5 (PAGE_REPORTING): a reporting queue exists, on which the driver reports free pages the
   * device may discard (5.5.6.7). Absent: not negotiated.
   */
  pageReporting?: boolean;
  /**
   * Bit 3 (FREE_PAGE_HINT): a free_page_vq exists, on which the device asks for hints of free
   * pages by command id and the driver hints them (5.5.6.5; core/virtio/hinting.ts). Absent: not
   * negotiated.
   */
  freePageHint?: boolean;
}

/**
 * The `poison_val` a poisoning guest writes (Linux: PAGE_POISON 0xaa in every byte,
 * virtballoon_probe). In the world's one-token-per-page content a poisoned page holds this value;
 * the write counter of a run never reaches it.
 */
export const POISON_VAL = 0xaaaaaaaa;

/** PAGE_REPORTING negotiated. */
export const reportingOn = (f: VirtioFeatures): boolean => f.pageReporting === true;
/** FREE_PAGE_HINT negotiated. */
export const hintingOn = (f: VirtioFeatures): boolean => f.freePageHint === true;
/** PAGE_POISON negotiated: the guest poisons free pages, and reported pages must keep POISON_VAL (5.5.6.7.2). */
export const poisonOn = (f: VirtioFeatures): boolean => f.pagePoison === true;

/**
 * What a run is held to (docs/virtio-spec.md, "Profiles"): `spec` is the VIRTIO 1.2 text of 5.5
 * alone; `linux` adds the narrowings of the Linux driver over QEMU's device that the reference
 * implementation follows (one OOM deflate of at most 256 pages after a failed allocation, balloon
 * moves only on a config change, in-order service, actual 0 written at unload); `firecracker` is
 * `linux` over Firecracker's device, which zeroes `actual` itself at reset. Absent means `linux`,
 * so every configuration written before profiles existed keeps its verdicts.
 */
export type VirtioProfile = 'spec' | 'linux' | 'firecracker';

/** The profiles, the default first, each with one line of meaning (`balloon list`, `--profile`). */
export const VIRTIO_PROFILES: Readonly<Record<VirtioProfile, string>> = {
  linux: 'the Linux driver over QEMU as the reference implements it: the VIRTIO text plus Linux\'s narrowings',
  spec: 'the VIRTIO 1.2 text of 5.5 alone: every choice the spec leaves to driver and device is accepted',
  firecracker: 'linux over Firecracker\'s device: the device zeroes actual at reset, so the reloaded driver need not write it',
};
export const DEFAULT_VIRTIO_PROFILE: VirtioProfile = 'linux';

/** The profile a configuration is held to (`linux` when it names none). */
export const profileOf = (c: Pick<SystemConfig, 'profile'>): VirtioProfile => c.profile ?? DEFAULT_VIRTIO_PROFILE;

/** `c` held to `profile`; the default profile is left unwritten, so its traces stay as they were. */
export function withProfile(c: SystemConfig, profile: VirtioProfile): SystemConfig {
  const { profile: _old, ...rest } = c;
  void _old;
  return profile === DEFAULT_VIRTIO_PROFILE ? rest : { ...rest, profile };
}

export interface GuestConfig extends WorldGuestConfig {
  features: VirtioFeatures;
  /**
   * With PAGE_REPORTING, the guest's report order, scaled from Linux's page_reporting_order: the
   * driver reports free blocks of 2^reportOrder guest pages, aligned (core/virtio/reporting.ts;
   * VIRTIO 1.2 5.5.6.7.1 statement 62). 0 to MAX_REPORT_ORDER; absent: 0, any whole guest page.
   */
  reportOrder?: number;
}

export interface SystemConfig extends WorldConfig {
  family: 'virtio';
  /** Largest number of gpfns in one inflate/deflate buffer (Linux: 256; Firecracker rejects more). */
  maxBatch: number;
  guests: GuestConfig[];
  /** What the run is held to (`VirtioProfile`); absent: `linux`. */
  profile?: VirtioProfile;
}

export const defaultFeatures: VirtioFeatures = { mustTellHost: true, statsVq: true, deflateOnOom: false };

export function guestConfig(over: Partial<GuestConfig> = {}): GuestConfig {
  return {
    ramPages: 64,
    guestPageGpfns: 1,
    holeStart: 0,
    holePages: 0,
    floorPages: 8,
    assignedDevice: false,
    ...over,
    features: { ...defaultFeatures, ...over.features },
  };
}

/** A small two-guest system, overcommitted: the default for property runs. */
export function systemConfig(over: Partial<SystemConfig> = {}): SystemConfig {
  return {
    family: 'virtio',
    hostFrames: 112,
    reservedFrames: 4,
    hostPageGpfns: 1,
    maxBatch: 256,
    guests: [guestConfig(), guestConfig({ ramPages: 48, holeStart: 32, holePages: 8 })],
    ...over,
  };
}

/**
 * Why a configuration cannot be built, one message per problem (empty when it is fine). Messages
 * name the field path, so an edge (trace file, command line) can print them as they are.
 */
export function configProblems(c: SystemConfig): string[] {
  const p: string[] = [];
  const whole = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min;
  if (c.family !== 'virtio') p.push(`family: unknown family ${JSON.stringify(c.family)} (known: virtio)`);
  if (!whole(c.hostFrames, 1) || c.hostFrames > 1 << 24) p.push('hostFrames: must be a whole number from 1 to 2^24');
  if (!whole(c.reservedFrames, 0) || c.reservedFrames >= c.hostFrames) p.push('reservedFrames: must be a whole number below hostFrames');
  if (![1, 4, 16, 512].includes(c.hostPageGpfns)) p.push('hostPageGpfns: must be 1, 4, 16 or 512');
  if (c.profile !== undefined && !Object.hasOwn(VIRTIO_PROFILES, c.profile)) {
    p.push(`profile: unknown profile ${JSON.stringify(c.profile)} (known: ${Object.keys(VIRTIO_PROFILES).join(', ')})`);
  }
  if (!whole(c.maxBatch, 1) || c.maxBatch > 4096) p.push('maxBatch: must be a whole number from 1 to 4096');
  if (!Array.isArray(c.guests) || c.guests.length < 1 || c.guests.length > 256) p.push('guests: must list 1 to 256 guests');
  else c.guests.forEach((g, i) => {
    const at = `guests[${i}]`;
    const gpp = g.guestPageGpfns;
    if (gpp !== 1 && gpp !== 16) p.push(`${at}.guestPageGpfns: must be 1 or 16`);
    else if (c.maxBatch < gpp) p.push(`${at}.guestPageGpfns: a guest page (${gpp} gpfns) does not fit in maxBatch (${c.maxBatch})`);
    if (!whole(g.ramPages, 1) || g.ramPages > 1 << 24 || g.ramPages % gpp !== 0) p.push(`${at}.ramPages: must be a whole number of guest pages, at most 2^24`);
    if (!whole(g.holeStart, 0) || !whole(g.holePages, 0) || g.holeStart % gpp !== 0 || g.holePages % gpp !== 0 || g.holeStart > g.ramPages) {
      p.push(`${at}.holeStart/holePages: must be whole guest pages inside the address space`);
    }
    if (!whole(g.floorPages, 0) || g.floorPages > g.ramPages) p.push(`${at}.floorPages: must be a whole number from 0 to ramPages`);
    // VIRTIO 1.2 5.5.6: the queues carry le32 page frame numbers.
    p.push(...layoutProblems(g, at, 32, Math.max(gpp === 16 ? 16 : 1, [1, 4, 16, 512].includes(c.hostPageGpfns) ? c.hostPageGpfns : 1)));
    const f = g.features;
    if (!f || typeof f.mustTellHost !== 'boolean' || typeof f.statsVq !== 'boolean' || typeof f.deflateOnOom !== 'boolean') {
      p.push(`${at}.features: must give mustTellHost, statsVq and deflateOnOom as booleans`);
    } else if ((f.pagePoison !== undefined && typeof f.pagePoison !== 'boolean') || (f.pageReporting !== undefined && typeof f.pageReporting !== 'boolean')) {
      p.push(`${at}.features: pagePoison and pageReporting, when given, must be booleans`);
    } else if (f.freePageHint !== undefined && typeof f.freePageHint !== 'boolean') {
      p.push(`${at}.features: freePageHint, when given, must be a boolean`);
    }
    if (typeof g.assignedDevice !== 'boolean') p.push(`${at}.assignedDevice: must be a boolean`);
    if (g.reportOrder !== undefined && (!whole(g.reportOrder, 0) || g.reportOrder > MAX_REPORT_ORDER)) p.push(`${at}.reportOrder: must be a whole number from 0 to ${MAX_REPORT_ORDER}`);
  });
  return p;
}
