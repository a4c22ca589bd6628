import { describe, expect, it } from 'vitest';
import { guestId } from '../../../core/index.ts';
import { hvGuestConfig, hvSystemConfig, type HvCommand } from '../../../core/hyperv/index.ts';
import { HvReferenceSystem } from '../../../impl/hyperv/index.ts';
import { HV_SHARED_PROPERTIES, runHvCase } from '../../../properties/hyperv/index.ts';

const g = guestId(0);

/**
 * hv-progress and the host's stall (impl/hyperv/host-side.ts). A balloon request answered with
 * no page stalls the host, but a target set while that request was in flight is a request to try
 * again once it is answered (QEMU hv-balloon.c: hv_balloon_to_target always sets target_changed,
 * which only the idle state consumes). The case below is the one `balloon check --family hyperv
 * --seed 1 --runs 10000` shrank to: the drain's re-asserted target came before the zero-page
 * answer to the request sent while the guest had nothing above its floor, the answer stalled the
 * host again, and the balloon stayed empty with a page free above the floor.
 */
const config = hvSystemConfig({
  hostFrames: 6, reservedFrames: 1, rangesPerMessage: 2, allocUnit: 2,
  guests: [hvGuestConfig({ ramPages: 4, floorPages: 1, hotAddStart: 2, hotAddPages: 2 })],
});
const startUp: HvCommand[] = [{ kind: 'host-recv', guest: g }, { kind: 'guest', guest: g }, { kind: 'host-recv', guest: g }];
const shrunk: HvCommand[] = [
  { kind: 'set-target', guest: g, pages: 2 }, ...startUp,
  { kind: 'host-send', guest: g }, { kind: 'guest', guest: g },
  { kind: 'alloc', guest: g, pages: 1, pick: 0 }, { kind: 'guest', guest: g }, { kind: 'free', guest: g, pages: 1, pick: 0 },
];

describe('hv-progress: a target set while a balloon request is in flight', () => {
  it('the shrunk seed-1 case holds every property (it failed hv-progress with an empty balloon)', () => {
    const r = runHvCase((c) => new HvReferenceSystem(c), config, shrunk, HV_SHARED_PROPERTIES);
    expect(r.failure).toBeNull();
  });

  /** Start-up, the guest's one page above the floor taken, a request of 2 answered with none; then `between`, the answer handled, and the host asked to send. */
  function afterZeroAnswer(between: HvCommand[]): { requests: number; stalled: boolean } {
    const sys = new HvReferenceSystem(config);
    const run = (cs: HvCommand[]) => cs.flatMap((c) => sys.apply(c).effects);
    run([...startUp, { kind: 'guest', guest: g }, { kind: 'set-target', guest: g, pages: 2 }, { kind: 'host-send', guest: g },
      { kind: 'alloc', guest: g, pages: 1, pick: 0 }, { kind: 'guest', guest: g }, { kind: 'free', guest: g, pages: 1, pick: 0 }]);
    run([...between, { kind: 'host-recv', guest: g }]);
    const stalled = sys.observe().guests[0].hv.host.stalled;
    const requests = run([{ kind: 'host-send', guest: g }]).filter((e) => e.kind === 'hv-sent' && e.msg.type === 'balloon-request').length;
    return { requests, stalled };
  }

  it('a target set before the zero-page answer arrives makes the host ask again', () => {
    expect(afterZeroAnswer([{ kind: 'set-target', guest: g, pages: 2 }])).toEqual({ requests: 1, stalled: false });
  });

  it('without a new target or a status report the zero-page answer still stalls the host', () => {
    expect(afterZeroAnswer([])).toEqual({ requests: 0, stalled: true });
  });
});
