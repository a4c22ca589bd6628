import { partialBlock, pfnOf, profileOf, reportOrderOf } from '../../core/virtio/index.ts';
import { stateless } from '../property.ts';
import type { VirtioProperty } from './property.ts';

/**
 * Free page reporting in large blocks (VIRTIO 1.2 5.5.6.7.1, statement 62: the driver SHOULD report
 * large pages rather than small ones where it can), as the linux profile narrows it: Linux reports
 * only free buddy blocks of order page_reporting_order and up (mm/page_reporting.c
 * page_reporting_register, page_reporting_process_zone), so every report is a union of whole
 * aligned blocks of that order. Scaled to the testbed, a guest's `reportOrder` k (core/virtio/
 * reporting.ts): every report of its driver is made of whole blocks of 2^k guest pages, each
 * starting at a pfn that is a multiple of the block.
 *
 * A narrowing, held under linux and firecracker (a Linux guest over either device), never under
 * spec: the statement is a SHOULD with "where possible", so a driver that reports single pages is
 * legal by the text, and refusing it there would be a false alarm. Order 0 (or none) asks nothing
 * beyond whole guest pages, which the chart already asks (reportAllowed). Hostile buffers are
 * the hostile peer's, not the driver's.
 */
export const reportBlocks: VirtioProperty = {
  name: 'report-blocks',
  kind: 'always',
  doc: 'under linux and firecracker, every free page report is made of whole aligned blocks of 2^reportOrder guest pages',
  refs: 'VIRTIO 1.2 5.5.6.7.1, statement 62 (docs/virtio-spec.md), as the linux profile narrows it; Linux mm/page_reporting.c page_reporting_register and page_reporting_process_zone',
  monitor: (config) => {
    const orders = profileOf(config) === 'spec' ? config.guests.map(() => 0) : config.guests.map(reportOrderOf);
    return stateless({
      interests: ['buffer-queued'],
      step({ result }) {
        for (const e of result.effects) {
          if (e.kind !== 'buffer-queued' || e.queue !== 'reporting' || e.origin === 'hostile') continue;
          const k = orders[e.guest] ?? 0;
          const g = config.guests[e.guest];
          if (k === 0 || !g) continue;
          const n = partialBlock(g, k, e.gpfns);
          if (n === null) continue;
          const block = 2 ** k * g.guestPageGpfns;
          const first = Math.floor(pfnOf(g, n) / block) * block;
          return {
            message: `guest ${e.guest} reported gpfn ${n} in buffer #${e.id} without the rest of its block (pfns ${first} to ${first + block - 1}, 2^${k} guest pages): with report order ${k} a Linux driver reports only whole aligned free blocks of that order (linux profile of VIRTIO 1.2 5.5.6.7.1, statement 62; mm/page_reporting.c page_reporting_order)`,
            guest: e.guest, gpfn: n,
          };
        }
        return null;
      },
    });
  },
};
