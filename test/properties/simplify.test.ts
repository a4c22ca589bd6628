import { describe, expect, it } from 'vitest';
import { guestConfig, guestId, systemConfig } from '../../core/virtio/index.ts';
import { simplifyCase } from '../../properties/simplify.ts';
import type { Case } from '../../properties/workload.ts';

const busy = (over = {}) => guestConfig({ holeStart: 16, holePages: 8, floorPages: 8, assignedDevice: true, features: { mustTellHost: true, statsVq: true, deflateOnOom: true }, ...over });
const noisy: Case = {
  config: systemConfig({ hostPageGpfns: 16, maxBatch: 32, guests: [busy(), busy(), busy()] }),
  commands: [{ kind: 'set-target', guest: guestId(2), pages: 5 }, { kind: 'driver', guest: guestId(2) }],
};

describe('simplifyCase', () => {
  it('drops unused guests and plain-s everything the failure does not need', () => {
    const s = simplifyCase(noisy, () => true);
    expect(s.config.guests).toHaveLength(1);
    expect(s.commands.map((c) => c.guest)).toEqual([0, 0]);
    expect(s.config).toMatchObject({ hostPageGpfns: 1, maxBatch: 256 });
    expect(s.config.guests[0]).toMatchObject({ holePages: 0, floorPages: 0, assignedDevice: false, features: { mustTellHost: false, statsVq: false, deflateOnOom: false } });
  });

  it('keeps what the failure depends on', () => {
    const s = simplifyCase(noisy, (c) => c.config.guests.length === 3 && c.config.guests[2].features.deflateOnOom && c.config.hostPageGpfns === 16);
    expect(s.config.guests).toHaveLength(3);
    expect(s.config.guests[2].features.deflateOnOom).toBe(true);
    expect(s.config.guests[2].features.statsVq).toBe(false);
    expect(s.config.hostPageGpfns).toBe(16);
  });

  it('makes a negotiating reset plain, or drops what of its negotiation the failure does not need', () => {
    const g0 = guestId(0);
    const c: Case = { config: systemConfig({ guests: [guestConfig()] }), commands: [{ kind: 'reset', guest: g0, withhold: ['statsVq'], refuse: true }, { kind: 'driver', guest: g0 }] };
    expect(simplifyCase(c, () => true).commands[0]).toEqual({ kind: 'reset', guest: g0 });
    const refused = (x: Case) => x.commands.some((y) => y.kind === 'reset' && y.refuse === true);
    expect(simplifyCase(c, refused).commands[0]).toEqual({ kind: 'reset', guest: g0, refuse: true });
    const withheld = (x: Case) => x.commands.some((y) => y.kind === 'reset' && y.withhold?.length === 1);
    expect(simplifyCase(c, withheld).commands[0]).toEqual({ kind: 'reset', guest: g0, withhold: ['statsVq'] });
  });

  it('returns the case unchanged when no simplification keeps the failure', () => {
    expect(simplifyCase(noisy, (c) => c === noisy)).toBe(noisy);
  });
});
