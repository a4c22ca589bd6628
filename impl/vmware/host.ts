/**
 * The host side of one guest's balloon, after what the Linux driver expects of ESXi
 * (vmw_balloon.c vmballoon_cmd and the statuses it handles): the capabilities granted at START,
 * the set of locked pages, a status per entry of a page command, a target on every successful
 * reply that carries one, and RESET after the host forgot the balloon. A locked page is not
 * backed: its frame goes back to the host when it is locked, and a touch after UNLOCK backs it
 * afresh (lazily, as the shared guest memory does).
 */
import { fillGpfns, gpfnArray, type GpfnArray } from '../../core/index.ts';
import { frame as asFrame, gpfn as asGpfn, guestId, isRam } from '../../core/index.ts';
import {
  gpfnOfPpn,
  PAGE_CMDS, type VmwCaps, type VmwCmd, type VmwEffect, type VmwGuestConfig, type VmwRefusal, type VmwStatus,
} from '../../core/vmware/index.ts';
import type { GuestMemory } from '../guest-memory.ts';

export interface VmwReply { status: VmwStatus; entries: VmwStatus[]; target: number | null }

/** Commands whose successful reply carries the target (VMW_BALLOON_CMD_WITH_TARGET_MASK). */
const WITH_TARGET: ReadonlySet<VmwCmd> = new Set<VmwCmd>(['get-target', 'lock', 'unlock', 'batched-lock', 'batched-unlock', 'batched-2m-lock', 'batched-2m-unlock']);

export class VmwHost {
  target = 0;
  caps: VmwCaps | null = null;
  /** The host forgot the balloon: RESET to everything but START. */
  forgot = false;
  doorbell = false;
  guestIdKnown = false;
  locked = 0;
  /** Per gpfn, 1 when the host holds it locked. */
  readonly held: GpfnArray;
  readonly armed: { status: VmwRefusal; entries: number }[] = [];
  /** Commands still to answer normally before one is answered busy; -1 when none is due. */
  busyIn = -1;

  constructor(readonly id: number, readonly cfg: VmwGuestConfig, readonly mem: GuestMemory, readonly largeGpfns: number) {
    this.held = gpfnArray(Uint8Array, mem.space);
  }

  /** The host forgets the balloon (a resumed or migrated VM): nothing locked, RESET until START. */
  forget(out: VmwEffect[]): void {
    out.push({ kind: 'host-forgot', guest: guestId(this.id), pages: this.locked });
    fillGpfns(this.held, 0);
    this.locked = 0;
    this.forgot = true;
    this.caps = null;
    this.doorbell = false;
    this.guestIdKnown = false;
  }

  /**
   * One backdoor command. `ppns`: the entries as the guest put them; a non-batched command
   * carries its one page number in a 32-bit register, so the host sees only the low 32 bits.
   * `arg`: START's capabilities asked, DOORBELL_SET's set (1) or unset (0).
   */
  command(cmd: VmwCmd, ppns: readonly number[], origin: 'driver' | 'hostile' | 'migrate', out: VmwEffect[], arg = 0): VmwReply {
    const r = this.answer(cmd, ppns, arg, out);
    const pc = PAGE_CMDS[cmd];
    out.push({
      kind: 'backdoor', guest: guestId(this.id), cmd, origin, ppns: [...ppns], pageGpfns: pc?.large ? this.largeGpfns : 1,
      status: r.status, entries: r.entries, target: r.target, ...(cmd === 'doorbell-set' ? { set: arg !== 0 } : {}),
    });
    return r;
  }

  private answer(cmd: VmwCmd, ppns: readonly number[], arg: number, out: VmwEffect[]): VmwReply {
    const none = (status: VmwStatus): VmwReply => ({ status, entries: ppns.map(() => status), target: null });
    // A forgotten balloon is answered RESET before anything else; only START is heard.
    if (cmd !== 'start' && (this.forgot || this.caps === null)) return none('reset');
    if (this.busyIn === 0) { this.busyIn = -1; return none('busy'); }
    if (this.busyIn > 0) this.busyIn--;
    if (cmd === 'start') {
      // A new session: the host holds nothing locked and grants what it grants.
      fillGpfns(this.held, 0);
      this.locked = 0;
      this.forgot = false;
      this.doorbell = false;
      this.guestIdKnown = false;
      this.caps = arg === 0 ? { batched: false, large: false, doorbell: false, target64: false } : { ...this.cfg.caps };
      const any = this.caps.batched || this.caps.large || this.caps.doorbell || this.caps.target64;
      return { status: any ? 'success-with-caps' : 'success', entries: [], target: null };
    }
    const caps = this.caps!;
    const pc = PAGE_CMDS[cmd];
    if (!pc) {
      switch (cmd) {
        case 'get-target': return { status: 'success', entries: [], target: this.target };
        case 'guest-id': this.guestIdKnown = true; return { status: 'success', entries: [], target: null };
        case 'doorbell-set':
          if (!caps.doorbell) return none('cmd-invalid');
          this.doorbell = arg !== 0;
          return { status: 'success', entries: [], target: null };
        default: return none('cmd-invalid');
      }
    }
    if (pc.batched && !caps.batched) return none('cmd-invalid');
    if (pc.large && !(caps.batched && caps.large)) return none('cmd-invalid');
    if (!pc.batched && ppns.length !== 1) return none('cmd-invalid');
    const size = pc.large ? this.largeGpfns : 1;
    const entries = ppns.map((p) => this.entry(pc.batched ? p : p % 2 ** 32, size, pc.lock, out));
    const status = pc.batched ? 'success' : entries[0];
    return { status, entries, target: status === 'success' && WITH_TARGET.has(cmd) ? this.target : null };
  }

  /** One entry of a page command: its status, and the lock or unlock done when it succeeds. */
  private entry(ppn: number, size: number, lock: boolean, out: VmwEffect[]): VmwStatus {
    const n = gpfnOfPpn(this.cfg, ppn);
    if (!Number.isInteger(n) || n < 0 || n % size !== 0) return 'ppn-invalid';
    for (let x = n; x < n + size; x++) if (!isRam(this.cfg, x)) return 'ppn-invalid';
    for (let x = n; x < n + size; x++) {
      if (lock && this.held[x]) return 'ppn-locked';
      if (!lock && !this.held[x]) return 'ppn-unlocked';
    }
    const a = this.armed[0];
    if (a) {
      if (--a.entries <= 0) this.armed.shift();
      return a.status === 'pinned' ? 'ppn-pinned' : 'ppn-not-needed';
    }
    const gid = guestId(this.id);
    for (let x = n; x < n + size; x++) {
      this.held[x] = lock ? 1 : 0;
      if (!lock) continue;
      const f = this.mem.unback(x);
      if (f >= 0) out.push({ kind: 'frame-released', guest: gid, gpfn: asGpfn(x), frame: asFrame(f) });
    }
    this.locked += lock ? size : -size;
    return 'success';
  }
}
