/**
 * Device initialization and driver reload, as the virtio-balloon chart's `lifecycle` region
 * (VIRTIO 1.2 3.1.1, the driver's initialization sequence; 5.5.5 and 5.5.6.6.1 for the balloon).
 *
 * A run starts after the driver's probe, with DRIVER_OK set. A reset clears the device status
 * (`reset`); the reloaded driver then sets FEATURES_OK (`featuresOk`), sets the device up (with
 * PAGE_POISON it writes `poison_val`; with STATS_VQ it posts a stats buffer) and sets DRIVER_OK
 * (`driverOk`). The region judges only the order of those steps and what must come before
 * DRIVER_OK; the balloon's own events are the other regions' business.
 *
 * Feature negotiation (core/virtio/negotiation.ts): FEATURES_OK may carry what the device offered
 * and what the driver accepted; `featuresOkAllowed` judges the subset (statements 1 to 3 and
 * VIRTIO 2.2.1) and the chart's rules read the accepted set from then on. The device may refuse
 * FEATURES_OK (`FEATURES_REFUSED`, statement 4): the status goes back to before it, so DRIVER_OK
 * and poison_val are refused until the driver sets FEATURES_OK again.
 *
 * What is not judged here, and why: the chart does not refuse a balloon event while DRIVER_OK is
 * clear. The reference implementation does the whole reload in one step, so no balloon event can
 * fall in between, and the QEMU projection (qemu/statechart.ts) feeds a reload without the status
 * bits it cannot see; an implementation that never sets DRIVER_OK again is refused by the reset
 * command's contract (core/virtio/contracts.ts).
 */
import { poisonOn, POISON_VAL, reportingOn, unoffered, type VirtioFeatures, type VirtioProfile } from '../../core/virtio/index.ts';
import type { GuestModelContext as C } from './context.ts';
import type { GuestEvent } from './events.ts';
import type { Rule } from './rules.ts';

/** Where the device status stands: cleared by a reset, FEATURES_OK set, DRIVER_OK set. */
export type LifeStatus = 'reset' | 'features-ok' | 'driver-ok';

export interface LifeState {
  readonly status: LifeStatus;
  /**
   * `poison_val` was written since the last reset. A run starts after the probe, which wrote it
   * (Linux virtballoon_probe), so it starts true.
   */
  readonly poisonWritten: boolean;
}

/** The state at the start of a run: after the probe, DRIVER_OK set. */
export const LIFE_AT_START: LifeState = { status: 'driver-ok', poisonWritten: true };

/** The narrowings of the real systems the reference follows (as rules.ts's REAL). */
const REAL: readonly VirtioProfile[] = ['linux', 'firecracker'];

const poisonValue = (e: GuestEvent): number => (e as Extract<GuestEvent, { type: 'POISON_WRITTEN' }>).value;

type FeaturesOk = Extract<GuestEvent, { type: 'FEATURES_OK' }>;
/** What the device offered at this FEATURES_OK: as the event says, else the configuration's. */
const offeredOf = (c: C, e: GuestEvent): VirtioFeatures => (e as FeaturesOk).offered ?? c.cfg.offer ?? c.cfg.features;
/** What the driver accepted: as the event says, else the features the chart holds. */
export const acceptedOf = (c: C, e: GuestEvent): VirtioFeatures => (e as FeaturesOk).accepted ?? c.cfg.features;
/**
 * The guest relies on free pages keeping their contents: it poisons them (Linux page_poisoning,
 * checked at allocation by check_poison_mem). The configuration says so with PAGE_POISON
 * (core/virtio/negotiation.ts), whatever a reload offers.
 */
const guestPoisons = (c: C): boolean => poisonOn(c.cfg.offer ?? c.cfg.features);

/** The rule sets of the lifecycle region's guards (spread into rules.ts RULES). */
export const LIFECYCLE_RULES = {
  featuresOkAllowed: [
    { says: 'the driver sets FEATURES_OK after a reset and before DRIVER_OK (VIRTIO 1.2 3.1.1, steps 5 and 8)', holds: (c: C) => c.life.status === 'reset' },
    { says: 'the driver accepts only features the device offered (VIRTIO 1.2 2.2.1; 3.1.1 step 4)', holds: (c: C, e: GuestEvent) => unoffered(offeredOf(c, e), acceptedOf(c, e)).length === 0 },
    { says: 'the driver accepts MUST_TELL_HOST when the device offers it (5.5.3.1, statement 1, a SHOULD; linux: the driver\'s feature table lists VIRTIO_BALLOON_F_MUST_TELL_HOST and virtballoon_validate never clears it)', stmt: [1], only: REAL,
      holds: (c: C, e: GuestEvent) => !offeredOf(c, e).mustTellHost || acceptedOf(c, e).mustTellHost },
    { says: 'the driver accepts PAGE_POISON exactly when it is offered and the guest poisons free pages, so it writes poison_val at once (5.5.3.1, statement 2, a SHOULD; linux: virtballoon_validate clears it unless page poisoning or init_on_free is on)', stmt: [2], only: REAL,
      holds: (c: C, e: GuestEvent) => poisonOn(acceptedOf(c, e)) === (poisonOn(offeredOf(c, e)) && guestPoisons(c)) },
    { says: 'a guest that relies on free pages keeping their contents (it poisons them) accepts PAGE_REPORTING only with PAGE_POISON (5.5.3.1, statement 3; Linux virtballoon_validate, 2020 "Disable free page reporting if page poison reporting is not enabled")', stmt: [3],
      holds: (c: C, e: GuestEvent) => !reportingOn(acceptedOf(c, e)) || poisonOn(acceptedOf(c, e)) || !guestPoisons(c) },
  ],
  refusalAllowed: [
    { says: 'the device may refuse the FEATURES_OK just set, so the driver cannot go on with that subset (5.5.3.2, statement 4: when MUST_TELL_HOST is declined; VIRTIO 1.2 3.1.1 step 6 for any subset it does not support)', stmt: [4], holds: (c: C) => c.life.status === 'features-ok' && !c.life.poisonWritten },
  ],
  poisonWriteAllowed: [
    { says: 'poison_val is written only with PAGE_POISON negotiated (5.5.4: the field is there only with it)', holds: (c: C) => poisonOn(c.cfg.features) },
    { says: 'poison_val is written between FEATURES_OK and DRIVER_OK, never while DRIVER_OK is set (5.5.6.6.1: populated before DRIVER_OK, statement 55; not modified while DRIVER_OK is set, statement 56)', stmt: [55, 56], holds: (c: C) => c.life.status === 'features-ok' },
    { says: 'poison_val is the value the guest poisons its free pages with (the testbed\'s POISON_VAL, Linux PAGE_POISON in every byte, virtballoon_probe)', holds: (_c: C, e: GuestEvent) => (poisonValue(e) >>> 0) === POISON_VAL },
  ],
  driverOkAllowed: [
    { says: 'DRIVER_OK follows FEATURES_OK (VIRTIO 1.2 3.1.1, steps 5 to 8)', holds: (c: C) => c.life.status === 'features-ok' },
    { says: 'with PAGE_POISON the driver wrote poison_val before it sets DRIVER_OK (5.5.6.6.1, statement 55; review C1: Linux virtballoon_restore does not)', stmt: [55], holds: (c: C) => !poisonOn(c.cfg.features) || c.life.poisonWritten },
    { says: 'with STATS_VQ the driver posted a stats buffer before it sets DRIVER_OK (linux: init_vqs posts it, then virtballoon_probe and virtballoon_restore call virtio_device_ready; 5.5.6.3.1 asks a buffer once the device is initialised, statement 26)', stmt: [26], only: REAL, holds: (c: C) =>
      !c.cfg.features.statsVq || c.inflight.some((b) => b.queue === 'stats') },
  ],
} satisfies Record<string, Rule[]>;

/** The lifecycle after each of its events (the chart's actions). */
export const lifeAfter = {
  reset: (): LifeState => ({ status: 'reset', poisonWritten: false }),
  featuresOk: (c: C): LifeState => ({ ...c.life, status: 'features-ok' }),
  /** The refused FEATURES_OK is gone: the status is as after the reset (VIRTIO 1.2 3.1.1 step 6). */
  refused: (c: C): LifeState => ({ ...c.life, status: 'reset' }),
  /** The chart's constants with the features the driver accepted (the configuration's when the event does not say). */
  negotiated: (c: C, e: GuestEvent): C['cfg'] => {
    const accepted = (e as FeaturesOk).accepted;
    return accepted ? { ...c.cfg, features: { ...accepted } } : c.cfg;
  },
  poisonWritten: (c: C): LifeState => ({ ...c.life, poisonWritten: true }),
  driverOk: (c: C): LifeState => ({ ...c.life, status: 'driver-ok' }),
};

/**
 * The region, for model/virtio/guest-machine.ts. Its guards are the rule sets above; its
 * actions (`lifeReset`, `lifeFeaturesOk`, `lifePoison`, `lifeDriverOk`) apply `lifeAfter`.
 * POISON_WRITTEN outside `featuresOk` and DRIVER_OK outside it are refused (no transition); a
 * FEATURES_REFUSED (`lifeRefused`) takes `featuresOk` back to `reset`.
 */
export const lifecycleRegion = {
  initial: 'driverOk' as const,
  on: { RESET: { target: '.reset' as const, actions: 'lifeReset' as const } },
  states: {
    reset: { on: { FEATURES_OK: { guard: 'featuresOkAllowed' as const, target: 'featuresOk' as const, actions: 'lifeFeaturesOk' as const } } },
    featuresOk: {
      on: {
        POISON_WRITTEN: { guard: 'poisonWriteAllowed' as const, actions: 'lifePoison' as const },
        FEATURES_REFUSED: { guard: 'refusalAllowed' as const, target: 'reset' as const, actions: 'lifeRefused' as const },
        DRIVER_OK: { guard: 'driverOkAllowed' as const, target: 'driverOk' as const, actions: 'lifeDriverOk' as const },
      },
    },
    driverOk: {},
  },
};
