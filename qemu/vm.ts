// One QEMU/TCG guest with a virtio-balloon device: start, talk to (QMP + command channel), stop.
// Its process lifetime is qemu/process.ts's (every exit path ends QEMU by its pid); stop() here
// first asks QEMU to quit over QMP.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestChannel } from './channel.ts';
import { VmError } from './errors.ts';
import { HostTraceReader, hostTraceArgs } from './hostlog.ts';
import { guestStatus, type GuestFiles } from './paths.ts';
import { launchQemu, QemuProcess, type Launch } from './process.ts';
import { QmpClient } from './qmp.ts';

export { hasPrlimit, sleep, tailOf, type VmExit } from './process.ts';

export interface VmOptions {
  /** Guest RAM in MiB (default 512). */
  readonly memMiB?: number;
  /** virtio-balloon's deflate-on-oom property (VIRTIO_BALLOON_F_DEFLATE_ON_OOM). */
  readonly deflateOnOom?: boolean;
  /** virtio-balloon's free-page-reporting property (VIRTIO_BALLOON_F_REPORTING). */
  readonly freePageReporting?: boolean;
  /** Extra words for the guest kernel's command line (a variant's, e.g. init_on_free=1). */
  readonly append?: readonly string[];
  /** Record QEMU's own trace of the balloon and its virtqueues (qemu/hostlog.ts); default on. */
  readonly hostTrace?: boolean;
  /** Leave the balloon device out (to observe DeviceNotActive). */
  readonly noBalloon?: boolean;
  /** Wall-clock limit for the VM's whole life; SIGKILL when it fires (default 10 min). */
  readonly hardLimitMs?: number;
  readonly bootTimeoutMs?: number;
  readonly files?: GuestFiles;
  readonly qemuBinary?: string;
}

export class Vm extends QemuProcess {
  readonly ramBytes: number;
  readonly deflateOnOom: boolean;
  /** QEMU's trace of the device, when recorded: drain() gives what it did since the last drain. */
  readonly hostTrace: HostTraceReader | null;

  private constructor(launch: Launch, readonly qmp: QmpClient, readonly channel: GuestChannel, opts: VmOptions) {
    super(launch);
    this.ramBytes = (opts.memMiB ?? 512) * 1024 * 1024;
    this.deflateOnOom = opts.deflateOnOom ?? false;
    this.hostTrace = opts.hostTrace === false || opts.noBalloon ? null : new HostTraceReader(join(launch.tmpDir, 'device.trace'));
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
      '-append', ['console=ttyS0 quiet panic=-1 oops=panic', ...(opts.append ?? [])].join(' '),
      '-serial', `file:${consolePath}`,
      '-serial', `unix:${chPath},server=on,wait=off`,
      '-qmp', `unix:${qmpPath},server=on,wait=off`,
      ...(opts.noBalloon ? [] : ['-device', dev]),
      ...(opts.hostTrace === false || opts.noBalloon ? [] : hostTraceArgs(join(tmpDir, 'device.trace'))),
    ];
    const launch = await launchQemu({ ...(opts.qemuBinary !== undefined ? { bin: opts.qemuBinary } : {}), qemuArgs, tmpDir, consolePath, hardLimitMs });
    await launch.waitFor([qmpPath, chPath], 'QEMU sockets');
    const ch = await GuestChannel.connect(chPath);
    if (ch === null) launch.fail('qemu/spawn-failed', 'cannot connect to the guest channel socket');
    const qmpR = await QmpClient.connect(qmpPath);
    if (!qmpR.ok) {
      ch?.close();
      launch.fail('qemu/qmp-connect', `QMP: ${JSON.stringify(qmpR.ok ? '' : qmpR.error)}`);
    }
    const qmp = (qmpR as { ok: true; value: QmpClient }).value;
    const vm = new Vm(launch, qmp, ch as GuestChannel, opts);
    vm.armHardLimit(hardLimitMs);
    const ready = await vm.readyOrExit((ch as GuestChannel).waitReady(opts.bootTimeoutMs ?? 60_000));
    if (!ready) vm.abortStart(launch, launch.exitedNow() !== null ? 'qemu/exited' : 'qemu/boot-timeout', 'guest did not reach its command channel');
    // QEMU then uses the stats buffer once a second (balloon_stats_poll_cb), so the driver's
    // re-post (statements 26-27) is exercised and seen in the host trace.
    if (vm.hostTrace !== null) await qmp.setStatsInterval(1);
    return vm;
  }

  protected async quitPolitely(): Promise<boolean> {
    if (this.qmp.isClosed) return false;
    await this.qmp.execute('quit', undefined, 1_000);
    return true;
  }

  protected closeLinks(): void {
    this.qmp.close();
    this.channel.close();
  }
}
