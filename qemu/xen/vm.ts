// One Xen machine under QEMU/TCG: Xen, a Linux dom0 (and, with `domu`, a PV domU dom0 creates at
// boot). The harness talks to dom0 over COM2 with the virtio guest's channel (qemu/channel.ts);
// Xen and dom0's console share COM1, a file. There is no QMP balloon: targets are set from inside
// dom0 (`xl mem-set`, a write of sysfs `target_kb` or of xenstore `memory/target`).
// Its process lifetime is the virtio VM's (qemu/process.ts: every exit path ends QEMU by its pid);
// nothing in the machine is worth a clean shutdown, so stop() SIGKILLs at once.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestChannel } from '../channel.ts';
import { VmError } from '../errors.ts';
import { launchQemu, QemuProcess, type Launch } from '../process.ts';
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

export class XenVm extends QemuProcess {
  private constructor(launch: Launch, readonly channel: GuestChannel, readonly domu: boolean) {
    super(launch);
  }

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
    const launch = await launchQemu({ ...(opts.qemuBinary !== undefined ? { bin: opts.qemuBinary } : {}), qemuArgs, tmpDir, consolePath, hardLimitMs });
    await launch.waitFor([chPath], 'QEMU channel socket');
    const ch = await GuestChannel.connect(chPath);
    if (ch === null) launch.fail('qemu/spawn-failed', 'cannot connect to dom0\'s channel socket');
    const vm = new XenVm(launch, ch as GuestChannel, domu);
    vm.armHardLimit(hardLimitMs);
    const ready = await vm.readyOrExit((ch as GuestChannel).waitReady(opts.bootTimeoutMs ?? (domu ? 300_000 : 180_000)));
    if (!ready) vm.abortStart(launch, launch.exitedNow() !== null ? 'qemu/exited' : 'qemu/boot-timeout', 'dom0 did not reach its command channel');
    return vm;
  }

  /** Nothing in the machine is worth a clean shutdown: stop() SIGKILLs at once. */
  protected async quitPolitely(): Promise<boolean> {
    return false;
  }

  protected closeLinks(): void {
    this.channel.close();
  }
}
