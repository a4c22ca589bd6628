// The device and guest configurations `balloon qemu --variant` runs: which virtio-balloon features
// QEMU offers, what the guest kernel is told, and which feature bits Linux must end up
// negotiating (read back from the guest's /sys/bus/virtio/devices/*/features: the *negotiated*
// bits, spec review note 1). QEMU 7.2 offers STATS_VQ and PAGE_POISON by default
// (virtio_balloon_properties: page-poison defaults to on); Linux virtballoon_validate clears
// PAGE_POISON unless init_on_free or page poisoning is on, and REPORTING when poisoning is on
// but PAGE_POISON was not negotiated (spec statements 2 and 3).

/** Feature bits of VIRTIO 5.5.3. */
export const FEATURE_BITS = { mustTellHost: 0, statsVq: 1, deflateOnOom: 2, freePageHint: 3, pagePoison: 4, reporting: 5 } as const;
export type FeatureName = keyof typeof FEATURE_BITS;

export interface QemuVariant {
  readonly name: string;
  readonly doc: string;
  /** virtio-balloon-pci properties. */
  readonly deflateOnOom: boolean;
  readonly freePageReporting: boolean;
  /** Extra guest kernel command-line words. */
  readonly append: readonly string[];
  /** The balloon feature bits Linux must have negotiated (bits 0-5; higher bits are transport bits). */
  readonly negotiated: readonly FeatureName[];
}

export const qemuVariants: readonly QemuVariant[] = [
  {
    name: 'plain', doc: 'QEMU defaults: STATS_VQ; PAGE_POISON offered but cleared by Linux (no poisoning in the guest)',
    deflateOnOom: false, freePageReporting: false, append: [], negotiated: ['statsVq'],
  },
  {
    name: 'deflate-on-oom', doc: 'deflate-on-oom=on: the guest may deflate under memory pressure (statement 12)',
    deflateOnOom: true, freePageReporting: false, append: [], negotiated: ['statsVq', 'deflateOnOom'],
  },
  {
    name: 'free-page-reporting', doc: 'free-page-reporting=on, no poisoning in the guest: REPORTING alone (QEMU discards reported pages)',
    deflateOnOom: false, freePageReporting: true, append: [], negotiated: ['statsVq', 'reporting'],
  },
  {
    // The Debian cloud kernel the campaign boots has no CONFIG_PAGE_POISONING (page_poison=1 is
    // ignored there), so poisoning is init_on_free=1: Linux then keeps PAGE_POISON and writes
    // poison_val 0 (virtballoon_probe), and QEMU, seeing poison_val 0, discards reported pages.
    name: 'page-poison', doc: 'init_on_free=1 in the guest and free-page-reporting=on: PAGE_POISON with REPORTING, poison_val 0',
    deflateOnOom: false, freePageReporting: true, append: ['init_on_free=1'], negotiated: ['statsVq', 'pagePoison', 'reporting'],
  },
];

/** The variant called `name`, or null (the caller lists the known ones). */
export function findVariant(name: string): QemuVariant | null {
  return qemuVariants.find((v) => v.name === name) ?? null;
}

/** The variant a trace written before variants existed ran: plain or deflate-on-oom. */
export function legacyVariant(deflateOnOom: boolean): QemuVariant {
  return findVariant(deflateOnOom ? 'deflate-on-oom' : 'plain') as QemuVariant;
}

/** The balloon feature bits (0-5) set in a sysfs `features` string ('0100...' bit 0 first). */
export function balloonBits(features: string): FeatureName[] {
  return (Object.keys(FEATURE_BITS) as FeatureName[]).filter((n) => features[FEATURE_BITS[n]] === '1');
}

/** The reporting virtqueue's index: after inflateq, deflateq, statsq (and free_page_vq with
 * FREE_PAGE_HINT, never offered here), as virtio_balloon_device_realize adds them. */
export const REPORTING_QUEUE = 3;
