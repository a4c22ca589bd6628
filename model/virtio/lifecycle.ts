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
 * What is not judged here, and why: the chart does not refuse a balloon event while DRIVER_OK is
 * clear. The reference implementation does the whole reload in one step, so no balloon event can
 * fall in between, and the QEMU projection (qemu/statechart.ts) feeds a reload without the status
 * bits it cannot see; an implementation that never sets DRIVER_OK again is refused by the reset
 * command's contract (core/virtio/contracts.ts).
 */
import { poisonOn, POISON_VAL, type VirtioProfile } from '../../core/virtio/index.ts';
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

/** The rule sets of the lifecycle region's guards (spread into rules.ts RULES). */
export const LIFECYCLE_RULES = {
  featuresOkAllowed: [
    { says: 'the driver sets FEATURES_OK after a reset and before DRIVER_OK (VIRTIO 1.2 3.1.1, steps 5 and 8)', holds: (c: C) => c.life.status === 'reset' },
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
  poisonWritten: (c: C): LifeState => ({ ...c.life, poisonWritten: true }),
  driverOk: (c: C): LifeState => ({ ...c.life, status: 'driver-ok' }),
};

/**
 * The region, for model/virtio/guest-machine.ts. Its guards are the rule sets above; its
 * actions (`lifeReset`, `lifeFeaturesOk`, `lifePoison`, `lifeDriverOk`) apply `lifeAfter`.
 * POISON_WRITTEN outside `featuresOk` and DRIVER_OK outside it are refused (no transition).
 */
export const lifecycleRegion = {
  initial: 'driverOk' as const,
  on: { RESET: { target: '.reset' as const, actions: 'lifeReset' as const } },
  states: {
    reset: { on: { FEATURES_OK: { guard: 'featuresOkAllowed' as const, target: 'featuresOk' as const, actions: 'lifeFeaturesOk' as const } } },
    featuresOk: {
      on: {
        POISON_WRITTEN: { guard: 'poisonWriteAllowed' as const, actions: 'lifePoison' as const },
        DRIVER_OK: { guard: 'driverOkAllowed' as const, target: 'driverOk' as const, actions: 'lifeDriverOk' as const },
      },
    },
    driverOk: {},
  },
};
