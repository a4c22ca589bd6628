// Where qemu/xen/setup.sh puts the Xen system, and whether it is there. The tests use
// xenStatus() to skip with one clear line when `npm run xen:setup` has not been run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths.ts';

/** The git-ignored cache folder setup.sh writes; BALLOON_XEN_GUEST overrides it. */
export const xenDir = process.env.BALLOON_XEN_GUEST ?? join(repoRoot, '.xen-guest');

export interface XenFiles {
  readonly xen: string;
  readonly kernel: string;
  /** dom0's initramfs without and with the PV domU inside. */
  readonly initrd: string;
  readonly initrdDomu: string;
  /** `xen=4.17.… dom0=6.1.0-…-amd64 domu=6.1.0-…-cloud-amd64`. */
  readonly versions: string;
}

export type XenStatus = { readonly ok: true; readonly files: XenFiles } | { readonly ok: false; readonly reason: string };

export function xenStatus(dir: string = xenDir): XenStatus {
  const files = {
    xen: join(dir, 'xen.elf'), kernel: join(dir, 'vmlinuz-dom0'),
    initrd: join(dir, 'dom0.cpio.gz'), initrdDomu: join(dir, 'dom0-domu.cpio.gz'),
  };
  const missing = Object.values(files).find((f) => !existsSync(f));
  if (missing !== undefined) return { ok: false, reason: `Xen system not built (${missing} missing): run \`npm run xen:setup\`` };
  const v = join(dir, 'versions');
  return { ok: true, files: { ...files, versions: existsSync(v) ? readFileSync(v, 'utf8').trim() : 'unknown' } };
}
