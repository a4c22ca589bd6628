// One QEMU/TCG guest with a virtio-balloon device: start, talk to (QMP + command channel), stop.
// Every exit path ends QEMU by its pid: stop() quits politely then SIGKILLs, a wall-clock limit
// SIGKILLs, cleanup.ts SIGKILLs on process exit/SIGINT/SIGTERM, and a CPU-time rlimit (prlimit)
// ends it even if this Node process is itself SIGKILLed and no handler runs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestChannel } from './channel.ts';
import { trackVm, untrackVm } from './cleanup.ts';
import { VmError } from './errors.ts';
import { guestStatus, type GuestFiles } from './paths.ts';
import { QmpClient } from './qmp.ts';

export interface VmOptions {
  /** Guest RAM in MiB (default 512). */
  readonly memMiB?: number;
  /** virtio-balloon's deflate-on-oom property (VIRTIO_BALLOON_F_DEFLATE_ON_OOM). */
  readonly deflateOnOom?: boolean;
  /** virtio-balloon's free-page-reporting property (VIRTIO_BALLOON_F_REPORTING). */
  readonly freePageReporting?: boolean;
  /** Leave the balloon device out (to observe DeviceNotActive). */
  readonly noBalloon?: boolean;
  /** Wall-clock limit for the VM's whole life; SIGKILL when it fires (default 10 min). */
  readonly hardLimitMs?: number;
  readonly bootTimeoutMs?: number;
  readonly files?: GuestFiles;
  readonly qemuBinary?: string;
}

export interface VmExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Why it ended, when we ended it. */
  readonly cause: 'stopped' | 'hard-limit' | 'killed' | 'by-itself';
}

/** Is util-linux's prlimit there (the CPU-seconds backstop)? Shared with qemu/xen/vm.ts. */
export function hasPrlimit(): boolean {
  return spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;
}

export class Vm {
  readonly ramBytes: number;
  readonly deflateOnOom: boolean;
  private exitInfo: VmExit | null = null;
  private cause: VmExit['cause'] = 'by-itself';
  private readonly exited: Promise<VmExit>;
  private hardTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly tmpDir: string,
    readonly consolePath: string,
    readonly qmp: QmpClient,
    readonly channel: GuestChannel,
    opts: VmOptions,
    exited: Promise<VmExit>,
  ) {
    this.ramBytes = (opts.memMiB ?? 512) * 1024 * 1024;
    this.deflateOnOom = opts.deflateOnOom ?? false;
    this.exited = exited;
  }

  /**
   * Boots a guest and returns once its command channel answered.
   * @example const vm = await Vm.start({ deflateOnOom: true }); try { ... } finally { await vm.stop(); }
   */
  static async start(opts: VmOptions = {}): Promise<Vm> {
    const files = opts.files ?? (() => {
      const s = guestStatus();
      if (!s.ok) throw new VmError('qemu/guest-missing', s.reason);
      return s.files;
    })();
    const memMiB = opts.memMiB ?? 512;
    const hardLimitMs = opts.hardLimitMs ?? 600_000;
    const tmpDir = mkdtempSync(join(tmpdir(), 'balloon-qemu-'));
    const qmpPath = join(tmpDir, 'qmp.sock');
    const chPath = join(tmpDir, 'ctl.sock');
    const consolePath = join(tmpDir, 'console.log');
    let dev = 'virtio-balloon-pci,id=balloon0';
    if (opts.deflateOnOom) dev += ',deflate-on-oom=on';
    if (opts.freePageReporting) dev += ',free-page-reporting=on';
    const qemuArgs = [
      '-machine', 'q35', '-accel', 'tcg', '-m', String(memMiB), '-smp', '1',
      '-display', 'none', '-no-reboot', '-nodefaults', '-no-user-config',
      '-kernel', files.kernel, '-initrd', files.initrd,
      // panic=-1 reboots at once on panic and -no-reboot turns that into QEMU exiting: a dead
      // guest is seen as a process exit, not as a hang.
      '-append', 'console=ttyS0 quiet panic=-1 oops=panic',
      '-serial', `file:${consolePath}`,
      '-serial', `unix:${chPath},server=on,wait=off`,
      '-qmp', `unix:${qmpPath},server=on,wait=off`,
      ...(opts.noBalloon ? [] : ['-device', dev]),
    ];
    const bin = opts.qemuBinary ?? 'qemu-system-x86_64';
    // CPU-seconds backstop (TCG may use a bit more than one core: allow twice the wall limit).
    const cpuLimit = Math.ceil((2 * hardLimitMs) / 1000) + 30;
    const [cmd, args] = hasPrlimit()
      ? ['prlimit', [`--cpu=${cpuLimit}:${cpuLimit + 5}`, bin, ...qemuArgs]]
      : [bin, qemuArgs];
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => { stderr = (stderr + d).slice(-4000); });
    const spawnError = new Promise<Error>((res) => child.once('error', res));
    if (child.pid === undefined) {
      rmSync(tmpDir, { recursive: true, force: true });
      throw new VmError('qemu/spawn-failed', `${bin}: ${String(await spawnError)}`);
    }
    const pid = child.pid;
    trackVm(pid, tmpDir);
    let exitedNow: VmExit | null = null;
    const exited = new Promise<VmExit>((res) => {
      child.once('exit', (code, signal) => {
        exitedNow = { code, signal, cause: 'by-itself' };
        res(exitedNow);
      });
    });
    const fail = (code: ConstructorParameters<typeof VmError>[0], msg: string): never => {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      untrackVm(pid);
      const tail = tailOf(consolePath, 30);
      rmSync(tmpDir, { recursive: true, force: true });
      throw new VmError(code, `${msg}${stderr ? ` (stderr: ${stderr.trim().split('\n').slice(-3).join(' | ')})` : ''}`, tail);
    };
    // The sockets appear once QEMU has parsed its arguments; connect before the guest boots.
    const t0 = Date.now();
    while (!(existsSync(qmpPath) && existsSync(chPath))) {
      if (exitedNow !== null) fail('qemu/exited', 'QEMU exited during startup');
      if (Date.now() - t0 > 10_000) fail('qemu/spawn-failed', 'QEMU sockets did not appear in 10 s');
      await sleep(20);
    }
    const channel = await GuestChannel.connect(chPath);
    if (channel === null) fail('qemu/spawn-failed', 'cannot connect to the guest channel socket');
    const qmpR = await QmpClient.connect(qmpPath);
    if (!qmpR.ok) {
      channel?.close();
      fail('qemu/qmp-connect', `QMP: ${JSON.stringify(qmpR.ok ? '' : qmpR.error)}`);
    }
    const qmp = (qmpR as { ok: true; value: QmpClient }).value;
    const ch = channel as GuestChannel;
    const vm = new Vm(child, pid, tmpDir, consolePath, qmp, ch, opts, exited);
    vm.hardTimer = setTimeout(() => { vm.cause = 'hard-limit'; vm.killNow(); }, hardLimitMs);
    vm.hardTimer.unref();
    const ready = await Promise.race([ch.waitReady(opts.bootTimeoutMs ?? 60_000), exited.then(() => false)]);
    if (!ready) {
      qmp.close();
      ch.close();
      fail(exitedNow !== null ? 'qemu/exited' : 'qemu/boot-timeout', 'guest did not reach its command channel');
    }
    return vm;
  }

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

  /** The last `lines` lines of the guest console (kernel messages: panics, OOM kills, out of puff). */
  consoleTail(lines = 40): string {
    return tailOf(this.consolePath, lines);
  }

  /** Sends SIGKILL now (synchronous; used by the hard limit and by tests forcing failures). */
  killNow(): void {
    if (this.cause === 'by-itself') this.cause = 'killed';
    try { process.kill(this.pid, 'SIGKILL'); } catch { /* already gone */ }
  }

  /** Ends QEMU (QMP quit, then SIGKILL after 2 s), waits for the pid, removes the temp dir. */
  async stop(): Promise<VmExit> {
    if (this.cause === 'by-itself' && this.alive) this.cause = 'stopped';
    if (this.hardTimer !== null) clearTimeout(this.hardTimer);
    if (this.alive && !this.qmp.isClosed) await this.qmp.execute('quit', undefined, 1_000);
    let e = await Promise.race([this.exited, sleep(2_000).then(() => null)]);
    if (e === null) {
      this.killNow();
      e = await Promise.race([this.exited, sleep(5_000).then(() => null)]);
    }
    this.qmp.close();
    this.channel.close();
    untrackVm(this.pid);
    rmSync(this.tmpDir, { recursive: true, force: true });
    this.exitInfo = e === null ? { code: null, signal: 'SIGKILL', cause: this.cause } : { ...e, cause: this.cause };
    return this.exitInfo;
  }
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
