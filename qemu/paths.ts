// Where qemu/setup.sh puts the guest, and whether it is there. Tests use guestStatus() to skip
// with a clear message instead of failing when `npm run qemu:setup` has not been run.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repo root (this file lives in <root>/qemu/, or compiled in <root>/dist/qemu/). */
const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, basename(dirname(here)) === 'dist' ? '../..' : '..');

/** The git-ignored cache folder setup.sh writes; BALLOON_QEMU_GUEST overrides it. */
export const guestDir = process.env.BALLOON_QEMU_GUEST ?? join(repoRoot, '.qemu-guest');

export interface GuestFiles {
  readonly kernel: string;
  readonly initrd: string;
  readonly kernelVersion: string;
}

export type GuestStatus =
  | { readonly ok: true; readonly files: GuestFiles }
  | { readonly ok: false; readonly reason: string };

/** Is the built guest present? `reason` is one line saying what to run. */
export function guestStatus(dir: string = guestDir): GuestStatus {
  const kernel = join(dir, 'vmlinuz');
  const initrd = join(dir, 'initrd.gz');
  if (!existsSync(kernel) || !existsSync(initrd)) {
    return { ok: false, reason: `QEMU guest not built (${dir} missing): run \`npm run qemu:setup\`` };
  }
  const kv = join(dir, 'kernel-version');
  const kernelVersion = existsSync(kv) ? readFileSync(kv, 'utf8').trim() : 'unknown';
  return { ok: true, files: { kernel, initrd, kernelVersion } };
}
