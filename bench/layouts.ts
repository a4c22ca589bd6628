/**
 * `npm run bench:layouts`: memory of a guest laid out as a real machine (core/layout.ts) against
 * the span of its address space. One Xen domain (xen_pfn_t is 64 bits wide, so its pages may sit
 * up to 2^40) with the same RAM and the same workload, its high half placed so that the space ends
 * at 2^20, 2^30 and 2^40 pages, side by side in one run; a dense guest of the same RAM for
 * comparison, and one of twice the RAM. Memory is what the system holds after the workload, with
 * a garbage collection before each reading (node --expose-gc): the JS heap plus typed arrays.
 * Writes bench/LAYOUTS.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { guestId, touchedRanges } from '../core/index.ts';
import { pfnEnd, type GuestLayout } from '../core/layout.ts';
import { xenGuestConfig, xenSystemConfig, type XenCommand, type XenSystemConfig } from '../core/xen/index.ts';
import { createXenReference } from '../impl/xen/index.ts';
import { gpfnArrayBytes } from '../core/paged.ts';
import { vboxGuestConfig, vboxSystemConfig, type VboxCommand, type VboxSystemConfig } from '../core/virtualbox/index.ts';
import { createVboxReference } from '../impl/virtualbox/index.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:layouts does)');

const RAM = Number(process.env.LAYOUT_RAM ?? 2 ** 16);
const COMMANDS = Number(process.env.LAYOUT_COMMANDS ?? 4000);

function config(ram: number, span: number | null): XenSystemConfig {
  const half = ram / 2;
  const layout: GuestLayout | undefined = span === null ? undefined : [{ from: 0, pfn: 0 }, { from: half, pfn: span - half }];
  return xenSystemConfig({ hostFrames: ram + 64, guests: [xenGuestConfig({ ramPages: ram, floorPages: 8, layout })] });
}

/** The same commands for every row: targets down and up (the balloon driver's extents cross the wire), allocations, writes. */
function workload(ram: number): XenCommand[] {
  const g = guestId(0);
  const out: XenCommand[] = [];
  for (let i = 0; i < COMMANDS; i++) {
    switch (i % 8) {
      case 0: out.push({ kind: 'set-target', guest: g, pages: ram - 256 - ((i * 37) % 512) }); break;
      case 1: case 2: case 3: out.push({ kind: 'thread', guest: g }); break;
      case 4: out.push({ kind: 'alloc', guest: g, pages: 4, pick: i * 7919 }); break;
      case 5: out.push({ kind: 'write', guest: g, pick: i * 104_729 }); break;
      case 6: out.push({ kind: 'free', guest: g, pages: 2, pick: i * 31 }); break;
      default: out.push({ kind: 'tick', guest: g, seconds: 1 });
    }
  }
  return out;
}

const used = () => { gc!(); gc!(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };

function measure(cfg: XenSystemConfig, cmds: readonly XenCommand[]): { bytes: number; touched: number; ms: number } {
  const before = used();
  const t = performance.now();
  const sys = createXenReference(cfg);
  for (const c of cmds) sys.apply(c);
  const ms = performance.now() - t;
  const bytes = used() - before;
  const o = sys.observe();
  let touched = 0;
  const p2m = o.guests[0].p2m;
  for (const [lo, hi] of touchedRanges(p2m)) for (let n = lo; n < hi; n++) if (p2m[n] >= 0) touched++;
  return { bytes, touched, ms };
}

const rows: string[] = [];
const mib = (b: number) => (b / 2 ** 20).toFixed(2);
const cases: [string, number, number | null][] = [
  ['dense (no layout)', RAM, null],
  ['ends at 2^20 (4 GiB)', RAM, 2 ** 20],
  ['ends at 2^30 (4 TiB)', RAM, 2 ** 30],
  ['ends at 2^40 (4 PiB)', RAM, 2 ** 40],
  ['twice the RAM, ends at 2^40', 2 * RAM, 2 ** 40],
];
for (const [name, ram, span] of cases) {
  const cfg = config(ram, span);
  measure(cfg, workload(ram)); // warm-up, so code and shapes are compiled before the reading
  const best = [measure(cfg, workload(ram)), measure(cfg, workload(ram))].sort((a, b) => a.bytes - b.bytes)[0];
  const end = pfnEnd(cfg.guests[0]);
  rows.push(`| ${name} | ${ram.toLocaleString('en-US')} | 2^${Math.log2(end).toFixed(0)} | ${best.touched.toLocaleString('en-US')} | ${mib(best.bytes)} | ${(best.bytes / ram).toFixed(1)} | ${mib(end * 5)} | ${best.ms.toFixed(0)} |`);
  process.stdout.write(`${rows.at(-1)}\n`);
}

// Issue 22's figure: memory that follows the pages touched. A VirtualBox guest (lazily backed, as
// KVM and VirtualBox back RAM on first touch; Xen and Hyper-V back all RAM at boot) of 2^30 RAM
// pages, the PCI hole at 3-4 GiB, the rest ending at 2^40, beside one of RAM_V pages with no
// layout; the same commands in both (targets in chunks, balloon worker turns, guest program).
const HUGE = 2 ** 30;
const VHOLE = 0x40000;
function vboxConfig(ram: number): VboxSystemConfig {
  const huge = ram > 0xc0000;
  return vboxSystemConfig({
    hostFrames: 8192,
    guests: [vboxGuestConfig(huge
      ? { ramPages: ram, holeStart: 0xc0000, holePages: VHOLE, floorPages: ram - 4096, layout: [{ from: 0, pfn: 0 }, { from: 0xc0000 + VHOLE, pfn: 2 ** 40 - (ram - 0xc0000) }] }
      : { ramPages: ram, floorPages: ram - 4096 })],
  });
}
function vboxWorkload(): VboxCommand[] {
  const g = guestId(0);
  const out: VboxCommand[] = [];
  for (let i = 0; i < COMMANDS; i++) {
    switch (i % 8) {
      case 0: out.push({ kind: 'set-target', guest: g, chunks: (i / 8) % 64 }); break;
      case 1: out.push({ kind: 'deliver', guest: g }); break;
      case 2: out.push({ kind: 'step', guest: g }); break;
      case 3: out.push({ kind: 'apply', guest: g }); break;
      case 4: out.push({ kind: 'alloc', guest: g, pages: 4, pick: i * 7919 }); break;
      case 5: out.push({ kind: 'write', guest: g, pick: i * 104_729 }); break;
      case 6: out.push({ kind: 'free', guest: g, pages: 2, pick: i * 31 }); break;
      default: out.push({ kind: 'read', guest: g, pick: i * 13 });
    }
  }
  return out;
}
function measureVbox(cfg: VboxSystemConfig, cmds: readonly VboxCommand[]): { bytes: number; touched: number; maps: number; ms: number } {
  const before = used();
  const t = performance.now();
  const sys = createVboxReference(cfg);
  for (const c of cmds) sys.apply(c);
  const ms = performance.now() - t;
  const bytes = used() - before;
  const g = sys.observe().guests[0];
  let touched = 0;
  for (const [lo, hi] of touchedRanges(g.p2m)) for (let n = lo; n < hi; n++) if (g.p2m[n] >= 0) touched++;
  return { bytes, touched, maps: gpfnArrayBytes(g.p2m) + gpfnArrayBytes(g.pageState) + gpfnArrayBytes(g.hostBallooned), ms };
}
const vrows: string[] = [];
for (const [name, ram] of [[`VirtualBox, ${RAM.toLocaleString('en-US')} pages, no layout (typed arrays)`, RAM], ['VirtualBox, 2^30 pages, PCI hole, ends at 2^40 (paged maps)', HUGE]] as const) {
  const cfg = vboxConfig(ram);
  measureVbox(cfg, vboxWorkload());
  const best = [measureVbox(cfg, vboxWorkload()), measureVbox(cfg, vboxWorkload())].sort((a, b) => a.bytes - b.bytes)[0];
  const end = pfnEnd(cfg.guests[0]);
  vrows.push(`| ${name} | ${ram.toLocaleString('en-US')} | 2^${Math.log2(end).toFixed(0)} | ${best.touched.toLocaleString('en-US')} | ${mib(best.bytes)} | ${mib(best.maps)} | ${mib((ram + cfg.guests[0].holePages) * 6)} | ${best.ms.toFixed(0)} |`);
  process.stdout.write(`${vrows.at(-1)}\n`);
}

const text = [
  '# Layouts: memory against the span of the address space',
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}. Date: ${new Date().toISOString().slice(0, 10)}.`,
  `One Xen domain of ${RAM.toLocaleString('en-US')} pages (HVM, floor 8) on a host with 64 frames to spare; ${COMMANDS.toLocaleString('en-US')} commands (targets down and up, balloon thread turns, allocations, writes, frees, ticks), the same in every row. Its low half sits at pfn 0, its high half so that the space ends where the row says (core/layout.ts); Xen reads every extent's page number off the wire through the layout.`,
  'Memory: JS heap plus typed arrays held after the workload, after garbage collection, the smaller of two runs; the first run of each row is a warm-up.',
  '',
  '| guest | RAM pages | span (pfn end) | pages backed at the end | memory MiB | bytes per RAM page | a p2m (4 B) and page states (1 B) sized by the span would take, MiB | ms |',
  '|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  'In these rows memory follows the pages a guest has (twice the RAM, about twice the memory), not the span: the maps (p2m, page states, host-ballooned, the allocator) are sized by the guest\'s gpfns, and a layout is a list of a few breaks.',
  '',
  '## Memory against the pages touched',
  '',
  `Past ${(2 ** 22).toLocaleString('en-US')} gpfns a guest's per-gpfn maps are paged (core/paged.ts): chunks of 4,096 entries made on the first write, untouched chunks read as the default, the free list starts as every RAM page without listing it. One VirtualBox guest (backed on first touch) on a host of 8,192 frames; ${COMMANDS.toLocaleString('en-US')} commands, the same in both rows (targets of 0 to 63 chunks, the balloon worker and the host's EMT, allocations, writes, frees, reads). Memory measured as above.`,
  '',
  '| guest | RAM pages | span (pfn end) | pages backed at the end | memory MiB | of which p2m, page states, host-ballooned MiB | the same maps and the allocator\'s tables as typed arrays (6 B a gpfn) would take, MiB | ms |',
  '|---|---|---|---|---|---|---|---|',
  ...vrows,
  '',
  'Xen and Hyper-V back every RAM page when the domain is built (xl create; the VSP boots the guest populated), so a guest of theirs costs its RAM in host frames whatever its maps; their properties still scan the whole map where untouched pages are not the default. Guests of 2^22 gpfns or fewer keep typed arrays, exactly as before.',
  '',
  'Rerun: `npm run bench:layouts` (LAYOUT_RAM and LAYOUT_COMMANDS change the guest and the budget).',
  '',
].join('\n');
writeFileSync(new URL('./LAYOUTS.md', import.meta.url), text);
