/**
 * hint-follows-host across a reset of the balloon (properties/virtio/hinting/follows-host.ts):
 * the host's STOP is still asked after a reset (statement 47: the host still cannot use hints),
 * its DONE becomes "STOP or DONE" (statement 52's pages went with the driver the reset removed;
 * QEMU virtio_balloon_device_reset writes STOP). An adapter whose reset writes STOP, as QEMU's
 * does, is not accused; a device whose reset shows a round nobody asked for still is.
 */
import { describe, expect, it } from 'vitest';
import { CMD_ID_DONE, CMD_ID_MIN, CMD_ID_STOP, type HintCommand } from '../../core/virtio/hinting.ts';
import { guestConfig, guestId, systemConfig, type Command, type SystemFactory } from '../../core/virtio/index.ts';
import { createReferenceSystem, referenceWithFaults } from '../../impl/virtio/index.ts';
import { hintFollowsHost } from '../../properties/virtio/hinting/follows-host.ts';
import { allProperties, propertiesByName, runCase, type Property } from '../../properties/index.ts';

const g0 = guestId(0);
const config = systemConfig({ guests: [guestConfig({ ramPages: 16, features: { mustTellHost: true, statsVq: false, deflateOnOom: false, freePageHint: true } })], hostFrames: 24 });
const hint = (kind: HintCommand['kind']): Command => ({ kind: 'hint', guest: g0, op: { kind } as HintCommand });
const reset: Command = { kind: 'reset', guest: g0 };

/**
 * The reference, with what its reset does to hinting changed: `'stop'` shows STOP from the reset
 * until the host speaks again (QEMU virtio_balloon_device_reset calls virtio_balloon_free_page_stop,
 * which writes STOP from every status but STOP, DONE included); `'new-round'` asks a round of its
 * own at every reset (no host asked for it).
 */
function resetting(how: 'stop' | 'new-round'): SystemFactory {
  return (cfg) => {
    const sys = createReferenceSystem(cfg);
    let stopped = false;
    return {
      config: cfg,
      apply(c) {
        const r = sys.apply(c);
        if (c.kind === 'hint' && c.op.kind.startsWith('hint-') && r.outcome === 'accepted') stopped = false;
        if (c.kind === 'reset') {
          if (how === 'stop') stopped = true;
          else sys.apply({ kind: 'hint', guest: c.guest, op: { kind: 'hint-request' } });
        }
        return r;
      },
      observe() {
        const obs = sys.observe();
        if (!stopped) return obs;
        return { ...obs, guests: obs.guests.map((g) => (g.hinting ? { ...g, hinting: { ...g.hinting, cmdId: CMD_ID_STOP } } : g)) };
      },
    };
  };
}

const idAfter = (factory: SystemFactory, commands: Command[]) => {
  const sys = factory(config);
  for (const c of commands) sys.apply(c);
  return sys.observe().guests[0].hinting?.cmdId;
};
const failure = (factory: SystemFactory, commands: Command[], properties: readonly Property[] = propertiesByName([hintFollowsHost.name])) => runCase(factory, config, commands, properties).failure?.violation.message ?? null;

describe('hint-follows-host across a reset', () => {
  it('the adapters do what they say: the reference keeps DONE, a QEMU-like reset shows STOP, the other a round id', () => {
    const done = [hint('hint-request'), hint('hint-done'), reset];
    expect(idAfter(createReferenceSystem, done)).toBe(CMD_ID_DONE);
    expect(idAfter(resetting('stop'), done)).toBe(CMD_ID_STOP);
    expect(idAfter(resetting('new-round'), done)).toBeGreaterThanOrEqual(CMD_ID_MIN);
  });

  it('does not accuse a device whose reset writes STOP after the host\'s DONE, nor the reference that keeps DONE (the whole suite)', () => {
    for (const factory of [createReferenceSystem, resetting('stop')]) {
      expect(failure(factory, [hint('hint-request'), hint('hint-done'), reset], allProperties)).toBeNull();
      expect(failure(factory, [hint('hint-request'), hint('hint-stop'), reset], allProperties)).toBeNull();
      expect(failure(factory, [hint('hint-request'), hint('hint-done'), reset, reset], allProperties)).toBeNull();
    }
  });

  it('still asks DONE when the host says it after the reset, and STOP after a reset that followed hint-stop', () => {
    // The host's word after the reset counts as ever: the QEMU-like device shows STOP until the host speaks, then DONE.
    expect(failure(resetting('stop'), [hint('hint-request'), reset, hint('hint-done')])).toBeNull();
    expect(failure(resetting('new-round'), [hint('hint-request'), hint('hint-stop'), reset])).toMatch(/can no longer use hints \(hint-stop\), so the device should set it to STOP/);
  });

  it('fires on a device whose reset shows a round nobody asked for after the host\'s DONE', () => {
    expect(failure(resetting('new-round'), [hint('hint-request'), hint('hint-done'), reset])).toMatch(/^guest 0 \(free page hinting\): after the final drain free_page_hint_cmd_id is \d+, but the host last said it no longer needs the hinted pages \(hint-done\) and the balloon was reset since/);
  });

  it('without a reset, STOP after the host\'s DONE is not enough (statement 52): the zoo fault hint-done-skipped', () => {
    const skipped = referenceWithFaults(['hint-done-skipped']);
    const stopThenDone = [hint('hint-request'), hint('hint-stop'), hint('hint-done')];
    expect(idAfter(skipped, stopThenDone)).toBe(CMD_ID_STOP);
    expect(failure(skipped, stopThenDone)).toMatch(/the host last said it no longer needs the hinted pages \(hint-done\), so the device must set it to DONE/);
    // A reset since: STOP is what a reset device that cannot use hints shows.
    expect(failure(skipped, [...stopThenDone, reset])).toBeNull();
  });
});
