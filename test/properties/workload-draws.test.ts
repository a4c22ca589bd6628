/**
 * Two draws of the virtio workload that issue 22's median runs to detection rest on
 * (properties/workload.ts): a reporting guest's report order is 0 (any whole page) one time in
 * two, and a target swing on 64 KiB guest pages aims past a page boundary one time in two, as a
 * host that sets its target in 4 KiB pages does. Each check fails if the draw is taken out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guestConfig, guestId, systemConfig, type Command, type SystemConfig } from '../../core/virtio/index.ts';
import { reportOrderArb } from '../../properties/virtio/report-order.ts';
import { swingsArb, type Locality } from '../../properties/workload.ts';

const g0 = guestId(0);
const config = (guestPageGpfns: 1 | 16, pageReporting = false): SystemConfig => systemConfig({
  guests: [guestConfig({ ramPages: 4 * 16, guestPageGpfns, floorPages: 0, features: { mustTellHost: true, statsVq: false, deflateOnOom: false, pageReporting } })],
  hostFrames: 80,
});
const drawn: Command[] = [{ kind: 'driver', guest: g0 }, { kind: 'alloc', guest: g0, pages: 1, pick: 0 }, { kind: 'driver', guest: g0 }];
const local: Locality = { picks: [0], guest: 0, kinds: ['set-target', 'alloc', 'write'] };

describe('virtio workload draws', () => {
  it('a reporting guest reports in blocks (order 1 to 3) about one time in two, else any whole page (order 0)', () => {
    const orders = fc.sample(reportOrderArb({ config: config(1, true), commands: drawn }), { seed: 7, numRuns: 400 })
      .map((c) => c.config.guests[0].reportOrder ?? 0);
    const zero = orders.filter((k) => k === 0).length;
    expect(zero).toBeGreaterThan(140);
    expect(zero).toBeLessThan(260);
    expect(new Set(orders)).toEqual(new Set([0, 1, 2, 3]));
  });

  it('a guest that does not report draws no order', () => {
    const cases = fc.sample(reportOrderArb({ config: config(1), commands: drawn }), { seed: 7, numRuns: 20 });
    expect(cases.every((c) => c.config.guests[0].reportOrder === undefined)).toBe(true);
  });

  it('swings keep the drawn commands in order, and on 64 KiB guest pages aim both at and past page boundaries', () => {
    const targets = (gpp: 1 | 16) => fc.sample(swingsArb({ config: config(gpp), commands: drawn }, local, ['driver', 'device', ...local.kinds], 80), { seed: 3, numRuns: 300 })
      .flatMap((c) => {
        // Every drawn command is still there, in its order.
        const rest = c.commands.filter((x) => !drawn.includes(x));
        expect(c.commands.filter((x) => drawn.includes(x))).toEqual(drawn);
        return rest.flatMap((x) => (x.kind === 'set-target' ? [x.pages] : []));
      });
    const big = targets(16);
    expect(big.length).toBeGreaterThan(100);
    expect(big.some((p) => p % 16 !== 0)).toBe(true);
    expect(big.some((p) => p % 16 === 0)).toBe(true);
    // Every target a swing gives a 64 KiB guest lies within its memory, and a 4 KiB guest's are whole pages of it.
    expect(big.every((p) => p >= 0 && p < 4 * 16 + 16)).toBe(true);
    const small = targets(1);
    expect(small.length).toBeGreaterThan(100);
    expect(small.every((p) => Number.isInteger(p) && p >= 0 && p <= 4 * 16)).toBe(true);
  });
});
