// A small QMP client over a unix socket (node:net only). QEMU's refusals are expected outcomes
// in this testbed (value 0 is refused, no device gives DeviceNotActive), so every command
// returns a QmpResult instead of throwing; only a lost connection or a timeout is a failure kind.
import { connect, type Socket } from 'node:net';

export type QmpFailure =
  | { readonly kind: 'qmp-error'; readonly errorClass: string; readonly desc: string }
  | { readonly kind: 'timeout'; readonly command: string; readonly ms: number }
  | { readonly kind: 'closed'; readonly command: string };

export type QmpResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: QmpFailure };

export interface QmpEvent {
  readonly event: string;
  readonly data: unknown;
  readonly atMs: number;
}

interface Pending {
  readonly command: string;
  readonly resolve: (r: QmpResult<unknown>) => void;
  readonly timer: NodeJS.Timeout;
}

/** Guest statistics as QEMU returns them from `qom-get guest-stats` (values -1 = not reported). */
export interface GuestStats {
  readonly stats: Record<string, number>;
  readonly lastUpdate: number;
}

export class QmpClient {
  /** Every asynchronous event seen (BALLOON_CHANGE is throttled to 1/s by QEMU: poll instead). */
  readonly events: QmpEvent[] = [];
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private closed = false;

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => this.onData(d));
    sock.on('close', () => this.onClose());
    sock.on('error', () => this.onClose());
  }

  /** Connects, reads the greeting and leaves capabilities negotiation mode. */
  static async connect(path: string, timeoutMs = 5_000): Promise<QmpResult<QmpClient>> {
    const sock = await new Promise<Socket | null>((res) => {
      const s = connect(path);
      const t = setTimeout(() => { s.destroy(); res(null); }, timeoutMs);
      s.once('connect', () => { clearTimeout(t); res(s); });
      s.once('error', () => { clearTimeout(t); res(null); });
    });
    if (sock === null) return { ok: false, error: { kind: 'closed', command: 'connect' } };
    const client = new QmpClient(sock);
    const caps = await client.execute('qmp_capabilities', undefined, timeoutMs);
    if (!caps.ok) { client.close(); return caps; }
    return { ok: true, value: client };
  }

  /** Runs one command; the id ties the answer to it even when events interleave. */
  execute(command: string, args?: Record<string, unknown>, timeoutMs = 5_000): Promise<QmpResult<unknown>> {
    if (this.closed) return Promise.resolve({ ok: false, error: { kind: 'closed', command } });
    const id = `c${this.nextId++}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: { kind: 'timeout', command, ms: timeoutMs } });
      }, timeoutMs);
      this.pending.set(id, { command, resolve, timer });
      const msg = args === undefined ? { execute: command, id } : { execute: command, arguments: args, id };
      this.sock.write(`${JSON.stringify(msg)}\n`);
    });
  }

  /** Sets the balloon target: the VM's logical size in bytes (QEMU refuses 0, clamps > RAM). */
  async balloon(bytes: number, timeoutMs?: number): Promise<QmpResult<void>> {
    const r = await this.execute('balloon', { value: bytes }, timeoutMs);
    return r.ok ? { ok: true, value: undefined } : r;
  }

  /** `actual` in bytes as QEMU reports it: RAM minus the balloon, not the balloon's size. */
  async queryBalloon(timeoutMs?: number): Promise<QmpResult<number>> {
    const r = await this.execute('query-balloon', undefined, timeoutMs);
    if (!r.ok) return r;
    const actual = (r.value as { actual?: unknown }).actual;
    if (typeof actual !== 'number') {
      return { ok: false, error: { kind: 'qmp-error', errorClass: 'BadReply', desc: JSON.stringify(r.value) } };
    }
    return { ok: true, value: actual };
  }

  /** Asks the guest driver to send statistics every `seconds` (0 turns polling off). */
  async setStatsInterval(seconds: number, path = '/machine/peripheral/balloon0'): Promise<QmpResult<void>> {
    const r = await this.execute('qom-set', { path, property: 'guest-stats-polling-interval', value: seconds });
    return r.ok ? { ok: true, value: undefined } : r;
  }

  async guestStats(path = '/machine/peripheral/balloon0'): Promise<QmpResult<GuestStats>> {
    const r = await this.execute('qom-get', { path, property: 'guest-stats' });
    if (!r.ok) return r;
    const v = r.value as { stats?: Record<string, number>; 'last-update'?: number };
    return { ok: true, value: { stats: v.stats ?? {}, lastUpdate: v['last-update'] ?? 0 } };
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.sock.destroy();
    this.onClose();
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line !== '') this.onMessage(line);
    }
  }

  private onMessage(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // QEMU only sends JSON; a torn line is not ours to interpret
    }
    if (typeof msg.event === 'string') {
      this.events.push({ event: msg.event, data: msg.data, atMs: Date.now() });
      return;
    }
    const id = typeof msg.id === 'string' ? msg.id : undefined;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (p === undefined || id === undefined) return; // greeting, or an answer after its timeout
    this.pending.delete(id);
    clearTimeout(p.timer);
    if ('error' in msg) {
      const e = msg.error as { class?: string; desc?: string };
      p.resolve({ ok: false, error: { kind: 'qmp-error', errorClass: e.class ?? 'Unknown', desc: e.desc ?? '' } });
    } else {
      p.resolve({ ok: true, value: msg.return });
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, error: { kind: 'closed', command: p.command } });
    }
    this.pending.clear();
  }
}
