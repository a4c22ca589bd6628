/**
 * Free page hinting (VIRTIO 1.2 5.5.6.5) for the array example, written apart from the reference
 * (impl/virtio/hinting.ts): pages kept by name in a plain array, the device's round as a small
 * record. test/examples/array-impl.test.ts holds every step of it equal to the reference's.
 */
import {
  CMD_ID_BYTES, CMD_ID_DONE, CMD_ID_MIN, CMD_ID_STOP, DROPPED, FREE_FILL, HintPage,
  type HintBuffer, type HintCommand, type HintConfig, type HintEffect, type HintErrorCode, type HintObservation, type HintStepResult,
} from '../../core/virtio/hinting.ts';

type Name = 'free' | 'used' | 'hinted';
const CODE: Record<Name, number> = { free: HintPage.Free, used: HintPage.Used, hinted: HintPage.Hinted };

export class ArrayHinting {
  private readonly pages: Name[];
  private readonly data: number[];
  private queue: HintBuffer[] = [];
  private bufferIds = 0;
  private values = 0xff;
  /** The device: the id it shows, the ids it gave out, where its round is. */
  private shown = CMD_ID_STOP;
  private issued = 0;
  private last = -1;
  private phase: 'idle' | 'requested' | 'start' | 'stop' | 'done' = 'idle';
  private taken: number[] = [];
  private touched: number[] = [];
  /** The driver: the id of the round it opened, and whether that round is open. */
  private opened = -1;
  private open = false;

  constructor(cfg: HintConfig) {
    this.pages = Array.from({ length: cfg.pages }, () => 'free' as Name);
    this.data = Array.from({ length: cfg.pages }, () => FREE_FILL);
  }

  observe(): HintObservation {
    return { cmdId: this.shown, state: this.pages.map((n) => CODE[n]), content: [...this.data], queued: [...this.queue] };
  }

  apply(c: HintCommand): HintStepResult {
    const out: HintEffect[] = [];
    const code = this.run(c, out);
    return code === null ? { outcome: 'accepted', effects: out } : { outcome: 'refused', code, effects: out };
  }

  /** The gpfns named `n`, ascending. */
  private named(n: Name): number[] {
    const xs: number[] = [];
    this.pages.forEach((v, i) => { if (v === n) xs.push(i); });
    return xs;
  }

  private pickOf(n: Name, pick: number): number {
    const xs = this.named(n);
    return xs.length === 0 ? -1 : xs[((pick % xs.length) + xs.length) % xs.length];
  }

  private show(id: number, out: HintEffect[]): void {
    this.shown = id;
    out.push({ kind: 'cmd-id-set', cmdId: id });
  }

  private written(p: number, v: number, out: HintEffect[]): void {
    this.data[p] = v;
    if (!this.touched.includes(p)) this.touched.push(p);
    out.push({ kind: 'wrote', gpfn: p, value: v });
  }

  private run(c: HintCommand, out: HintEffect[]): HintErrorCode | null {
    switch (c.kind) {
      case 'hint-request': {
        this.issued = this.issued === 0 ? CMD_ID_MIN : this.issued >= 0xffffffff ? CMD_ID_MIN : this.issued + 1;
        this.last = this.issued;
        this.phase = 'requested';
        this.taken = [];
        this.touched = [];
        this.show(this.issued, out);
        return null;
      }
      case 'hint-stop':
        if (this.shown < CMD_ID_MIN) return 'hint/no-round';
        this.show(CMD_ID_STOP, out);
        if (this.phase === 'requested' || this.phase === 'start') this.phase = 'stop';
        return null;
      case 'hint-done': {
        if (this.shown === CMD_ID_DONE) return 'hint/already-done';
        if (this.last < 0) return 'hint/no-round';
        for (const p of [...this.taken].sort((a, b) => a - b)) {
          if (this.touched.includes(p)) continue;
          this.data[p] = DROPPED;
          out.push({ kind: 'page-dropped', gpfn: p });
        }
        this.taken = [];
        this.phase = 'done';
        this.show(CMD_ID_DONE, out);
        return null;
      }
      case 'hint-device': {
        const b = this.queue.shift();
        if (!b) return 'hint/queue-empty';
        if (b.kind === 'cmd') {
          if (this.phase === 'requested' && b.cmdId === this.shown) this.phase = 'start';
          else if (this.phase === 'start') this.phase = 'stop';
          out.push({ kind: 'hint-processed', id: b.id, taken: [], ignored: [] });
          return null;
        }
        const take = this.phase === 'start';
        if (take) for (const p of b.gpfns) if (!this.taken.includes(p)) this.taken.push(p);
        out.push({ kind: 'hint-processed', id: b.id, taken: take ? [...b.gpfns] : [], ignored: take ? [] : [...b.gpfns] });
        return null;
      }
      case 'hint-driver': this.driver(c.pages, c.pick, out); return null;
      case 'hint-release': {
        const held = this.named('hinted');
        if (held.length === 0) return 'hint/nothing-hinted';
        const n = Number.isInteger(c.pages) && c.pages >= 1 ? Math.min(c.pages, held.length) : 1;
        const from = ((c.pick % held.length) + held.length) % held.length;
        this.back(Array.from({ length: n }, (_, i) => held[(from + i) % held.length]), out);
        return null;
      }
      case 'alloc': {
        const p = this.pickOf('free', c.pick);
        if (p < 0) return 'guest/no-page';
        this.pages[p] = 'used';
        out.push({ kind: 'allocated', gpfn: p, found: this.data[p] });
        return null;
      }
      case 'free': {
        const p = this.pickOf('used', c.pick);
        if (p < 0) return 'guest/no-page';
        this.written(p, FREE_FILL, out);
        this.pages[p] = 'free';
        out.push({ kind: 'freed', gpfn: p });
        return null;
      }
      case 'write': {
        const p = this.pickOf('used', c.pick);
        if (p < 0) return 'guest/no-page';
        this.values += 1;
        this.written(p, this.values, out);
        return null;
      }
      case 'read': {
        const p = this.pickOf('used', c.pick);
        if (p < 0) return 'guest/no-page';
        out.push({ kind: 'read', gpfn: p, value: this.data[p] });
        return null;
      }
    }
  }

  private post(b: HintBuffer, out: HintEffect[]): void {
    this.queue.push(b);
    out.push({ kind: 'hint-queued', buffer: b });
  }

  private cmd(id: number, out: HintEffect[]): void {
    this.bufferIds += 1;
    this.post({ id: this.bufferIds, kind: 'cmd', cmdId: id, bytes: CMD_ID_BYTES }, out);
  }

  private driver(pages: number, pick: number, out: HintEffect[]): void {
    const id = this.shown;
    const hinted = this.named('hinted');
    if (id === CMD_ID_DONE && hinted.length > 0) { this.back(hinted, out); return; }
    if (this.open && id !== this.opened) { this.open = false; this.cmd(CMD_ID_STOP, out); return; }
    if (id >= CMD_ID_MIN && id !== this.opened) { this.opened = id; this.open = true; this.cmd(id, out); return; }
    if (!this.open) return;
    const free = this.named('free').length;
    if (free === 0) { this.open = false; this.cmd(CMD_ID_STOP, out); return; }
    const n = Number.isInteger(pages) && pages >= 1 ? Math.min(pages, free) : 1;
    const chosen: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = this.pickOf('free', pick);
      this.pages[p] = 'hinted';
      chosen.push(p);
    }
    this.bufferIds += 1;
    this.post({ id: this.bufferIds, kind: 'pages', gpfns: chosen.sort((a, b) => a - b) }, out);
  }

  /** Pages back to the free list through the free path, which fills them. */
  private back(gpfns: number[], out: HintEffect[]): void {
    for (const p of gpfns) {
      this.written(p, FREE_FILL, out);
      this.pages[p] = 'free';
    }
    out.push({ kind: 'hints-returned', gpfns: [...gpfns].sort((a, b) => a - b) });
  }
}
