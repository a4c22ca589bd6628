// One machine reused across many cases: hands out a freshly reset machine, rebooting only when
// the guest died, hung, or would not reset. Counts boots so the report can say what reuse bought.
// The virtio guest's session is VmSession; the Xen machine's (qemu/xen/campaign.ts) is the same
// MachineSession over XenVm and resetXen.
import { resetVm } from './runner.ts';
import type { Snapshot } from './observe.ts';
import type { QemuProcess } from './process.ts';
import { Vm, type VmOptions } from './vm.ts';

/** What a reset gives: `ok` with what the case starts from, or why it failed. */
export type Reset<A> = ({ readonly ok: true } & A) | { readonly ok: false; readonly why: string };

export class MachineSession<M extends QemuProcess, A extends object> {
  private vm: M | null = null;
  readonly bootMs: number[] = [];

  /** `start` boots a machine; `reset` brings it back to a case's start; `what` names it in the error of a failed reset. */
  constructor(private readonly start: () => Promise<M>, private readonly reset: (m: M) => Promise<Reset<A>>, private readonly what: string) {}

  /** A machine in the reset state, and what the reset read. */
  async acquire(): Promise<{ vm: M } & A> {
    for (let attempt = 0; ; attempt++) {
      if (this.vm === null || !this.vm.alive) await this.reboot();
      const vm = this.vm as M;
      const r = await this.reset(vm);
      if (r.ok) {
        const { ok: _ok, ...rest } = r;
        return { vm, ...(rest as unknown as A) };
      }
      if (attempt >= 1) throw new Error(`${this.what} would not reset after a fresh boot: ${r.why}`);
      await this.reboot();
    }
  }

  /** Marks the current machine as unusable (a case saw it die or hang). */
  async discard(): Promise<void> {
    const vm = this.vm;
    this.vm = null;
    if (vm !== null) await vm.stop();
  }

  async close(): Promise<void> {
    await this.discard();
  }

  private async reboot(): Promise<void> {
    await this.discard();
    const t0 = Date.now();
    this.vm = await this.start();
    this.bootMs.push(Date.now() - t0);
  }
}

/** The virtio guest's session: a VM in the reset state (driver loaded, nothing held, actual == target == RAM). */
export class VmSession extends MachineSession<Vm, { base: Snapshot; features?: string }> {
  constructor(opts: VmOptions) {
    super(() => Vm.start(opts), resetVm, 'qemu: guest');
  }
}
