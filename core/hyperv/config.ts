/**
 * The configuration of a checked Hyper-V system: one host running several guests, each with a
 * Linux-like hv_balloon driver talking Hyper-V's dynamic-memory protocol over a VMBus channel
 * (docs/families/hyperv.md). Sizes are in 4 KiB pages (gpfns, frames), the protocol's own unit
 * (HV_HYP_PAGE_SIZE), whatever the guest's page size.
 */
import { gpfnSpace, isRam, type WorldGuestConfig } from '../world.ts';
import { layoutProblems } from '../layout.ts';

export interface HvGuestConfig extends WorldGuestConfig {
  /** Passthrough is not modelled for Hyper-V (docs/families/hyperv.md). */
  assignedDevice: false;
  /**
   * Pages the driver keeps for the guest: a balloon-up never leaves fewer free pages than this
   * (hv_balloon.c balloon_up: the request is cut to what is available above compute_balloon_floor()).
   */
  floorPages: number;
  /**
   * A hot-add region: gpfns hotAddStart..hotAddStart+hotAddPages-1 are RAM the guest does not
   * have at boot, offline and unbacked, until a HOT_ADD_REQUEST adds them (hv_balloon.c
   * hot_add_req, handle_pg_range). Empty when hotAddPages is 0. Must lie in RAM, outside the hole.
   */
  hotAddStart: number;
  hotAddPages: number;
}

/**
 * What a Hyper-V guest is held to (`--profile`, docs/families/hyperv.md "Profiles"). The protocol
 * has no public specification; the family sheet's guest is the default, and `careful` adds the
 * testbed's own narrowing, named so that a driver is never held to it unasked.
 */
export const HV_PROFILES = {
  sheet: 'the family sheet\'s guest: it refuses host ranges it did not balloon; the transaction id of an UNBALLOON_REQUEST part is not looked at, as Linux balloon_down does not',
  careful: 'sheet, and a part under another id than the open unballoon\'s is refused (the testbed\'s careful guest: QEMU hv-balloon sends every part of one unballoon under one trans_id)',
} as const;
export type HvProfile = keyof typeof HV_PROFILES;
export const DEFAULT_HV_PROFILE: HvProfile = 'sheet';

/** The profile a configuration is held to (`sheet` when it names none). */
export const hvProfileOf = (c: Pick<HvSystemConfig, 'profile'>): HvProfile => c.profile ?? DEFAULT_HV_PROFILE;

/** `c` held to `profile`; the default profile is left unwritten, so traces written before profiles keep their verdicts. */
export function withHvProfile(c: HvSystemConfig, profile: HvProfile): HvSystemConfig {
  const { profile: _old, ...rest } = c;
  return profile === DEFAULT_HV_PROFILE ? rest : { ...rest, profile };
}

export interface HvSystemConfig {
  family: 'hyperv';
  /** The profile the guest is held to (HV_PROFILES); absent: sheet. */
  profile?: HvProfile;
  /** Hyper-V gives memory back in 4 KiB units here: host pages of one gpfn. */
  hostPageGpfns: 1;
  hostFrames: number;
  reservedFrames: number;
  /**
   * Page ranges one message holds: a response or an unballoon part fits in one 4 KiB VMBus
   * message (hv_balloon.c alloc_balloon_pages stops when the next range would not fit in
   * HV_HYP_PAGE_SIZE: about 510 ranges). Small here so that multi-part exchanges are common.
   */
  rangesPerMessage: number;
  /**
   * The driver's big allocation unit in gpfns: 2 MiB (512) in Linux, with a fall-back to one page
   * when no such block is free (balloon_up, alloc_balloon_pages). Small here, for small guests.
   */
  allocUnit: number;
  guests: HvGuestConfig[];
}

export function hvGuestConfig(over: Partial<HvGuestConfig> = {}): HvGuestConfig {
  return { ramPages: 64, guestPageGpfns: 1, holeStart: 0, holePages: 0, floorPages: 8, assignedDevice: false, hotAddStart: 0, hotAddPages: 0, ...over };
}

export function hvSystemConfig(over: Partial<HvSystemConfig> = {}): HvSystemConfig {
  return {
    family: 'hyperv', hostPageGpfns: 1, hostFrames: 100, reservedFrames: 4, rangesPerMessage: 3, allocUnit: 4,
    guests: [
      hvGuestConfig({ ramPages: 64, holeStart: 32, holePages: 8, hotAddStart: 56, hotAddPages: 16 }),
      hvGuestConfig({ ramPages: 48, guestPageGpfns: 16, floorPages: 16, hotAddStart: 32, hotAddPages: 16 }),
    ],
    ...over,
  };
}

/** True when gpfn `n` lies in guest `g`'s hot-add region. */
export const inHotAdd = (g: HvGuestConfig, n: number): boolean => n >= g.hotAddStart && n < g.hotAddStart + g.hotAddPages;

/** Pages backed at boot: all RAM but the hot-add region. */
export const hvBootPages = (g: HvGuestConfig): number => g.ramPages - g.hotAddPages;

/** Ballooning is offered only when the guest page is 4 KiB (Linux 2022: "Drivers: hv: balloon: Disable balloon and hot-add accordingly", ballooning_enabled). */
export const hvBalloonOffered = (g: HvGuestConfig): boolean => g.guestPageGpfns === 1;

export function hvConfigProblems(c: HvSystemConfig): string[] {
  const p: string[] = [];
  const whole = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min;
  if (c.family !== 'hyperv') p.push(`family: ${JSON.stringify(c.family)} is not hyperv`);
  if (c.profile !== undefined && !Object.hasOwn(HV_PROFILES, c.profile)) p.push(`profile: unknown profile ${JSON.stringify(c.profile)} (known: ${Object.keys(HV_PROFILES).join(', ')})`);
  if (!whole(c.hostFrames, 1) || c.hostFrames > 1 << 24) p.push('hostFrames: must be a whole number from 1 to 2^24');
  if (c.hostPageGpfns !== 1) p.push('hostPageGpfns: must be 1 (Hyper-V gives memory back in 4 KiB pages here)');
  if (!whole(c.reservedFrames, 0) || c.reservedFrames >= c.hostFrames) p.push('reservedFrames: must be a whole number below hostFrames');
  if (!whole(c.rangesPerMessage, 1) || c.rangesPerMessage > 510) p.push('rangesPerMessage: must be a whole number from 1 to 510 (a 4 KiB message)');
  if (!whole(c.allocUnit, 1) || c.allocUnit > 512 || (c.allocUnit & (c.allocUnit - 1)) !== 0) p.push('allocUnit: must be a power of two from 1 to 512 gpfns');
  if (!Array.isArray(c.guests) || c.guests.length < 1 || c.guests.length > 256) { p.push('guests: must list 1 to 256 guests'); return p; }
  let boot = 0;
  c.guests.forEach((g, i) => {
    const at = `guests[${i}]`;
    if (!whole(g.ramPages, 1) || g.ramPages > 1 << 24) p.push(`${at}.ramPages: must be a whole number from 1 to 2^24`);
    if (g.guestPageGpfns !== 1 && g.guestPageGpfns !== 16) p.push(`${at}.guestPageGpfns: must be 1 (4 KiB) or 16 (64 KiB)`);
    if (!whole(g.holeStart, 0) || !whole(g.holePages, 0) || g.holeStart > g.ramPages) p.push(`${at}.holeStart/holePages: must be whole numbers with the hole inside the address space`);
    else if (g.guestPageGpfns === 16 && (g.holeStart % 16 !== 0 || g.holePages % 16 !== 0 || g.ramPages % 16 !== 0)) p.push(`${at}: a 64 KiB guest's RAM and hole must be whole 64 KiB pages`);
    // union dm_mem_page_range: a 40-bit start page (hv_balloon.c).
    p.push(...layoutProblems(g, at, 40, g.guestPageGpfns === 16 ? 16 : 1));
    if (!whole(g.floorPages, 0) || g.floorPages > g.ramPages) p.push(`${at}.floorPages: must be a whole number from 0 to ramPages`);
    if (g.assignedDevice !== false) p.push(`${at}.assignedDevice: must be false (passthrough is not modelled for Hyper-V)`);
    if (!whole(g.hotAddStart, 0) || !whole(g.hotAddPages, 0)) p.push(`${at}.hotAddStart/hotAddPages: must be whole numbers`);
    else if (g.hotAddPages > 0) {
      let ok = g.hotAddPages <= g.ramPages && g.hotAddStart % g.guestPageGpfns === 0 && g.hotAddPages % g.guestPageGpfns === 0;
      for (let n = g.hotAddStart; ok && n < g.hotAddStart + g.hotAddPages; n++) if (!isRam(g, n)) ok = false;
      if (!ok) p.push(`${at}.hotAddStart/hotAddPages: the hot-add region must be whole guest pages of RAM, outside the hole (space ${gpfnSpace(g)})`);
    }
    boot += whole(g.ramPages, 1) && whole(g.hotAddPages, 0) ? hvBootPages(g) : 0;
  });
  if (p.length === 0 && boot > c.hostFrames - c.reservedFrames) {
    p.push(`guests: the guests boot with ${boot} pages but the host has ${c.hostFrames - c.reservedFrames} frames to give`);
  }
  return p;
}
