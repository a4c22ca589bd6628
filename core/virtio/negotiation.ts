/**
 * Feature negotiation (VIRTIO 1.2 3.1.1 steps 4 to 6, 2.2; the balloon's bits 5.5.3): at every
 * probe the device offers a set of feature bits, the driver accepts a subset and sets
 * FEATURES_OK, and the device keeps FEATURES_OK set or refuses the subset (the driver then gives
 * up on this attempt). A run starts after the first probe, with the configuration's features
 * offered and accepted; a reset's reload negotiates again, and the workload chooses what the
 * device withholds from its offer and whether it refuses the first attempt (`reset` command).
 *
 * What the configuration's features mean, then: the set the device offers at the probe, and, for
 * PAGE_POISON, also that the guest kernel poisons its free pages (Linux page_poisoning or
 * init_on_free, which check or rely on the contents of free pages); the guest does so whatever
 * the device offers at a reload.
 */
import type { VirtioFeatures } from './config.ts';

/** The feature bits by their field name in `VirtioFeatures`, in bit order (5.5.3; bit 3 is free page hinting, not here). */
export const FEATURE_NAMES = ['mustTellHost', 'statsVq', 'deflateOnOom', 'pagePoison', 'pageReporting'] as const;
export type FeatureName = typeof FEATURE_NAMES[number];

/** The bit as 5.5.3 names it, for messages. */
export const FEATURE_BITS: Readonly<Record<FeatureName, string>> = {
  mustTellHost: 'MUST_TELL_HOST', statsVq: 'STATS_VQ', deflateOnOom: 'DEFLATE_ON_OOM', pagePoison: 'PAGE_POISON', pageReporting: 'PAGE_REPORTING',
};

const on = (f: VirtioFeatures, n: FeatureName): boolean => f[n] === true;

/**
 * What the device offers at a reload: the configuration's features without those `withhold`
 * names. The result has the configuration's keys, so an observation keeps its shape.
 *
 * @example offerOf({ mustTellHost: true, statsVq: true, deflateOnOom: false }, ['statsVq']).statsVq // false
 */
export function offerOf(config: VirtioFeatures, withhold: readonly FeatureName[] = []): VirtioFeatures {
  const out: VirtioFeatures = { ...config };
  for (const n of withhold) if (n in out) out[n] = false;
  return out;
}

/**
 * The subset the Linux driver accepts of `offered` (virtballoon_validate and the driver's feature
 * table): every bit it knows that is offered, except PAGE_POISON when the guest does not poison
 * (statement 2: it would not write poison_val), and PAGE_REPORTING when the guest poisons but
 * PAGE_POISON is not negotiated (statement 3: the guest relies on free pages keeping their contents).
 */
export function linuxAccepts(offered: VirtioFeatures, guestPoisons: boolean): VirtioFeatures {
  const out: VirtioFeatures = { ...offered };
  if (on(out, 'pagePoison') && !guestPoisons) out.pagePoison = false;
  if (on(out, 'pageReporting') && guestPoisons && !on(out, 'pagePoison')) out.pageReporting = false;
  return out;
}

/** The bits `accepted` has that `offered` lacks (VIRTIO 1.2 2.2.1: the driver accepts only offered bits). */
export const unoffered = (offered: VirtioFeatures, accepted: VirtioFeatures): FeatureName[] =>
  FEATURE_NAMES.filter((n) => on(accepted, n) && !on(offered, n));

/** The bits of `f` that are on, as 5.5.3 names them: `MUST_TELL_HOST,STATS_VQ`, or `none`. */
export const formatFeatures = (f: VirtioFeatures): string => FEATURE_NAMES.filter((n) => on(f, n)).map((n) => FEATURE_BITS[n]).join(',') || 'none';
