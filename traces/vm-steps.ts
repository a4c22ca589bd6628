/**
 * The steps of a trace of a real VM (source `qemu`): what the host and the guest's workload did,
 * one at a time. This schema is their one definition: qemu/steps.ts takes its `Step` type from
 * it (`z.infer`), the QEMU campaign generates them (qemu/arbitrary.ts) and runs them on a VM
 * (qemu/runner.ts), and a trace stores them as its truth, as a model trace stores commands.
 */
import { z } from 'zod';

const mib = z.number().int().positive();

export const VmStepSchema = z.discriminatedUnion('op', [
  /** The host sets the balloon target (the VM's logical size); `wait: false` goes on at once (a change mid-flight). */
  z.strictObject({ op: z.literal('target'), mib: z.number().int().min(0), wait: z.boolean() }),
  /** The guest holds `mib` MiB of anonymous memory (a dd buffer) until `free`. */
  z.strictObject({ op: z.literal('anon'), mib }),
  /** The guest writes a `mib` MiB file on tmpfs (/tmp), kept until `free`. */
  z.strictObject({ op: z.literal('tmpfs'), mib }),
  /** The guest allocates `mib` MiB of anonymous memory and frees it at once (transient pressure). */
  z.strictObject({ op: z.literal('pressure'), mib }),
  /** The guest frees every held allocation and tmpfs file. */
  z.strictObject({ op: z.literal('free') }),
  /** The guest unloads virtio_balloon (rmmod). */
  z.strictObject({ op: z.literal('unload') }),
  /** The guest loads virtio_balloon (insmod). */
  z.strictObject({ op: z.literal('load') }),
]);

export type VmStep = z.infer<typeof VmStepSchema>;

/** A property of the real system violated at a step (qemu/properties.ts). */
export const VmViolationSchema = z.strictObject({ property: z.string().min(1).max(64), step: z.number().int(), message: z.string().max(4096) });

/**
 * The steps of a trace of a real Xen machine (source `xen-real`): toolstack target changes and
 * dom0's workload. Their one definition: qemu/xen/steps.ts names the same shapes, the real-Xen
 * campaign generates them (qemu/xen/arbitrary.ts) and runs them (qemu/xen/runner.ts).
 */
const domain = z.enum(['dom0', 'domu']);
export const XenStepSchema = z.discriminatedUnion('op', [
  /** `xl mem-set`: the toolstack sets the domain's target (libxl_set_memory_target). */
  z.strictObject({ op: z.literal('mem-set'), dom: domain, mib: z.number().int().min(0) }),
  /** The target written past xl: dom0's sysfs target_kb, a domU's xenstore memory/target. */
  z.strictObject({ op: z.literal('write-target'), dom: domain, mib: z.number().int().min(0) }),
  /** A program in dom0 holds `mib` MiB of anonymous memory until `free`. */
  z.strictObject({ op: z.literal('hold'), mib }),
  /** dom0 frees everything held. */
  z.strictObject({ op: z.literal('free') }),
  /** Only read the balloons' statistics and Xen's free memory. */
  z.strictObject({ op: z.literal('read') }),
]);

export type XenVmStep = z.infer<typeof XenStepSchema>;
