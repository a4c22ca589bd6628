/**
 * The reference VMware system: one host and its frames, and per guest its memory, the host side
 * of its balloon and a Linux-like vmw_balloon driver. Every choice comes in as a command
 * (core/vmware/commands.ts); nothing here reads a clock or draws a random number.
 */
import { forkState } from '../../core/fork.ts';
import { frame as asFrame, gpfn as asGpfn, guestId, PageState } from '../../core/index.ts';
import {
  VMW_ERROR_CODES, vmwConfigProblems, type VmwCommand, type VmwEffect, type VmwErrorCode, type VmwGuestObservation,
  type VmwObservation, type VmwStepResult, type VmwSystemConfig,
} from '../../core/vmware/index.ts';
import { choose, GuestMemory } from '../guest-memory.ts';
import { HostFrames } from '../host.ts';
import { VmwDriver } from './driver.ts';
import { vmwFaultSet, type VmwFaultName } from './faults.ts';
import { VmwHost } from './host.ts';

/** What a VMware implementation under test offers: the same shape as the world's SystemUnderTest. */
export interface VmwSystemUnderTest {
  readonly config: VmwSystemConfig;
  apply(command: VmwCommand): VmwStepResult;
  observe(): VmwObservation;
}

/** Page entries a host refuses ahead at most: bounds the fair drain (properties/vmware/family.ts). */
export const MAX_ARMED = 64;

interface Parts { mem: GuestMemory; host: VmwHost; drv: VmwDriver; obs: VmwGuestObservation }

export interface VmwReferenceOptions { faults?: readonly VmwFaultName[] }

export class VmwReferenceSystem implements VmwSystemUnderTest {
  readonly frames: HostFrames;
  private readonly parts: Parts[];
  private readonly observation: VmwObservation;
  private token = 0;

  constructor(readonly config: VmwSystemConfig, options: VmwReferenceOptions = {}) {
    const faults = vmwFaultSet(options.faults);
    const problems = vmwConfigProblems(config);
    if (problems.length > 0) throw new RangeError(`invalid VMware configuration: ${problems.join('; ')}`);
    this.frames = new HostFrames(config.hostFrames, config.reservedFrames);
    this.parts = config.guests.map((g, i) => {
      const mem = new GuestMemory(i, g, this.frames);
      const host = new VmwHost(i, g, mem, config.largePageGpfns);
      const drv = new VmwDriver(config, i, mem, host, faults);
      const obs: VmwGuestObservation = {
        target: 0, actual: 0, p2m: mem.p2m, dmaView: null, pageState: mem.pageState, hostBallooned: host.held,
        counts: mem.counts, vmware: undefined as unknown as VmwGuestObservation['vmware'],
      };
      return { mem, host, drv, obs };
    });
    this.observation = { host: this.frames.observe(), guests: this.parts.map((p) => p.obs) };
  }

  /** A copy in the present state that evolves on its own (SystemUnderTest.fork): the state graph copied, no replay. */
  fork(): VmwReferenceSystem { return forkState(this); }

  /**
   * SystemUnderTest.hiddenKey: how many commands each host answers before the BUSY it holds (the
   * observation says only that one is due), when some host holds one further off than the next.
   */
  hiddenKey(): string { return this.parts.some((p) => p.host.busyIn > 0) ? this.parts.map((p) => p.host.busyIn).join(',') : ''; }

  observe(): VmwObservation {
    this.observation.host.freeFrames = this.frames.freeCount;
    for (const { host: h, drv: d, obs } of this.parts) {
      obs.target = h.target;
      obs.actual = d.size;
      obs.vmware = {
        driver: {
          size: d.size, target: d.target, resetRequired: d.resetRequired, caps: d.caps ? { ...d.caps } : null, large: d.large,
          doorbell: d.doorbell, pages4k: d.pages4k.size, pages2m: d.pages2m.size,
        },
        host: {
          target: h.target, caps: h.caps ? { ...h.caps } : null, forgot: h.forgot, doorbell: h.doorbell, guestId: h.guestIdKnown,
          locked: h.locked, armed: h.armed.map((a) => ({ ...a })), busy: h.busyIn >= 0,
        },
      };
    }
    return this.observation;
  }

  apply(c: VmwCommand): VmwStepResult {
    const p = this.parts[c.guest];
    if (!p) return { outcome: 'refused', code: 'guest/unknown', message: `no guest ${c.guest}`, effects: [] };
    const out: VmwEffect[] = [];
    const code = this.dispatch(c, p, out);
    return code ? { outcome: 'refused', code, message: VMW_ERROR_CODES[code], effects: out } : { outcome: 'accepted', effects: out };
  }

  private dispatch(c: VmwCommand, p: Parts, out: VmwEffect[]): VmwErrorCode | null {
    const { mem, host, drv } = p;
    const gid = guestId(mem.id);
    switch (c.kind) {
      case 'set-target': {
        if (!Number.isInteger(c.pages) || c.pages < 0) return 'vmware/bad-target';
        // The host never asks for more than the guest's memory.
        host.target = Math.min(c.pages, mem.cfg.ramPages);
        out.push({ kind: 'target-set', guest: gid, requested: c.pages, target: host.target });
        return null;
      }
      case 'work': drv.work(out); return null;
      case 'refuse': {
        if (!Number.isInteger(c.entries) || c.entries < 1 || c.entries > 64) return 'vmware/bad-entries';
        // The host keeps at most 64 refusals ahead (MAX_ARMED): what does not fit is dropped.
        const n = Math.min(c.entries, MAX_ARMED - host.armed.reduce((k, a) => k + a.entries, 0));
        if (n > 0) host.armed.push({ status: c.status, entries: n });
        out.push({ kind: 'armed', guest: gid, status: c.status, entries: n });
        return null;
      }
      case 'busy': {
        if (!Number.isInteger(c.after) || c.after < 0 || c.after > 64) return 'vmware/bad-busy';
        host.busyIn = c.after;
        out.push({ kind: 'armed', guest: gid, status: 'busy', entries: 1 });
        return null;
      }
      case 'host-reset': host.forget(out); return null;
      case 'migrate': {
        if (!drv.caps?.batched) return 'vmware/no-migration';
        if (drv.pages4k.size === 0) return 'vmware/nothing-to-migrate';
        if (mem.free.size === 0) return 'guest/oom';
        const old = drv.pages4k.at(c.pick % drv.pages4k.size);
        const fresh = mem.free.at(Math.floor(c.pick / drv.pages4k.size) % mem.free.size);
        drv.migrate(old, fresh, out);
        return null;
      }
      case 'alloc': return this.alloc(p, c.pages, c.pick, out);
      case 'free': {
        const n = Math.min(c.pages, mem.used.size);
        if (!(n > 0)) return 'guest/no-used-pages';
        const gpfns = choose(mem.used.size, n, c.pick).map((i) => mem.used.at(i));
        for (const x of gpfns) { mem.used.delete(x); mem.free.add(x); mem.setPage(x, PageState.Free); }
        out.push({ kind: 'pages-freed', guest: gid, gpfns: gpfns.map(asGpfn) });
        return null;
      }
      case 'write':
      case 'read': {
        const n = mem.usedGpfn(c.pick);
        if (n < 0) return 'guest/no-used-pages';
        const f = this.touch(p, n, out);
        if (f < 0) return 'host/out-of-frames';
        if (c.kind === 'write') {
          this.frames.content[f] = ++this.token;
          out.push({ kind: 'wrote', guest: gid, gpfn: asGpfn(n), token: this.token });
        } else {
          out.push({ kind: 'read', guest: gid, gpfn: asGpfn(n), value: this.frames.content[f] });
        }
        return null;
      }
      case 'hostile': {
        if (!c.req) return 'vmware/no-request';
        host.command(c.req.cmd, c.req.ppns, 'hostile', out);
        return null;
      }
    }
  }

  /** Allocate and zero `pages` pages, all or nothing; an unbacked page is backed on that touch. */
  private alloc(p: Parts, pages: number, pick: number, out: VmwEffect[]): VmwErrorCode | null {
    const { mem } = p;
    if (!Number.isInteger(pages) || pages < 1 || mem.free.size < pages) return 'guest/oom';
    const chosen = choose(mem.free.size, pages, pick).map((i) => mem.free.at(i));
    let needed = 0;
    for (const x of chosen) needed += mem.unbackedIn(x);
    if (needed > this.frames.freeCount) return 'host/out-of-frames';
    for (const x of chosen) {
      mem.free.delete(x); mem.used.add(x); mem.setPage(x, PageState.Used);
      this.touch(p, x, out);
      this.frames.content[mem.p2m[x]] = 0;
    }
    out.push({ kind: 'pages-allocated', guest: guestId(mem.id), gpfns: chosen.map(asGpfn) });
    return null;
  }

  /** Back a gpfn on touch (ESXi backs guest memory lazily); the frame, or -1 when the host is out. */
  private touch(p: Parts, n: number, out: VmwEffect[]): number {
    const before = p.mem.p2m[n];
    const f = p.mem.populate(n);
    if (f >= 0 && before !== f) out.push({ kind: 'frame-mapped', guest: guestId(p.mem.id), gpfn: asGpfn(n), frame: asFrame(f) });
    return f;
  }
}

export const createVmwReference = (config: VmwSystemConfig): VmwSystemUnderTest => new VmwReferenceSystem(config);

export const vmwReferenceWithFaults = (faults: readonly VmwFaultName[]) =>
  (config: VmwSystemConfig): VmwSystemUnderTest => new VmwReferenceSystem(config, { faults });
