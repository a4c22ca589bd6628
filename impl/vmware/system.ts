/**
 * The reference VMware system: one host and its frames, and per guest its memory, the host side
 * of its balloon and a Linux-like vmw_balloon driver. Every choice comes in as a command
 * (core/vmware/commands.ts); nothing here reads a clock or draws a random number.
 */
import { forkState, shareOnFork } from '../../core/fork.ts';
import { guestId } from '../../core/index.ts';
import {
  VMW_ERROR_CODES, vmwConfigProblems, type VmwCommand, type VmwEffect, type VmwErrorCode, type VmwGuestObservation,
  type VmwObservation, type VmwStepResult, type VmwSystemConfig,
} from '../../core/vmware/index.ts';
import { GuestMemory } from '../guest-memory.ts';
import { GuestProgram } from '../guest-program.ts';
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
  /** The guest program and its write counter, shared by the guests (impl/guest-program.ts). */
  private readonly program: GuestProgram;

  constructor(readonly config: VmwSystemConfig, options: VmwReferenceOptions = {}) {
    // The configuration and the faults never change: forks share them (core/fork.ts shareOnFork).
    shareOnFork(config);
    const faults = shareOnFork(vmwFaultSet(options.faults));
    const problems = vmwConfigProblems(config);
    if (problems.length > 0) throw new RangeError(`invalid VMware configuration: ${problems.join('; ')}`);
    this.frames = new HostFrames(config.hostFrames, config.reservedFrames);
    this.program = new GuestProgram(this.frames, { backOnAlloc: true });
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
      // The guest program, as every family but virtio and Xen runs it (impl/guest-program.ts).
      case 'alloc': case 'free': case 'write': case 'read': return this.program.apply(mem, c, out);
      case 'hostile': {
        if (!c.req) return 'vmware/no-request';
        host.command(c.req.cmd, c.req.ppns, 'hostile', out);
        return null;
      }
    }
  }
}

export const createVmwReference = (config: VmwSystemConfig): VmwSystemUnderTest => new VmwReferenceSystem(config);

export const vmwReferenceWithFaults = (faults: readonly VmwFaultName[]) =>
  (config: VmwSystemConfig): VmwSystemUnderTest => new VmwReferenceSystem(config, { faults });
