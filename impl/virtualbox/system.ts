/**
 * The reference VirtualBox system: one host and its frames (frame 0 the shared zero page, a
 * reserved frame), and per guest its memory, the host side of its balloon (VMMDev and PGM) and
 * the Guest Additions' balloon. Every choice comes in as a command
 * (core/virtualbox/commands.ts); nothing here reads a clock or draws a random number.
 */
import { forkState, shareOnFork } from '../../core/fork.ts';
import { guestId } from '../../core/index.ts';
import {
  physChunksOf, VBOX_ERROR_CODES, VBOX_ZERO_FRAME, vboxConfigProblems, type VboxCommand, type VboxEffect, type VboxErrorCode,
  type VboxGuestObservation, type VboxObservation, type VboxStepResult, type VboxSystemConfig,
} from '../../core/virtualbox/index.ts';
import { GuestMemory } from '../guest-memory.ts';
import { GuestProgram } from '../guest-program.ts';
import { HostFrames } from '../host.ts';
import { VboxDriver } from './driver.ts';
import { vboxFaultSet, type VboxFaultName } from './faults.ts';
import { MAX_ARMED, VboxHost } from './host.ts';

/** What a VirtualBox implementation under test offers: the world's SystemUnderTest in VirtualBox's words. */
export interface VboxSystemUnderTest {
  readonly config: VboxSystemConfig;
  apply(command: VboxCommand): VboxStepResult;
  observe(): VboxObservation;
}

interface Parts { mem: GuestMemory; host: VboxHost; drv: VboxDriver; obs: VboxGuestObservation }

export interface VboxReferenceOptions { faults?: readonly VboxFaultName[] }

export class VboxReferenceSystem implements VboxSystemUnderTest {
  readonly frames: HostFrames;
  private readonly parts: Parts[];
  private readonly observation: VboxObservation;
  /** The guest program and its write counter, shared by the guests (impl/guest-program.ts). */
  private readonly program: GuestProgram;

  constructor(readonly config: VboxSystemConfig, options: VboxReferenceOptions = {}) {
    // The configuration and the faults never change: forks share them (core/fork.ts shareOnFork).
    shareOnFork(config);
    const faults = shareOnFork(vboxFaultSet(options.faults));
    const problems = vboxConfigProblems(config);
    if (problems.length > 0) throw new RangeError(`invalid VirtualBox configuration: ${problems.join('; ')}`);
    this.frames = new HostFrames(config.hostFrames, config.reservedFrames);
    this.program = new GuestProgram(this.frames, { backOnAlloc: true });
    this.parts = config.guests.map((g, i) => {
      const mem = new GuestMemory(i, g, this.frames);
      const host = new VboxHost(i, g, mem, config.chunkPages, faults);
      const drv = new VboxDriver(g, config.chunkPages, mem, host, faults);
      const obs: VboxGuestObservation = {
        target: 0, actual: 0, p2m: mem.p2m, dmaView: null, pageState: mem.pageState, hostBallooned: host.held,
        counts: mem.counts, virtualbox: undefined as unknown as VboxGuestObservation['virtualbox'],
      };
      return { mem, host, drv, obs };
    });
    this.observation = { host: this.frames.observe(), guests: this.parts.map((p) => p.obs) };
  }

  /** A copy in the present state that evolves on its own (SystemUnderTest.fork): the state graph copied, no replay. */
  fork(): VboxReferenceSystem { return forkState(this); }

  observe(): VboxObservation {
    this.observation.host.freeFrames = this.frames.freeCount;
    const cp = this.config.chunkPages;
    for (const { host: h, drv: d, obs } of this.parts) {
      obs.target = h.wanted * cp;
      obs.actual = d.chunks.length * cp;
      obs.virtualbox = {
        driver: {
          chunks: d.chunks.length, maxChunks: d.maxChunks, wanted: d.wanted, told: d.told,
          inFlight: d.inFlight ? (d.inFlight.inflate ? 'inflate' : 'deflate') : null, closing: d.closing,
        },
        host: {
          wanted: h.wanted, eventPending: h.eventPending, ballooned: h.ballooned,
          queue: h.queue.map((c) => ({ inflate: c.inflate, pages: c.gpfns.length })), armed: h.armed.length, zeroFrame: VBOX_ZERO_FRAME,
        },
      };
    }
    return this.observation;
  }

  apply(c: VboxCommand): VboxStepResult {
    const p = this.parts[c.guest];
    if (!p) return { outcome: 'refused', code: 'guest/unknown', message: `no guest ${c.guest}`, effects: [] };
    const out: VboxEffect[] = [];
    const code = this.dispatch(c, p, out);
    return code ? { outcome: 'refused', code, message: VBOX_ERROR_CODES[code], effects: out } : { outcome: 'accepted', effects: out };
  }

  private dispatch(c: VboxCommand, p: Parts, out: VboxEffect[]): VboxErrorCode | null {
    const { mem, host, drv } = p;
    const gid = guestId(mem.id);
    const cp = this.config.chunkPages;
    switch (c.kind) {
      case 'set-target': {
        if (!Number.isInteger(c.chunks) || c.chunks < 0) return 'virtualbox/bad-target';
        // The host never asks for more than the guest's RAM; it raises the balloon event.
        host.wanted = Math.min(c.chunks, physChunksOf(this.config.guests[mem.id], cp));
        host.eventPending = true;
        out.push({ kind: 'target-set', guest: gid, requested: c.chunks * cp, target: host.wanted * cp });
        out.push({ kind: 'balloon-event', guest: gid, step: 'raised' });
        return null;
      }
      case 'deliver':
        if (host.eventPending && !drv.told) { drv.told = true; out.push({ kind: 'balloon-event', guest: gid, step: 'delivered' }); }
        return null;
      case 'step': drv.step(out); return null;
      case 'apply': {
        const ch = host.applyNext(out);
        if (!ch) return 'virtualbox/nothing-queued';
        if (ch.origin === 'driver') drv.complete(ch, out);
        return null;
      }
      case 'refuse':
        if (host.armed.length >= MAX_ARMED) return 'virtualbox/armed-full';
        host.armed.push(c.status);
        out.push({ kind: 'armed', guest: gid, status: c.status });
        return null;
      case 'close': drv.close(out); return null;
      // The guest program, as every family but virtio and Xen runs it (impl/guest-program.ts).
      case 'alloc': case 'free': case 'write': case 'read': return this.program.apply(mem, c, out);
      case 'hostile':
        if (!c.req) return 'virtualbox/no-request';
        host.change(c.req, 'hostile', out);
        return null;
    }
  }
}

export const createVboxReference = (config: VboxSystemConfig): VboxSystemUnderTest => new VboxReferenceSystem(config);

export const vboxReferenceWithFaults = (faults: readonly VboxFaultName[]) =>
  (config: VboxSystemConfig): VboxSystemUnderTest => new VboxReferenceSystem(config, { faults });
