import { describe, expect, it } from 'vitest';
import { guestId } from '../../../core/index.ts';
import { vmwHostileKinds, type VmwCommand, type VmwStepResult } from '../../../core/vmware/index.ts';
import { createVmwReference, VmwReferenceSystem } from '../../../impl/vmware/index.ts';
import { checkVmw, resolveVmwHostile, runVmwCase, vmware, vmwCheckConfig, vmwConfigArb } from '../../../properties/vmware/index.ts';
import fc from 'fast-check';

/** The reference, with one command's handling replaced. */
function stub(kind: VmwCommand['kind'], apply: (inner: VmwReferenceSystem, c: VmwCommand) => VmwStepResult) {
  return (config = vmwCheckConfig()) => {
    const inner = new VmwReferenceSystem(config);
    return { observe: () => inner.observe(), apply: (c: VmwCommand) => (c.kind === kind ? apply(inner, c) : inner.apply(c)) };
  };
}
/** Without the charts, which would name the first divergence: the invariants must see it alone. */
const NO_CHART = vmware.properties.filter((p) => p.name !== 'conformance');
/** Without the command contract either, which names a command that did nothing at its step. */
const INVARIANTS_ONLY = NO_CHART.filter((p) => p.name !== 'vmware-command-contract');

describe('the reference sends what Linux sends around a reset (vmw_balloon.c)', () => {
  const backdoor = (r: VmwStepResult) => r.effects.flatMap((e) => (e.kind === 'backdoor' ? [e] : []));
  it('every reset opens with the doorbell unset, answered RESET before any session (vmballoon_vmci_cleanup)', () => {
    const sys = new VmwReferenceSystem(vmwCheckConfig());
    const b = backdoor(sys.apply({ kind: 'work', guest: guestId(0) }));
    expect(b[0]).toMatchObject({ cmd: 'doorbell-set', set: false, status: 'reset' });
    expect(b[1]).toMatchObject({ cmd: 'start' });
  });
  it('GET_TARGET follows a failed START in the same run (vmballoon_work), answered RESET, and the balloon stays still', () => {
    let seen = 0;
    for (let after = 0; after < 3; after++) {
      const sys = new VmwReferenceSystem(vmwCheckConfig());
      sys.apply({ kind: 'set-target', guest: guestId(0), pages: 64 });
      sys.apply({ kind: 'busy', guest: guestId(0), after });
      const b = backdoor(sys.apply({ kind: 'work', guest: guestId(0) }));
      const s = b.findIndex((e) => e.cmd === 'start');
      if (s < 0 || b[s].status === 'success' || b[s].status === 'success-with-caps') continue;
      seen++;
      expect(b.slice(s + 1).map((e) => [e.cmd, e.status])).toEqual([['get-target', 'reset']]);
      expect(sys.observe().guests[0].actual).toBe(0);
    }
    expect(seen).toBeGreaterThan(0);
  });
});

describe('checkVmw', () => {
  it('passes the reference, on generated configurations', () => {
    expect(checkVmw({ factory: createVmwReference, properties: vmware.properties, runs: 100, seed: 7 })).toMatchObject({ ok: true, seed: 7, runs: 100 });
  });

  it('fails a worker that never runs: by progress at the end (it never started, a reset stays pending), by the command contract at once', () => {
    const lazy = stub('work', () => ({ outcome: 'accepted', effects: [] }));
    const r = checkVmw({ factory: (c) => lazy(c), properties: INVARIANTS_ONLY, runs: 100, seed: 1 });
    expect(r.ok).toBe(false);
    expect(r.failure).toMatchObject({ property: 'progress', step: -1 });
    expect(r.failure!.violation.message).toMatch(/START/);
    // The command contract names it earlier: a worker run that reports no run.
    const c = checkVmw({ factory: (k) => lazy(k), properties: NO_CHART, runs: 100, seed: 1 });
    expect(c.failure!.property).toBe('vmware-command-contract');
  });

  it('fails a host that answers every command busy, by convergence', () => {
    const busy = (config = vmwCheckConfig()) => {
      const inner = new VmwReferenceSystem(config);
      return {
        observe: () => inner.observe(),
        apply: (c: VmwCommand) => { if (c.kind === 'work') inner.apply({ kind: 'busy', guest: c.guest, after: 0 }); return inner.apply(c); },
      };
    };
    const r = checkVmw({ factory: (c) => busy(c), properties: INVARIANTS_ONLY, runs: 100, seed: 2 });
    expect(r.ok).toBe(false);
    expect(['vmware-convergence', 'progress']).toContain(r.failure!.property);
  });

  it('fails a host that ignores the target, by convergence, and by the command contract at once', () => {
    const deaf = stub('set-target', (_i, c) => ({ outcome: 'accepted', effects: [{ kind: 'target-set', guest: c.guest, requested: 0, target: 0 }] }));
    const r = checkVmw({ factory: (c) => deaf(c), properties: INVARIANTS_ONLY, runs: 100, seed: 3 });
    expect(r.ok).toBe(false);
    expect(['vmware-convergence', 'floors-and-targets']).toContain(r.failure!.property);
    const c = checkVmw({ factory: (k) => deaf(k), properties: NO_CHART, runs: 100, seed: 3 });
    expect(c.failure!.property).toBe('vmware-command-contract');
    expect(c.failure!.violation.message).toMatch(/^the host's target for guest \d is 0 \(its target-set effect says 0\), not [1-9]\d* after set-target [1-9]/);
    // A target accepted without its effect is named as such.
    const mute = stub('set-target', () => ({ outcome: 'accepted', effects: [] }));
    const m = checkVmw({ factory: (k) => mute(k), properties: NO_CHART, runs: 100, seed: 3 });
    expect(m.failure!.violation.message).toMatch(/^set-target \d+ of guest \d was accepted with no target-set effect$/);
  });

  it('is deterministic: the same seed gives the same counterexample', () => {
    const lazy = stub('work', () => ({ outcome: 'accepted', effects: [] }));
    const a = checkVmw({ factory: (c) => lazy(c), properties: INVARIANTS_ONLY, runs: 30, seed: 3 });
    const b = checkVmw({ factory: (c) => lazy(c), properties: INVARIANTS_ONLY, runs: 30, seed: 3 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('reports an implementation that throws as a failure, not a pass', () => {
    const boom = () => ({ observe: () => new VmwReferenceSystem(vmwCheckConfig()).observe(), apply: (): VmwStepResult => { throw new Error('boom'); } });
    const r = runVmwCase(boom, { config: vmwCheckConfig(), commands: [{ kind: 'work', guest: guestId(0) }] }, vmware.properties);
    expect(r.failure).toMatchObject({ property: 'no-crash' });
  });
});

describe('hostile requests (properties/vmware/hostile.ts)', () => {
  it('every kind builds a request the reference refuses in full, at many picks and capability sets', () => {
    const configs = fc.sample(vmwConfigArb(), { seed: 5, numRuns: 12 });
    for (const config of configs) {
      for (const kind of vmwHostileKinds) {
        for (let pick = 0; pick < 40; pick += 7) {
          for (const guest of [0, 1]) {
            const sys = new VmwReferenceSystem(config);
            sys.apply({ kind: 'set-target', guest: guestId(guest), pages: 12 });
            sys.apply({ kind: 'work', guest: guestId(guest) });
            const before = sys.observe().guests[guest].vmware.host.locked;
            const c = resolveVmwHostile({ kind: 'hostile', guest: guestId(guest), request: kind, pick }, config, sys.observe());
            const r = sys.apply(c);
            expect(r.outcome).toBe('accepted');
            const b = r.effects.find((e) => e.kind === 'backdoor');
            expect(b && b.kind === 'backdoor' && b.entries.every((s) => s !== 'success'), `${kind} pick ${pick} guest ${guest}: ${JSON.stringify(b)}`).toBe(true);
            expect(r.effects.filter((e) => e.kind !== 'backdoor')).toEqual([]);
            expect(sys.observe().guests[guest].vmware.host.locked).toBe(before);
          }
        }
      }
    }
  });

  it('a hostile LOCK of a page the host holds is answered PPN already locked', () => {
    const config = vmwCheckConfig();
    const sys = new VmwReferenceSystem(config);
    sys.apply({ kind: 'set-target', guest: guestId(0), pages: 8 });
    sys.apply({ kind: 'work', guest: guestId(0) });
    const r = sys.apply(resolveVmwHostile({ kind: 'hostile', guest: guestId(0), request: 'double-lock', pick: 0 }, config, sys.observe()));
    const b = r.effects.find((e) => e.kind === 'backdoor');
    expect(b && b.kind === 'backdoor' ? b.entries : []).toContain('ppn-locked');
  });
});

describe('the command contract (properties/vmware/safety/command-contract.ts)', () => {
  it('fails an implementation that refuses every allocation', () => {
    const stingy = stub('alloc', () => ({ outcome: 'refused', code: 'guest/oom', message: 'no', effects: [] }));
    const r = checkVmw({ factory: (c) => stingy(c), properties: NO_CHART, runs: 100, seed: 4 });
    expect(r.ok).toBe(false);
    expect(r.failure!.property).toBe('vmware-command-contract');
    expect(r.failure!.violation.message).toMatch(/alloc of guest \d was refused \(guest\/oom\) when it may not be/);
  });

  it('fails a host that forgets nothing on host-reset', () => {
    const sticky = stub('host-reset', (_i, c) => ({ outcome: 'accepted', effects: [{ kind: 'host-forgot', guest: c.guest, pages: 0 }] }));
    const r = checkVmw({ factory: (c) => sticky(c), properties: NO_CHART, runs: 100, seed: 5 });
    expect(r.ok).toBe(false);
    expect(r.failure!.property).toBe('vmware-command-contract');
  });
});
