/** `balloon list`: what the testbed knows: families, properties, hostile request kinds. */
import type { Command } from 'commander';
import { HOSTILE_REQUESTS } from '../../core/virtio/index.ts';
import { FAULTS } from '../../impl/virtio/index.ts';
import { allProperties } from '../../properties/index.ts';
import { table } from '../format.ts';

export const FAMILIES = [
  { name: 'virtio', doc: 'virtio-balloon (KVM/QEMU, Firecracker, cloud-hypervisor): inflate/deflate/stats queues', status: 'modelled' },
];

export function listing() {
  return {
    families: FAMILIES,
    properties: allProperties.map((p) => ({ name: p.name, kind: p.kind, doc: p.doc, refs: p.refs })),
    hostileRequests: Object.entries(HOSTILE_REQUESTS).map(([name, doc]) => ({ name, doc })),
    faults: Object.entries(FAULTS).map(([name, f]) => ({ name, doc: f.doc, reference: f.reference, catches: [...f.catches] })),
  };
}

export function register(program: Command): void {
  program.command('list')
    .description('list the protocol families, properties, hostile request kinds and bug-zoo faults')
    .option('--json', 'print one JSON object with arrays families, properties, hostileRequests, faults')
    .action((flags: { json?: boolean }) => {
      const l = listing();
      if (flags.json) { process.stdout.write(`${JSON.stringify(l, null, 2)}\n`); return; }
      const out = [
        'families', table(['name', 'status', 'about'], l.families.map((f) => [f.name, f.status, f.doc])), '',
        'properties', table(['name', 'kind', 'what holds'], l.properties.map((p) => [p.name, p.kind, p.doc])), '',
        'hostile requests', table(['name', 'what the driver sends'], l.hostileRequests.map((h) => [h.name, h.doc])), '',
        'faults (balloon check --fault NAME)', table(['name', 'reference', 'caught by'], l.faults.map((f) => [f.name, f.reference, f.catches.join(', ')])),
      ];
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
