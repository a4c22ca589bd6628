/**
 * The reference Hyper-V system: host frames, and per guest its memory, the guest's driver
 * (driver.ts), the host's side of the channel (host-side.ts) and the channel's two queues. Every
 * choice comes in as a command (core/hyperv/commands.ts); nothing here reads a clock or draws a
 * random number.
 */
import { forkState, shareOnFork } from '../../core/fork.ts';
import { guestId, isRam } from '../../core/index.ts';
import {
  HV_ERROR_CODES, hvConfigProblems, inHotAdd, type HvCommand, type HvEffect, type HvErrorCode, type HvGuestObservation,
  type HvMessage, type HvObservation, type HvStepResult, type HvSystemConfig,
} from '../../core/hyperv/index.ts';
import { GuestMemory } from '../guest-memory.ts';
import { GuestProgram } from '../guest-program.ts';
import { HostFrames } from '../host.ts';
import { HvDriver } from './driver.ts';
import { hvFaultSet, type HvFaultName } from './faults.ts';
import { HvHostSide } from './host-side.ts';

export interface HvSystemUnderTest {
  readonly config: HvSystemConfig;
  apply(command: HvCommand): HvStepResult;
  observe(): HvObservation;
}

interface Parts { mem: GuestMemory; driver: HvDriver; host: HvHostSide; toGuest: HvMessage[]; toHost: HvMessage[]; obs: HvGuestObservation }

export interface HvReferenceOptions { faults?: readonly HvFaultName[] }

export class HvReferenceSystem implements HvSystemUnderTest {
  readonly host: HostFrames;
  private readonly parts: Parts[];
  private readonly observation: HvObservation;
  /** The guest program and its write counter, shared by the guests (impl/guest-program.ts). */
  private readonly program: GuestProgram;

  constructor(readonly config: HvSystemConfig, options: HvReferenceOptions = {}) {
    // The configuration and the faults never change: forks share them (core/fork.ts shareOnFork).
    shareOnFork(config);
    const faults = shareOnFork(hvFaultSet(options.faults));
    const problems = hvConfigProblems(config);
    if (problems.length > 0) throw new RangeError(`invalid Hyper-V configuration: ${problems.join('; ')}`);
    this.host = new HostFrames(config.hostFrames, config.reservedFrames);
    this.program = new GuestProgram(this.host, { backOnAlloc: false });
    this.parts = config.guests.map((g, i) => {
      const mem = new GuestMemory(i, g, this.host);
      // Boot: all RAM is backed but the hot-add region.
      for (let n = 0; n < mem.space; n++) if (isRam(g, n) && !inHotAdd(g, n)) mem.populate(n);
      const toGuest: HvMessage[] = [];
      const toHost: HvMessage[] = [];
      const driver = new HvDriver(i, g, config, mem, faults, toHost);
      const host = new HvHostSide(i, config, mem, toGuest, toHost);
      driver.start([]);
      const obs = {
        target: 0, actual: 0, p2m: mem.p2m, dmaView: null, pageState: mem.pageState, hostBallooned: host.held, counts: mem.counts,
        hv: undefined as unknown as HvGuestObservation['hv'],
      };
      return { mem, driver, host, toGuest, toHost, obs };
    });
    this.observation = { host: this.host.observe(), guests: this.parts.map((p) => p.obs) };
  }

  /** A copy in the present state that evolves on its own (SystemUnderTest.fork): the state graph copied, no replay. */
  fork(): HvReferenceSystem { return forkState(this); }

  observe(): HvObservation {
    this.observation.host.freeFrames = this.host.freeCount;
    for (const { driver: d, host: h, toGuest, toHost, obs } of this.parts) {
      obs.target = h.target;
      obs.actual = h.ballooned;
      obs.hv = {
        phase: d.phase, version: d.version, balloonCap: d.balloonCap, ballooned: d.ballooned, added: d.added, onlined: d.onlined,
        unballoonTrans: d.unballoonTrans, hotAdd: { start: d.cfg.hotAddStart, pages: d.cfg.hotAddPages },
        host: { ready: h.ready, outstanding: h.outstanding && { ...h.outstanding }, added: h.added, lastCommitted: h.lastCommitted, reports: h.reports, stalled: h.stalledFree !== null },
        toGuest: [...toGuest], toHost: [...toHost],
      };
    }
    return this.observation;
  }

  apply(c: HvCommand): HvStepResult {
    const p = this.parts[c.guest];
    if (!p) return { outcome: 'refused', code: 'guest/unknown', message: `no guest ${c.guest}`, effects: [] };
    const out: HvEffect[] = [];
    const code = this.dispatch(c, p, out);
    return code ? { outcome: 'refused', code, message: HV_ERROR_CODES[code], effects: out } : { outcome: 'accepted', effects: out };
  }

  private dispatch(c: HvCommand, p: Parts, out: HvEffect[]): HvErrorCode | null {
    const { mem, driver, host } = p;
    const gid = guestId(c.guest);
    switch (c.kind) {
      case 'set-target': {
        if (!Number.isInteger(c.pages) || c.pages < 0) return 'hv/bad-target';
        host.setTarget(Math.min(c.pages, mem.cfg.ramPages));
        out.push({ kind: 'target-set', guest: gid, requested: c.pages, target: host.target });
        return null;
      }
      case 'host-send': {
        const parts = c.parts ?? 1;
        // By default the host names ranges no longer than the guest's big unit (as it received them).
        const span = c.span ?? this.config.allocUnit;
        if (!Number.isInteger(parts) || parts < 1 || !Number.isInteger(span) || span < 1) return 'hv/bad-size';
        return host.send(parts, span, out);
      }
      case 'host-recv': {
        const m = p.toHost.shift();
        if (!m) return 'hv/no-message';
        const why = host.handle(m, !!c.reject, out);
        out.push({ kind: 'hv-handled', guest: gid, by: 'host', msg: m, refused: why, hostile: false });
        return null;
      }
      case 'guest': {
        const m = p.toGuest.shift();
        if (!m) return 'hv/no-message';
        const why = driver.handle(m, !!c.fail, out);
        out.push({ kind: 'hv-handled', guest: gid, by: 'guest', msg: m, refused: why, hostile: false });
        return null;
      }
      case 'status': return driver.status(out);
      case 'hot-add': return host.hotAdd(c.pick, c.pages, out);
      case 'offline': return driver.offline(out);
      // The guest program, as every family but virtio and Xen runs it (impl/guest-program.ts): a
      // guest's RAM is backed from the start, so an allocation finds its pages backed.
      case 'alloc': case 'free': case 'write': case 'read': return this.program.apply(mem, c, out);
      case 'hostile': {
        if (!c.msg) return 'hv/no-request';
        const why = driver.handle(c.msg, false, out);
        out.push({ kind: 'hv-handled', guest: gid, by: 'guest', msg: c.msg, refused: why, hostile: true });
        return null;
      }
    }
  }
}

export const createHvReference = (config: HvSystemConfig): HvSystemUnderTest => new HvReferenceSystem(config);

export const hvReferenceWithFaults = (faults: readonly HvFaultName[]) =>
  (config: HvSystemConfig): HvSystemUnderTest => new HvReferenceSystem(config, { faults });
