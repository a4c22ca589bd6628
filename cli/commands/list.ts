/** `balloon list`: what the testbed knows: families, properties, hostile request kinds. */
import type { Command } from 'commander';
import { HOSTILE_REQUESTS } from '../../core/index.ts';
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
  };
}

export function register(program: Command): void {
  program.command('list')
    .description('list the protocol families, properties and hostile request kinds')
    .option('--json', 'print one JSON object with arrays families, properties, hostileRequests')
    .action((flags: { json?: boolean }) => {
      const l = listing();
      if (flags.json) { process.stdout.write(`${JSON.stringify(l, null, 2)}\n`); return; }
      const out = [
        'families', table(['name', 'status', 'about'], l.families.map((f) => [f.name, f.status, f.doc])), '',
        'properties', table(['name', 'kind', 'what holds'], l.properties.map((p) => [p.name, p.kind, p.doc])), '',
        'hostile requests', table(['name', 'what the driver sends'], l.hostileRequests.map((h) => [h.name, h.doc])),
      ];
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
