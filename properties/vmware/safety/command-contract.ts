import type { VmwCommand, VmwEffect } from '../../../core/vmware/index.ts';
import type { StepContext } from '../../property.ts';
import type { VmwBefore, VmwProperty } from '../property.ts';
import type { VmwObservation, VmwStepResult } from '../../../core/vmware/index.ts';
import { stateless } from '../../property.ts';

type Ctx = StepContext<VmwCommand, VmwObservation, VmwBefore, VmwStepResult>;
type Of<K extends VmwCommand['kind']> = Extract<VmwCommand, { kind: K }>;

const count = (r: VmwStepResult, kind: VmwEffect['kind']) => r.effects.filter((e) => e.kind === kind).length;
const whole = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;

/**
 * What each command must do when accepted, and when each refusal is legal (core/vmware/commands.ts,
 * core/vmware/errors.ts), checked on every step: an implementation that ignores the host's
 * target, refuses what it may not refuse, or accepts a command and does nothing fails here.
 * Returns what is wrong, or null.
 */
function judge(s: Ctx, ramPages: number): string | null {
  const { command: c, result: r, before: b, obs } = s;
  const g = obs.guests[c.guest];
  const what = `${c.kind} of guest ${c.guest}`;
  if (r.outcome === 'refused') {
    const legal: Record<string, boolean> = {
      'vmware/bad-target': c.kind === 'set-target' && !whole(c.pages, 0, Number.MAX_SAFE_INTEGER),
      'vmware/bad-entries': c.kind === 'refuse' && !whole(c.entries, 1, 64),
      'vmware/bad-busy': c.kind === 'busy' && !whole(c.after, 0, 64),
      'vmware/no-migration': c.kind === 'migrate' && !g?.vmware.driver.caps?.batched,
      'vmware/nothing-to-migrate': c.kind === 'migrate' && g?.vmware.driver.pages4k === 0,
      'vmware/no-request': c.kind === 'hostile' && !c.req,
      'guest/oom': (c.kind === 'alloc' && (!whole(c.pages, 1, Number.MAX_SAFE_INTEGER) || b.free < c.pages)) || (c.kind === 'migrate' && b.free === 0),
      'guest/no-used-pages': (c.kind === 'free' || c.kind === 'write' || c.kind === 'read') && b.used === 0,
      'host/out-of-frames': (c.kind === 'alloc' || c.kind === 'write' || c.kind === 'read') && b.hostFree < (c.kind === 'alloc' ? c.pages : 1),
      'guest/unknown': !g,
    };
    return legal[r.code] ? null : `a ${what} was refused (${r.code}) when it may not be`;
  }
  if (!g) return `a ${what} was accepted, but there is no such guest`;
  switch (c.kind) {
    case 'set-target': {
      const want = Math.min(c.pages, ramPages);
      const t = r.effects.find((e) => e.kind === 'target-set');
      if (!whole(c.pages, 0, Number.MAX_SAFE_INTEGER)) return `a malformed target ${c.pages} for guest ${c.guest} was accepted`;
      if (!t || t.kind !== 'target-set') return `set-target ${c.pages} of guest ${c.guest} was accepted with no target-set effect`;
      if (t.target !== want || g.target !== want) return `the host's target for guest ${c.guest} is ${g.target} (its target-set effect says ${t.target}), not ${want} after set-target ${c.pages}`;
      return null;
    }
    case 'work': return count(r, 'work') === 1 ? null : `a worker run of guest ${c.guest} reported ${count(r, 'work')} work effects, not one`;
    case 'refuse': return count(r, 'armed') === 1 && whole(c.entries, 1, 64) ? null : `a refusal armed for guest ${c.guest} was not recorded`;
    case 'busy': return count(r, 'armed') === 1 && g.vmware.host.busy ? null : `a busy answer armed for guest ${c.guest} is not pending`;
    case 'host-reset': return count(r, 'host-forgot') === 1 && g.vmware.host.forgot && g.vmware.host.locked === 0 ? null : `guest ${c.guest}'s host did not forget the balloon (locked ${g.vmware.host.locked})`;
    case 'migrate': {
      const n = r.effects.filter((e) => e.kind === 'backdoor' && e.origin === 'migrate').length;
      return n >= 1 && n <= 2 ? null : `a migration of guest ${c.guest} sent ${n} commands, not an UNLOCK and at most one LOCK`;
    }
    case 'alloc': {
      const a = r.effects.find((e) => e.kind === 'pages-allocated');
      if (b.free < c.pages) return `allocating ${c.pages} pages of guest ${c.guest} was accepted with ${b.free} free`;
      return a && a.kind === 'pages-allocated' && a.gpfns.length === c.pages && g.counts.used === b.used + c.pages ? null : `allocating ${c.pages} pages of guest ${c.guest} moved its used count from ${b.used} to ${g.counts.used}`;
    }
    case 'free': {
      const n = Math.min(c.pages, b.used);
      const f = r.effects.find((e) => e.kind === 'pages-freed');
      if (n <= 0) return `freeing pages of guest ${c.guest} was accepted with nothing to free`;
      return f && f.kind === 'pages-freed' && f.gpfns.length === n && g.counts.used === b.used - n ? null : `freeing ${n} pages of guest ${c.guest} moved its used count from ${b.used} to ${g.counts.used}`;
    }
    case 'write': case 'read': {
      const k = c.kind === 'write' ? 'wrote' : 'read';
      if (b.used === 0) return `a ${c.kind} of guest ${c.guest} was accepted, but it used no page`;
      return count(r, k) === 1 ? null : `an accepted ${c.kind} of guest ${c.guest} reported ${count(r, k)} ${k} effects, not one`;
    }
    case 'hostile': {
      const h = r.effects.filter((e) => e.kind === 'backdoor' && e.origin === 'hostile').length;
      return h === 1 ? null : `a hostile ${(c as Of<'hostile'>).request} request of guest ${c.guest} reached the host ${h} times, not once`;
    }
  }
}

export const vmwCommandContract: VmwProperty = {
  name: 'vmware-command-contract',
  kind: 'always',
  doc: 'each accepted command did what it says; each refusal was one the command allows',
  refs: 'core/vmware/commands.ts, core/vmware/errors.ts (what each command does and when it may be refused)',
  monitor: (config) => stateless({
    step(s) {
      const m = judge(s, config.guests[s.command.guest]?.ramPages ?? 0);
      return m ? { message: m, guest: s.command.guest } : null;
    },
  }),
};
