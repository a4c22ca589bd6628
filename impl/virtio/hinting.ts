/**
 * The reference free page hinting system (VIRTIO 1.2 5.5.6.5): one guest's driver and its device
 * over a small guest memory, as Linux drivers/virtio/virtio_balloon.c and QEMU
 * hw/virtio/virtio-balloon.c do it. Every choice comes in as a command (core/virtio/hinting.ts);
 * nothing here reads a clock or draws a random number.
 *
 * Device (QEMU): `hint-request` writes a fresh command id, ids only grow (statement 48);
 * `hint-device` serves free_page_vq in order: a command-id buffer equal to the current id moves
 * REQUESTED to START, any other command-id buffer stops a started round, page buffers are taken
 * only in START (statement 49, QEMU get_free_page_hints); `hint-done` drops every
 * taken page the guest has not written since the id was issued (statement 50: QEMU skips them in
 * migration) and then writes DONE, after which it changes nothing (statement 51).
 *
 * Driver (Linux): on a new id it sends the id (send_cmd_id_start), hints free pages while the id
 * stays current (get_free_page_and_send), sends STOP when the id changes or no page is free
 * (send_cmd_id_stop), and on DONE gives every hinted page back through the free path, which fills
 * it (return_free_pages_to_mm; statements 44-46). Its shrinker may give pages back earlier
 * (statement 43), through the same free path (statement 45).
 */
import {
  CMD_ID_BYTES, CMD_ID_DONE, CMD_ID_MIN, CMD_ID_STOP, DROPPED, FREE_FILL, HintPage, hintConfigProblems,
  type HintBuffer, type HintCommand, type HintConfig, type HintEffect, type HintErrorCode, type HintObservation, type HintStepResult, type HintSystem,
} from '../../core/virtio/hinting.ts';

export interface HintFaultInfo { doc: string; reference: string; catches: readonly string[] }

/** Seeded bugs from the history of hinting, each to be found by the general properties. */
export const HINT_FAULTS = {
  'hint-stale-id': {
    doc: 'the device moves to START on a buffer with its round\'s id in any state, not only while REQUESTED: a buffer still on the queue when the host wrote STOP restarts the round, and hints the host no longer asked for are taken',
    reference: 'QEMU "virtio-balloon: Prevent guest from starting a report when we didn\'t request one" (title as the spec review lists it): get_free_page_hints moves to START only from REQUESTED with the current id; VIRTIO 1.2 5.5.6.5.2 statement 49',
    catches: ['hint-chart', 'hint-device-drops', 'hint-data-oracle'],
  },
  'hint-modify-after-done': {
    doc: 'the device drops the skipped pages lazily, at the next round\'s request, after it wrote DONE and the guest took the pages back',
    reference: 'VIRTIO 1.2 5.5.6.5.2 statement 51 (no upstream bug of this shape is known to the project: the fault puts the statement to the test)',
    catches: ['hint-device-drops', 'hint-data-oracle'],
  },
  'hint-release-uninit': {
    doc: 'the driver puts hinted pages back on the free list as they are, without the free path\'s fill, though the device may have dropped them',
    reference: 'VIRTIO 1.2 5.5.6.5.1 statements 44 and 45; Linux return_free_pages_to_mm frees through free_pages, whose poisoning or init_on_free fills the page',
    catches: ['hint-data-oracle'],
  },
  'hint-id-reuse': {
    doc: 'the device asks a new round with the id of the last one while it has not received that round\'s STOP',
    reference: 'VIRTIO 1.2 5.5.6.5.2 statement 48; QEMU virtio_balloon_free_page_start increments free_page_hint_cmd_id on every start (wrapping to CMD_ID_MIN)',
    catches: ['hint-chart'],
  },
  'hint-cmd-twice': {
    doc: 'the driver sends the current command id again before every batch of hints',
    reference: 'VIRTIO 1.2 5.5.6.5.1 statement 39; Linux sends the id once per round (send_cmd_id_start, cmd_id_active)',
    catches: ['hint-chart'],
  },
  'hint-stop-skipped': {
    doc: 'the host can no longer use hints, but the device\'s stop writes STOP only in a started round: a round the driver has not opened yet, or closed itself with a STOP buffer, keeps showing its id',
    reference: 'VIRTIO 1.2 5.5.6.5.2 statement 47; QEMU virtio_balloon_free_page_stop acts from every status but S_STOP, and its config read derives the id from the status, so a round closed by the driver shows STOP too; the fault is a device that keeps the id as a field of its own and writes it only while the guest is hinting',
    catches: ['hint-contract', 'hint-follows-host'],
  },
  'hint-done-skipped': {
    doc: 'the host no longer needs the hinted pages, but the device writes DONE only while a round is asked or started: after a stopped round it drops the pages and leaves the id as it was, so the driver never gives its hinted pages back',
    reference: 'VIRTIO 1.2 5.5.6.5.2 statement 52; QEMU virtio_balloon_free_page_done, called at the end of migration (virtio_balloon_free_page_hint_notify), writes DONE from every status but DONE',
    catches: ['hint-contract', 'hint-follows-host'],
  },
} as const satisfies Record<string, HintFaultInfo>;

export type HintFaultName = keyof typeof HINT_FAULTS;
export const hintFaultNames = Object.keys(HINT_FAULTS) as HintFaultName[];
export type HintFaults = Partial<Record<HintFaultName, boolean>>;

type Status = 'idle' | 'requested' | 'start' | 'stop' | 'done';

/** The i-th (mod n) gpfn in state `s`, ascending, or -1. */
function nth(state: Uint8Array, s: number, pick: number): number {
  let n = 0;
  for (const v of state) if (v === s) n++;
  if (n === 0) return -1;
  let k = ((pick % n) + n) % n;
  for (let i = 0; i < state.length; i++) if (state[i] === s && k-- === 0) return i;
  return -1;
}

export class ReferenceHintSystem implements HintSystem {
  private readonly state: Uint8Array;
  private readonly content: number[];
  private queue: HintBuffer[] = [];
  private nextBuffer = 1;
  private nextValue = 0x100;
  // The device (QEMU).
  private cmdId = CMD_ID_STOP;
  private nextId = CMD_ID_MIN;
  private lastIssued = -1;
  private status: Status = 'idle';
  /** A STOP buffer was served since the last id was issued. */
  private stopSince = true;
  /** Pages taken as hints under the current id. */
  private skip = new Set<number>();
  /** Pages the guest wrote since the current id was issued (KVM's dirty log). */
  private dirty = new Set<number>();
  /** hint-modify-after-done: pages to drop at the next request. */
  private deferred: number[] = [];
  // The driver (Linux).
  private lastStarted = -1;
  private active = false;

  constructor(private readonly cfg: HintConfig, private readonly f: HintFaults = {}) {
    const p = hintConfigProblems(cfg);
    if (p.length > 0) throw new Error(`bad hinting configuration: ${p.join('; ')}`);
    this.state = new Uint8Array(cfg.pages);
    this.content = Array.from({ length: cfg.pages }, () => FREE_FILL);
  }

  /** What the observation does not show, as text: ids given out, the device's round, pages taken and written since the id, the driver's round. */
  hiddenKey(): string {
    return JSON.stringify([this.nextId, this.lastIssued, this.status, this.stopSince, [...this.skip].sort((a, b) => a - b), [...this.dirty].sort((a, b) => a - b), this.deferred, this.lastStarted, this.active]);
  }

  observe(): HintObservation {
    return { cmdId: this.cmdId, state: Array.from(this.state), content: [...this.content], queued: [...this.queue] };
  }

  apply(c: HintCommand): HintStepResult {
    const out: HintEffect[] = [];
    const code = this.run(c, out);
    return code ? { outcome: 'refused', code, effects: out } : { outcome: 'accepted', effects: out };
  }

  private run(c: HintCommand, out: HintEffect[]): HintErrorCode | null {
    switch (c.kind) {
      case 'hint-request': return this.request(out);
      case 'hint-stop':
        if (this.cmdId < CMD_ID_MIN) return 'hint/no-round';
        // hint-stop-skipped: a round not started is left showing its id (statement 47).
        if (!this.f['hint-stop-skipped'] || this.status === 'start') this.setCmdId(CMD_ID_STOP, out);
        if (this.status === 'requested' || this.status === 'start') this.status = 'stop';
        return null;
      case 'hint-done': return this.done(out);
      case 'hint-device': return this.serve(out);
      case 'hint-driver': this.driverStep(c.pages, c.pick, out); return null;
      case 'hint-release': {
        const held = this.count(HintPage.Hinted);
        if (held === 0) return 'hint/nothing-hinted';
        const n = Number.isInteger(c.pages) && c.pages >= 1 ? Math.min(c.pages, held) : 1;
        const held2: number[] = [];
        for (let p = 0; p < this.state.length; p++) if (this.state[p] === HintPage.Hinted) held2.push(p);
        const from = ((c.pick % held) + held) % held;
        this.giveBack(Array.from({ length: n }, (_, i) => held2[(from + i) % held]), out);
        return null;
      }
      case 'alloc': {
        const p = nth(this.state, HintPage.Free, c.pick);
        if (p < 0) return 'guest/no-page';
        this.state[p] = HintPage.Used;
        out.push({ kind: 'allocated', gpfn: p, found: this.content[p] });
        return null;
      }
      case 'free': {
        const p = nth(this.state, HintPage.Used, c.pick);
        if (p < 0) return 'guest/no-page';
        this.fill(p, out);
        this.state[p] = HintPage.Free;
        out.push({ kind: 'freed', gpfn: p });
        return null;
      }
      case 'write': {
        const p = nth(this.state, HintPage.Used, c.pick);
        if (p < 0) return 'guest/no-page';
        const v = this.nextValue++;
        this.content[p] = v;
        this.dirty.add(p);
        out.push({ kind: 'wrote', gpfn: p, value: v });
        return null;
      }
      case 'read': {
        const p = nth(this.state, HintPage.Used, c.pick);
        if (p < 0) return 'guest/no-page';
        out.push({ kind: 'read', gpfn: p, value: this.content[p] });
        return null;
      }
    }
  }

  private count(s: number): number {
    let n = 0;
    for (const v of this.state) if (v === s) n++;
    return n;
  }

  /** The guest's free path: the page is filled (a write the dirty log sees). */
  private fill(p: number, out: HintEffect[]): void {
    this.content[p] = FREE_FILL;
    this.dirty.add(p);
    out.push({ kind: 'wrote', gpfn: p, value: FREE_FILL });
  }

  private setCmdId(id: number, out: HintEffect[]): void {
    this.cmdId = id;
    out.push({ kind: 'cmd-id-set', cmdId: id });
  }

  // ---- device ----

  private request(out: HintEffect[]): null {
    for (const p of this.deferred.splice(0)) this.drop(p, out);
    const reuse = this.f['hint-id-reuse'] && this.lastIssued >= CMD_ID_MIN && !this.stopSince;
    const id = reuse ? this.lastIssued : this.nextId++;
    if (this.nextId > 0xffffffff) this.nextId = CMD_ID_MIN; // QEMU wraps from UINT_MAX to the minimum
    this.lastIssued = id;
    this.stopSince = false;
    this.status = 'requested';
    this.skip.clear();
    this.dirty.clear();
    this.setCmdId(id, out);
    return null;
  }

  private done(out: HintEffect[]): HintErrorCode | null {
    if (this.cmdId === CMD_ID_DONE) return 'hint/already-done';
    if (this.lastIssued < 0) return 'hint/no-round';
    // Statement 50: only pages not written since the id was issued; QEMU never sent them.
    const gone = [...this.skip].filter((p) => !this.dirty.has(p)).sort((a, b) => a - b);
    if (this.f['hint-modify-after-done']) this.deferred.push(...gone);
    else for (const p of gone) this.drop(p, out);
    this.skip.clear();
    // hint-done-skipped: after a stopped round the id is left as it was (statement 52).
    const skipped = this.f['hint-done-skipped'] && this.status !== 'requested' && this.status !== 'start';
    this.status = 'done';
    if (!skipped) this.setCmdId(CMD_ID_DONE, out);
    return null;
  }

  private drop(p: number, out: HintEffect[]): void {
    this.content[p] = DROPPED;
    out.push({ kind: 'page-dropped', gpfn: p });
  }

  private serve(out: HintEffect[]): HintErrorCode | null {
    const b = this.queue.shift();
    if (!b) return 'hint/queue-empty';
    if (b.kind === 'cmd') {
      if (b.cmdId === CMD_ID_STOP) this.stopSince = true;
      // QEMU get_free_page_hints: START only from REQUESTED and with the current id; any other
      // command-id buffer stops a started round, and none other (a stale STOP changes nothing).
      // hint-stale-id: QEMU before the fix, START on the round's id whatever the state.
      const asked = this.f['hint-stale-id'] ? b.cmdId === this.lastIssued : this.status === 'requested' && b.cmdId === this.cmdId;
      if (asked) this.status = 'start';
      else if (this.status === 'start') this.status = 'stop';
      out.push({ kind: 'hint-processed', id: b.id, taken: [], ignored: [] });
      return null;
    }
    const ok = this.status === 'start';
    if (ok) for (const p of b.gpfns) this.skip.add(p);
    out.push({ kind: 'hint-processed', id: b.id, taken: ok ? [...b.gpfns] : [], ignored: ok ? [] : [...b.gpfns] });
    return null;
  }

  // ---- driver ----

  private post(b: HintBuffer, out: HintEffect[]): void {
    this.queue.push(b);
    out.push({ kind: 'hint-queued', buffer: b });
  }

  private sendCmd(id: number, out: HintEffect[]): void {
    this.post({ id: this.nextBuffer++, kind: 'cmd', cmdId: id, bytes: CMD_ID_BYTES }, out);
  }

  private driverStep(pages: number, pick: number, out: HintEffect[]): void {
    const id = this.cmdId;
    // DONE: every hinted page goes back (statement 46; Linux return_free_pages_to_mm).
    if (id === CMD_ID_DONE && this.count(HintPage.Hinted) > 0) {
      const all: number[] = [];
      for (let p = 0; p < this.state.length; p++) if (this.state[p] === HintPage.Hinted) all.push(p);
      this.giveBack(all, out);
      return;
    }
    // The id changed under an open round: close it (statement 41; Linux send_cmd_id_stop).
    if (this.active && id !== this.lastStarted) {
      this.active = false;
      this.sendCmd(CMD_ID_STOP, out);
      return;
    }
    if (id >= CMD_ID_MIN && id !== this.lastStarted) {
      this.lastStarted = id;
      this.active = true;
      this.sendCmd(id, out); // statements 37, 38: the round opens with the current id
      return;
    }
    if (!this.active) return;
    const free = this.count(HintPage.Free);
    if (free === 0) {
      // Statement 42: unable to supply pages, the driver closes the round with STOP.
      this.active = false;
      this.sendCmd(CMD_ID_STOP, out);
      return;
    }
    const n = Number.isInteger(pages) && pages >= 1 ? Math.min(pages, free) : 1;
    const gpfns: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = nth(this.state, HintPage.Free, pick);
      this.state[p] = HintPage.Hinted;
      gpfns.push(p);
    }
    if (this.f['hint-cmd-twice']) this.sendCmd(id, out);
    this.post({ id: this.nextBuffer++, kind: 'pages', gpfns: gpfns.sort((a, b) => a - b) }, out);
  }

  /** Hinted pages back to the allocator through the free path, which fills them (statements 44, 45). */
  private giveBack(gpfns: number[], out: HintEffect[]): void {
    for (const p of gpfns) {
      if (!this.f['hint-release-uninit']) this.fill(p, out);
      this.state[p] = HintPage.Free;
    }
    out.push({ kind: 'hints-returned', gpfns: [...gpfns].sort((a, b) => a - b) });
  }
}
