// Client for the guest's command channel (ttyS1, see guest-init.sh): one shell line in, its
// output, then `@@END <rc>`. Commands run one at a time. A timeout leaves the guest's shell in an
// unknown place, so the next command first resynchronises with a unique `@@SYNC` marker.
import { connect, type Socket } from 'node:net';

export type ChannelResult =
  | { readonly kind: 'ok'; readonly output: string; readonly rc: number; readonly ms: number }
  /** No `@@END` in time: the guest hangs, or the command does. `partial` is what came. */
  | { readonly kind: 'timeout'; readonly partial: string; readonly ms: number }
  /** The socket closed (QEMU gone) or the channel restarted (its shell was killed). */
  | { readonly kind: 'dead'; readonly reason: string; readonly partial: string };

const END = /^@@END (-?\d+)\r?\n/m;
const READY = /^@@READY [\d.]+\r?\n/m;

export class GuestChannel {
  private buf = '';
  private closed = false;
  private waiter: (() => void) | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private desynced = false;
  private syncSeq = 0;

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => { this.buf += d; this.wake(); });
    const done = (): void => { this.closed = true; this.wake(); };
    sock.on('close', done);
    sock.on('error', done);
  }

  /** Connects to QEMU's server socket. Connect before the guest boots: output sent while no
   * client is connected is dropped by QEMU, including `@@READY`. */
  static async connect(path: string, timeoutMs = 5_000): Promise<GuestChannel | null> {
    const sock = await new Promise<Socket | null>((res) => {
      const s = connect(path);
      const t = setTimeout(() => { s.destroy(); res(null); }, timeoutMs);
      s.once('connect', () => { clearTimeout(t); res(s); });
      s.once('error', () => { clearTimeout(t); res(null); });
    });
    return sock === null ? null : new GuestChannel(sock);
  }

  /** Waits for the guest's `@@READY` line (boot finished, channel listening). */
  async waitReady(timeoutMs: number): Promise<boolean> {
    const ok = await this.waitFor(() => READY.test(this.buf), timeoutMs);
    if (ok) this.buf = this.buf.slice(this.buf.search(READY)).replace(READY, '');
    return ok;
  }

  /** Runs one shell line in the guest. Never throws; never waits longer than `timeoutMs`. */
  run(line: string, timeoutMs = 10_000): Promise<ChannelResult> {
    if (line.includes('\n')) throw new TypeError('channel: one line only (no newline in the command)');
    const next = this.queue.then(() => this.runNow(line, timeoutMs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.sock.destroy();
    this.closed = true;
    this.wake();
  }

  private async runNow(line: string, timeoutMs: number): Promise<ChannelResult> {
    const t0 = Date.now();
    if (this.desynced) {
      const marker = `@@SYNC ${++this.syncSeq}`;
      this.buf = '';
      this.sock.write(`echo '${marker}'\n`);
      // The marker's own @@END follows it; whatever came before it belongs to the lost command.
      const found = await this.waitFor(() => END.test(this.afterMarker(marker)), timeoutMs);
      if (!found) return this.failure('', t0);
      const rest = this.afterMarker(marker);
      const m = END.exec(rest) as RegExpExecArray;
      this.buf = rest.slice(m.index + m[0].length);
      this.desynced = false;
    }
    if (this.closed) return { kind: 'dead', reason: 'channel socket closed', partial: '' };
    this.sock.write(`${line}\n`);
    const left = Math.max(1, timeoutMs - (Date.now() - t0));
    const got = await this.waitFor(() => END.test(this.buf) || READY.test(this.buf), left);
    if (!got) return this.failure(this.buf, t0);
    const ready = READY.exec(this.buf);
    const end = END.exec(this.buf);
    if (ready !== null && (end === null || ready.index < end.index)) {
      const partial = this.buf.slice(0, ready.index);
      this.buf = this.buf.slice(ready.index + ready[0].length);
      return { kind: 'dead', reason: 'guest channel restarted (its shell was killed)', partial };
    }
    const m = end as RegExpExecArray;
    const output = this.buf.slice(0, m.index);
    this.buf = this.buf.slice(m.index + m[0].length);
    return { kind: 'ok', output, rc: Number(m[1]), ms: Date.now() - t0 };
  }

  private afterMarker(marker: string): string {
    const i = this.buf.indexOf(`${marker}\n`);
    return i < 0 ? '' : this.buf.slice(i + marker.length + 1);
  }

  private failure(partial: string, t0: number): ChannelResult {
    if (this.closed) return { kind: 'dead', reason: 'channel socket closed', partial };
    this.desynced = true;
    return { kind: 'timeout', partial, ms: Date.now() - t0 };
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private async waitFor(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (this.closed) return pred();
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((res) => {
        const t = setTimeout(() => { this.waiter = null; res(); }, left);
        this.waiter = () => { clearTimeout(t); res(); };
      });
    }
    return true;
  }
}
