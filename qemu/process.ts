// The lifetime of one QEMU process, shared by the virtio guest (qemu/vm.ts) and the Xen machine
// (qemu/xen/vm.ts): spawn under a CPU-seconds rlimit, register with qemu/cleanup.ts, a wall-clock
// limit that SIGKILLs, and stop() that ends it by its pid (after a polite quit where the subclass
// has one) and removes its temp dir. Every exit path ends QEMU by its pid: stop(), the wall-clock
// limit, cleanup.ts on process exit/SIGINT/SIGTERM, and the rlimit even if this Node process is
// itself SIGKILLed and no handler runs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { trackVm, untrackVm } from './cleanup.ts';
import { VmError, type VmErrorCode } from './errors.ts';

export interface VmExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Why it ended, when we ended it. */
  readonly cause: 'stopped' | 'hard-limit' | 'killed' | 'by-itself';
}

/** Is util-linux's prlimit there (the CPU-seconds backstop)? */
export function hasPrlimit(): boolean {
  return spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

/** The last `lines` lines of a file ('' when it cannot be read). */
export function tailOf(path: string, lines: number): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n').trim();
  } catch {
    return '';
  }
}

/** A QEMU process just spawned, not yet wrapped: what start() needs until its machine is up. */
export interface Launch {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly tmpDir: string;
  readonly consolePath: string;
  readonly exited: Promise<VmExit>;
  /** The exit, once QEMU has exited (during start-up: it died). */
  exitedNow(): VmExit | null;
  /** Kills QEMU, removes its temp dir and throws a VmError with the console's tail and QEMU's stderr. */
  fail(code: VmErrorCode, msg: string): never;
  /** Waits until every path exists (QEMU's sockets), or fails after 10 s or when QEMU exits. */
  waitFor(paths: readonly string[], what: string): Promise<void>;
}

/**
 * Spawns `bin qemuArgs` (under prlimit when present) whose temp dir `tmpDir` the caller made.
 * @example const l = await launchQemu({ qemuArgs, tmpDir, consolePath, hardLimitMs: 600_000 }); await l.waitFor([qmpPath], 'QMP socket');
 */
export async function launchQemu(o: { bin?: string; qemuArgs: readonly string[]; tmpDir: string; consolePath: string; hardLimitMs: number }): Promise<Launch> {
  const bin = o.bin ?? 'qemu-system-x86_64';
  // CPU-seconds backstop (TCG may use a bit more than one core: allow twice the wall limit).
  const cpuLimit = Math.ceil((2 * o.hardLimitMs) / 1000) + 30;
  const [cmd, args] = hasPrlimit() ? ['prlimit', [`--cpu=${cpuLimit}:${cpuLimit + 5}`, bin, ...o.qemuArgs]] : [bin, [...o.qemuArgs]];
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => { stderr = (stderr + d).slice(-4000); });
  const spawnError = new Promise<Error>((res) => child.once('error', res));
  if (child.pid === undefined) {
    rmSync(o.tmpDir, { recursive: true, force: true });
    throw new VmError('qemu/spawn-failed', `${bin}: ${String(await spawnError)}`);
  }
  const pid = child.pid;
  trackVm(pid, o.tmpDir);
  let exitedNow: VmExit | null = null;
  const exited = new Promise<VmExit>((res) => {
    child.once('exit', (code, signal) => { exitedNow = { code, signal, cause: 'by-itself' }; res(exitedNow); });
  });
  const fail = (code: VmErrorCode, msg: string): never => {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    untrackVm(pid);
    const tail = tailOf(o.consolePath, 30);
    rmSync(o.tmpDir, { recursive: true, force: true });
    throw new VmError(code, `${msg}${stderr ? ` (stderr: ${stderr.trim().split('\n').slice(-3).join(' | ')})` : ''}`, tail);
  };
  return {
    child, pid, tmpDir: o.tmpDir, consolePath: o.consolePath, exited, fail,
    exitedNow: () => exitedNow,
    async waitFor(paths, what) {
      // The sockets appear once QEMU has parsed its arguments; connect before the guest boots.
      const t0 = Date.now();
      while (!paths.every((p) => existsSync(p))) {
        if (exitedNow !== null) fail('qemu/exited', 'QEMU exited during startup');
        if (Date.now() - t0 > 10_000) fail('qemu/spawn-failed', `${what} did not appear in 10 s`);
        await sleep(20);
      }
    },
  };
}

/** A running QEMU process: alive, how it ended, its console, and the ways to end it. */
export abstract class QemuProcess {
  readonly pid: number;
  readonly tmpDir: string;
  readonly consolePath: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<VmExit>;
  private exitInfo: VmExit | null = null;
  private cause: VmExit['cause'] = 'by-itself';
  private hardTimer: NodeJS.Timeout | null = null;

  protected constructor(launch: Launch) {
    this.child = launch.child;
    this.pid = launch.pid;
    this.tmpDir = launch.tmpDir;
    this.consolePath = launch.consolePath;
    this.exited = launch.exited;
  }

  /** Starts the wall-clock limit: SIGKILL when it fires. */
  protected armHardLimit(ms: number): void {
    this.hardTimer = setTimeout(() => { this.cause = 'hard-limit'; this.killNow(); }, ms);
    this.hardTimer.unref();
  }

  /** Waits for the machine's own readiness, or for QEMU to exit (false). */
  protected async readyOrExit(ready: Promise<boolean>): Promise<boolean> {
    return Promise.race([ready, this.exited.then(() => false)]);
  }

  /** Start-up failed after the instance existed: close its links, stop the limit, then `launch.fail`. */
  protected abortStart(launch: Launch, code: VmErrorCode, msg: string): never {
    this.closeLinks();
    if (this.hardTimer !== null) clearTimeout(this.hardTimer);
    return launch.fail(code, msg);
  }

  /** Asks QEMU to quit on its own; true if asked (stop() then waits 2 s before SIGKILL). */
  protected abstract quitPolitely(): Promise<boolean>;
  /** Closes the sockets to QEMU (QMP, the command channel). */
  protected abstract closeLinks(): void;

  /** True while the QEMU process runs. */
  get alive(): boolean {
    return this.exitInfo === null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** How QEMU ended, once it has; null while it runs. */
  async exitStatus(waitMs = 0): Promise<VmExit | null> {
    if (!this.alive || waitMs > 0) {
      const e = await Promise.race([this.exited, sleep(waitMs).then(() => null)]);
      if (e !== null) this.exitInfo = { ...e, cause: this.cause };
    }
    return this.exitInfo;
  }

  /** The last `lines` lines of the serial console (kernel messages: panics, OOM kills, out of puff). */
  consoleTail(lines = 40): string {
    return tailOf(this.consolePath, lines);
  }

  /** Sends SIGKILL now (synchronous; used by the hard limit and by tests forcing failures). */
  killNow(): void {
    if (this.cause === 'by-itself') this.cause = 'killed';
    try { process.kill(this.pid, 'SIGKILL'); } catch { /* already gone */ }
  }

  /** Ends QEMU (a polite quit where there is one, then SIGKILL), waits for the pid, removes the temp dir. */
  async stop(): Promise<VmExit> {
    if (this.cause === 'by-itself' && this.alive) this.cause = 'stopped';
    if (this.hardTimer !== null) clearTimeout(this.hardTimer);
    let e: VmExit | null = null;
    if (this.alive && (await this.quitPolitely())) e = await Promise.race([this.exited, sleep(2_000).then(() => null)]);
    if (e === null) {
      if (this.alive) this.killNow();
      e = await Promise.race([this.exited, sleep(5_000).then(() => null)]);
    }
    this.closeLinks();
    untrackVm(this.pid);
    rmSync(this.tmpDir, { recursive: true, force: true });
    this.exitInfo = e === null ? { code: null, signal: 'SIGKILL', cause: this.cause } : { ...e, cause: this.cause };
    return this.exitInfo;
  }
}
