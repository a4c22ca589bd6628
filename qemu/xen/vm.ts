// One Xen machine under QEMU/TCG: Xen, a Linux dom0 (and, with `domu`, a PV domU dom0 creates at
// boot). The harness talks to dom0 over COM2 with the virtio guest's channel (qemu/channel.ts);
// Xen and dom0's console share COM1, a file. There is no QMP balloon: targets are set from inside
// dom0 (`xl mem-set`, a write of sysfs `target_kb` or of xenstore `memory/target`).
// Lifetime as for the virtio VM (qemu/vm.ts): every exit path ends QEMU by its pid, registered
// with qemu/cleanup.ts (process exit, SIGINT, SIGTERM), a wall-clock limit, and a CPU-seconds
// rlimit in case this Node process is itself SIGKILLed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestChannel } from '../channel.ts';
import { trackVm, untrackVm } from '../cleanup.ts';
import { VmError } from '../errors.ts';
import { hasPrlimit, sleep, tailOf, type VmExit } from '../vm.ts';
import { xenStatus, type XenFiles } from './paths.ts';

/** The machine: 1 GiB of host RAM, dom0 given 768 MiB and never more (Xen `dom0_mem=…,max:…`). */
export const HOST_MIB = 1024;
export const DOM0_MIB = 768;

export interface XenVmOptions {
  /** Create the PV domU at boot (160 MiB, maxmem 256 MiB; qemu/xen/dom0-init.sh). */
  readonly domu?: boolean;
  /** Wall-clock limit for the VM's whole life; SIGKILL when it fires (default 10 min). */
  readonly hardLimitMs?: number;
  readonly bootTimeoutMs?: number;
  readonly files?: XenFiles;
  readonly qemuBinary?: string;
}

export class XenVm {
  private exitInfo: VmExit | null = null;
  private cause: VmExit['cause'] = 'by-itself';
  private hardTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly tmpDir: string,
    readonly consolePath: string,
    readonly channel: GuestChannel,
    readonly domu: boolean,
    private readonly exited: Promise<VmExit>,
  ) {}

  /**
   * Boots Xen and dom0 (and the domU) and returns once dom0's command channel answered.
   * @example const vm = await XenVm.start({ domu: false }); try { await vm.channel.run('xstat'); } finally { await vm.stop(); }
   */
  static async start(opts: XenVmOptions = {}): Promise<XenVm> {
    const files = opts.files ?? (() => {
      const s = xenStatus();
      if (!s.ok) throw new VmError('qemu/guest-missing', s.reason);
      return s.files;
    })();
    const domu = opts.domu ?? false;
    const initrd = domu ? files.initrdDomu : files.initrd;
    // QEMU's multiboot -initrd separates modules with commas: a path may not hold one.
    if (`${files.kernel}${initrd}`.includes(',')) throw new VmError('qemu/spawn-failed', `a comma in ${files.kernel} or ${initrd}: QEMU's multiboot loader cannot take it`);
    const hardLimitMs = opts.hardLimitMs ?? 600_000;
    const tmpDir = mkdtempSync(join(tmpdir(), 'balloon-xen-'));
    const chPath = join(tmpDir, 'ctl.sock');
    const consolePath = join(tmpDir, 'console.log');
    const qemuArgs = [
      '-machine', 'pc', '-accel', 'tcg', '-cpu', 'qemu64', '-m', String(HOST_MIB), '-smp', '1',
      '-display', 'none', '-no-reboot', '-nodefaults', '-no-user-config', '-net', 'none',
      '-kernel', files.xen,
      // A crashed dom0 makes Xen reboot the machine, which -no-reboot turns into QEMU exiting.
      '-append', `console=com1 com1=115200,8n1 dom0_mem=${DOM0_MIB}M,max:${DOM0_MIB}M`,
      '-initrd', `${files.kernel} console=hvc0 quiet${domu ? ' domu' : ''},${initrd}`,
      '-serial', `file:${consolePath}`,
      '-serial', `unix:${chPath},server=on,wait=off`,
    ];
    const bin = opts.qemuBinary ?? 'qemu-system-x86_64';
    const cpuLimit = Math.ceil((2 * hardLimitMs) / 1000) + 30;
    const [cmd, args] = hasPrlimit() ? ['prlimit', [`--cpu=${cpuLimit}:${cpuLimit + 5}`, bin, ...qemuArgs]] : [bin, qemuArgs];
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
      child.once('exit', (code, signal) => { exitedNow = { code, signal, cause: 'by-itself' }; res(exitedNow); });
    });
    const fail = (code: ConstructorParameters<typeof VmError>[0], msg: string): never => {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      untrackVm(pid);
      const tail = tailOf(consolePath, 30);
      rmSync(tmpDir, { recursive: true, force: true });
      throw new VmError(code, `${msg}${stderr ? ` (stderr: ${stderr.trim().split('\n').slice(-3).join(' | ')})` : ''}`, tail);
    };
    const t0 = Date.now();
    while (!existsSync(chPath)) {
      if (exitedNow !== null) fail('qemu/exited', 'QEMU exited during startup');
      if (Date.now() - t0 > 10_000) fail('qemu/spawn-failed', 'QEMU channel socket did not appear in 10 s');
      await sleep(20);
    }
    const channel = await GuestChannel.connect(chPath);
    if (channel === null) fail('qemu/spawn-failed', 'cannot connect to dom0\'s channel socket');
    const ch = channel as GuestChannel;
    const vm = new XenVm(child, pid, tmpDir, consolePath, ch, domu, exited);
    vm.hardTimer = setTimeout(() => { vm.cause = 'hard-limit'; vm.killNow(); }, hardLimitMs);
    vm.hardTimer.unref();
    const ready = await Promise.race([ch.waitReady(opts.bootTimeoutMs ?? (domu ? 300_000 : 180_000)), exited.then(() => false)]);
    if (!ready) {
      ch.close();
      if (vm.hardTimer !== null) clearTimeout(vm.hardTimer);
      fail(exitedNow !== null ? 'qemu/exited' : 'qemu/boot-timeout', 'dom0 did not reach its command channel');
    }
    return vm;
  }

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

  /** The last `lines` lines of the serial console (Xen and dom0: panics, OOM kills). */
  consoleTail(lines = 40): string {
    return tailOf(this.consolePath, lines);
  }

  killNow(): void {
    if (this.cause === 'by-itself') this.cause = 'killed';
    try { process.kill(this.pid, 'SIGKILL'); } catch { /* already gone */ }
  }

  /** Ends QEMU (nothing in the machine is worth a clean shutdown: SIGKILL), waits, removes the temp dir. */
  async stop(): Promise<VmExit> {
    if (this.cause === 'by-itself' && this.alive) this.cause = 'stopped';
    if (this.hardTimer !== null) clearTimeout(this.hardTimer);
    if (this.alive) this.killNow();
    const e = await Promise.race([this.exited, sleep(5_000).then(() => null)]);
    this.channel.close();
    untrackVm(this.pid);
    rmSync(this.tmpDir, { recursive: true, force: true });
    this.exitInfo = e === null ? { code: null, signal: 'SIGKILL', cause: this.cause } : { ...e, cause: this.cause };
    return this.exitInfo;
  }
}
