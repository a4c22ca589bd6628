// What the QEMU device itself did, read from QEMU's own trace events (`-trace`, log backend,
// `-msg timestamp=on`), so the real-system properties check observed buffers instead of the
// batches the projection would otherwise synthesize (spec review B4). One line per event:
//   <pid>@<sec>.<usec>:virtio_queue_notify vdev 0x.. n 0 vq 0x..   the driver kicked queue n
//   ...:virtqueue_pop vq 0x.. elem 0x.. in_num 0 out_num 1          the device took a buffer
//   ...:virtio_balloon_handle_output section name: pc.ram gpa: 0x.. one pfn of that buffer
//   ...:virtqueue_flush vq 0x.. count 1                             the device used (acked) it
//   ...:virtio_balloon_set_config actual: 256 oldactual: 512        the driver wrote `actual`
//   ...:virtio_balloon_to_target balloon target: 0x.. num_pages: N  the host set num_pages
//   ...:virtio_set_status vdev 0x.. val 15                          the driver wrote the status
// (QEMU 7.2 hw/virtio/trace-events and hw/virtio/virtio-balloon.c virtio_balloon_handle_output,
// which traces every pfn it accepts on either queue.) Queue numbers: 0 inflateq, 1 deflateq,
// 2 statsq, then free_page_vq (FREE_PAGE_HINT) and reporting_vq (REPORTING), in that order
// (virtio_balloon_device_realize). A queue's pointer is learnt from its first notify.
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';

/** One device-side event. `t` is milliseconds since the VM's first traced event. */
export type DeviceEvent =
  | { readonly k: 'status'; readonly t: number; readonly status: number }
  | { readonly k: 'target'; readonly t: number; readonly numPages: number }
  | { readonly k: 'pop'; readonly t: number; readonly q: number }
  /** The pfns of the buffer popped last on queue q, as [first, count] runs of consecutive pfns. */
  | { readonly k: 'pfns'; readonly t: number; readonly q: number; readonly runs: Array<[number, number]> }
  | { readonly k: 'used'; readonly t: number; readonly q: number; readonly count: number }
  | { readonly k: 'actual'; readonly t: number; readonly actual: number; readonly old: number }
  | { readonly k: 'bad-pfn'; readonly t: number; readonly gpa: number };

/** The -trace options that produce what parseHostTrace reads; `file` receives the log. */
export function hostTraceArgs(file: string): string[] {
  return [
    '-msg', 'timestamp=on', '-D', file,
    ...['virtio_balloon_*', 'virtqueue_pop', 'virtqueue_flush', 'virtio_queue_notify', 'virtio_set_status']
      .flatMap((e) => ['-trace', `enable=${e}`]),
  ];
}

const LINE = /^\d+@(\d+)\.(\d+):(\w+) (.*)$/;

/** Parses trace lines incrementally: keeps the queue map, the open buffer and the time origin. */
export class HostTraceParser {
  private readonly vqs = new Map<string, number>();
  /** The queue of the last buffer popped: the pfns traced after a pop belong to it. */
  private popped = -1;
  private open: { q: number; runs: Array<[number, number]>; t: number } | null = null;
  private t0: number | null = null;

  /** Events for `lines` (complete lines only); lines it does not know are skipped. */
  push(lines: readonly string[]): DeviceEvent[] {
    const out: DeviceEvent[] = [];
    const close = (): void => {
      if (this.open !== null) out.push({ k: 'pfns', t: this.open.t, q: this.open.q, runs: this.open.runs });
      this.open = null;
    };
    for (const line of lines) {
      // The hot path: one line per pfn (up to RAM/4 KiB per case), parsed without the regex.
      if (this.open !== null && line.includes(':virtio_balloon_handle_output ')) {
        const pfn = Math.floor(parseInt(line.slice(line.lastIndexOf('0x') + 2), 16) / 4096);
        const r = this.open.runs.at(-1);
        if (r !== undefined && r[0] + r[1] === pfn) r[1]++;
        else this.open.runs.push([pfn, 1]);
        continue;
      }
      const m = LINE.exec(line);
      if (m === null) continue;
      const abs = Number(m[1]) * 1000 + Number(m[2]) / 1000;
      this.t0 ??= abs;
      const t = Math.round((abs - this.t0) * 1000) / 1000;
      const name = m[3] as string;
      const f = fields(m[4] as string);
      if (name === 'virtio_balloon_handle_output') {
        const pfn = Math.floor(Number(f.gpa ?? 0) / 4096); // guest addresses stay below 2^53
        if (this.open === null) this.open = { q: this.popped, runs: [], t };
        const r = this.open.runs.at(-1);
        if (r !== undefined && r[0] + r[1] === pfn) r[1]++;
        else this.open.runs.push([pfn, 1]);
        continue;
      }
      close();
      switch (name) {
        case 'virtio_queue_notify': if (f.vq !== undefined && f.n !== undefined) this.vqs.set(f.vq, Number(f.n)); break;
        case 'virtqueue_pop': {
          const q = this.vqs.get(f.vq ?? '') ?? -1;
          this.popped = q;
          out.push({ k: 'pop', t, q });
          break;
        }
        case 'virtqueue_flush': out.push({ k: 'used', t, q: this.vqs.get(f.vq ?? '') ?? -1, count: Number(f.count ?? 0) }); break;
        case 'virtio_balloon_set_config': out.push({ k: 'actual', t, actual: Number(f.actual), old: Number(f.oldactual) }); break;
        case 'virtio_balloon_to_target': out.push({ k: 'target', t, numPages: Number(f.num_pages) }); break;
        case 'virtio_balloon_bad_addr': out.push({ k: 'bad-pfn', t, gpa: Number(f.gpa) }); break;
        case 'virtio_set_status': out.push({ k: 'status', t, status: Number(f.val) }); break;
        default: break;
      }
    }
    close();
    return out;
  }
}

/** `a 1 b: 2 c 0x3` -> {a: '1', b: '2', c: '0x3'}: QEMU's trace formats mix both styles. */
function fields(rest: string): Record<string, string> {
  const out: Record<string, string> = {};
  const words = rest.replace(/:/g, ' ').split(/\s+/).filter(Boolean);
  for (let i = 0; i + 1 < words.length; i++) {
    const v = words[i + 1] as string;
    if (/^(0x[0-9a-f]+|\d+)$/i.test(v)) { out[words[i] as string] = v; i++; }
  }
  return out;
}

/** Parses a whole trace text at once (tests, and reading a saved log). */
export function parseHostTrace(text: string): DeviceEvent[] {
  return new HostTraceParser().push(text.split('\n'));
}

/** Follows a growing trace file: each drain() returns the events appended since the last one. */
export class HostTraceReader {
  private offset = 0;
  private partial = '';
  private readonly parser = new HostTraceParser();
  /** The device holds a stats buffer (popped, not yet used), as of the last drain. */
  statsHeld = false;

  constructor(readonly file: string) {}

  drain(): DeviceEvent[] {
    if (!existsSync(this.file)) return [];
    const size = statSync(this.file).size;
    if (size <= this.offset) return [];
    const fd = openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const text = this.partial + buf.subarray(0, n).toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      const events = this.parser.push(lines);
      for (const e of events) {
        if (e.k === 'pop' && e.q === 2) this.statsHeld = true;
        if ((e.k === 'used' && e.q === 2) || (e.k === 'status' && e.status === 0)) this.statsHeld = false;
      }
      return events;
    } finally {
      closeSync(fd);
    }
  }
}
