// One VM reused across many cases: hands out a freshly reset VM, rebooting only when the guest
// died, hung, or would not reset. Counts boots so the report can say what reuse bought.
import { resetVm } from './runner.ts';
import type { Snapshot } from './observe.ts';
import { Vm, type VmOptions } from './vm.ts';

export class VmSession {
  private vm: Vm | null = null;
  readonly bootMs: number[] = [];

  constructor(private readonly opts: VmOptions) {}

  /** A VM in the reset state (driver loaded, nothing held, actual == target == RAM). */
  async acquire(): Promise<{ vm: Vm; base: Snapshot; features?: string }> {
    for (let attempt = 0; ; attempt++) {
      if (this.vm === null || !this.vm.alive) await this.reboot();
      const vm = this.vm as Vm;
      const r = await resetVm(vm);
      if (r.ok) return { vm, base: r.base, ...(r.features !== undefined ? { features: r.features } : {}) };
      if (attempt >= 1) throw new Error(`qemu: guest would not reset after a fresh boot: ${r.why}`);
      await this.reboot();
    }
  }

  /** Marks the current VM as unusable (a case saw it die or hang). */
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
    this.vm = await Vm.start(this.opts);
    this.bootMs.push(Date.now() - t0);
  }
}
