// Saved counterexamples of the QEMU campaign. The steps are the truth (replay runs them again);
// the observations, seed and path are conveniences for the reader. Parsed with zod at the edge so
// a hand-edited file fails with one line saying what is wrong.
import { readFileSync, writeFileSync } from 'node:fs';
import { ensureOutputDir } from '../traces/output-dir.ts';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { CaseRecord } from './runner.ts';
import type { Step } from './steps.ts';
import type { Violation } from './properties.ts';

const stepSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('target'), mib: z.number().int().min(0), wait: z.boolean() }),
  z.object({ op: z.literal('anon'), mib: z.number().int().positive() }),
  z.object({ op: z.literal('tmpfs'), mib: z.number().int().positive() }),
  z.object({ op: z.literal('pressure'), mib: z.number().int().positive() }),
  z.object({ op: z.literal('free') }),
  z.object({ op: z.literal('unload') }),
  z.object({ op: z.literal('load') }),
]);

const traceSchema = z.object({
  format: z.literal('balloon-trace'),
  version: z.literal(1),
  family: z.literal('virtio'),
  impl: z.literal('qemu'),
  property: z.string(),
  seed: z.number().int(),
  path: z.string(),
  config: z.object({ memMiB: z.number().int().positive(), deflateOnOom: z.boolean(), kernel: z.string(), qemu: z.string() }),
  steps: z.array(stepSchema).min(1),
  violations: z.array(z.object({ property: z.string(), step: z.number().int(), message: z.string() })),
  observations: z.unknown(),
  createdAt: z.string(),
});

export type QemuTrace = z.infer<typeof traceSchema> & { readonly steps: Step[] };

export function makeTrace(args: {
  property: string; seed: number; path: string; kernel: string; qemu: string;
  steps: readonly Step[]; record: CaseRecord; violations: readonly Violation[];
}): QemuTrace {
  return {
    format: 'balloon-trace', version: 1, family: 'virtio', impl: 'qemu',
    property: args.property, seed: args.seed, path: args.path,
    config: { memMiB: args.record.ramBytes / (1024 * 1024), deflateOnOom: args.record.deflateOnOom, kernel: args.kernel, qemu: args.qemu },
    steps: [...args.steps], violations: [...args.violations], observations: args.record,
    createdAt: new Date().toISOString(),
  };
}

/** Writes the trace as `<outDir>/qemu-<property>-<hash>.json` and returns the path. */
export function saveTrace(outDir: string, t: QemuTrace): string {
  ensureOutputDir(outDir);
  const h = createHash('sha256').update(JSON.stringify([t.config, t.steps])).digest('hex').slice(0, 10);
  const file = join(outDir, `qemu-${t.property}-${h}.json`);
  writeFileSync(file, `${JSON.stringify(t, null, 2)}\n`);
  return file;
}

/** Reads and validates a trace; throws one line naming the file and the first problem. */
export function loadTrace(file: string): QemuTrace {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not readable JSON (${(e as Error).message})`);
  }
  return parseTrace(raw, file);
}

export function parseTrace(raw: unknown, where = 'trace'): QemuTrace {
  const r = traceSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`${where}: not a QEMU balloon-trace v1: ${i?.path.join('.') || '(root)'}: ${i?.message ?? 'invalid'}`);
  }
  return r.data as QemuTrace;
}
