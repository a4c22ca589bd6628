/** `balloon list`: what the testbed knows: each family with its properties, hostile request kinds and zoo. */
import type { Command } from 'commander';
import type { AnyFamily } from '../../properties/index.ts';
import { addFamilyOption, familiesFlag } from '../family-flag.ts';
import { table } from '../format.ts';

/** One family as `balloon list --json` prints it. */
export function familyListing(f: AnyFamily) {
  return {
    name: f.name,
    title: f.title,
    doc: f.doc,
    commands: [...f.commandKinds],
    charts: Object.keys(f.charts),
    properties: f.properties.map((p) => ({ name: p.name, kind: p.kind, doc: p.doc, refs: p.refs })),
    hostileRequests: Object.entries(f.hostileKinds).map(([name, doc]) => ({ name, doc })),
    /** Who sends them: the guest (the host must refuse them) or the host (the guest must). */
    hostileSender: f.hostileSender,
    faults: f.faults.map((x) => ({ name: x.name, doc: x.summary, reference: x.source, catches: [...x.catches] })),
  };
}

export function listing(names: readonly string[] = []) {
  return { families: familiesFlag(names).map(familyListing) };
}

export function register(program: Command): void {
  addFamilyOption(program.command('list')
    .description('list the protocol families, each with its properties, hostile request kinds and bug-zoo faults'), true)
    .option('--json', 'print one JSON object: families, each with commands, charts, properties, hostileRequests, faults')
    .action((flags: { json?: boolean; family?: string[] }) => {
      const l = listing(flags.family);
      if (flags.json) { process.stdout.write(`${JSON.stringify(l, null, 2)}\n`); return; }
      const out = ['families', table(['name', 'about', 'doc'], l.families.map((f) => [f.name, f.title, f.doc]))];
      for (const f of l.families) {
        out.push(
          '', `${f.name}: properties`, table(['name', 'kind', 'what holds'], f.properties.map((p) => [p.name, p.kind, p.doc])),
          '', `${f.name}: hostile requests`, table(['name', `what the ${f.hostileSender} sends`], f.hostileRequests.map((h) => [h.name, h.doc])),
          '', `${f.name}: faults (balloon check --family ${f.name} --fault NAME)`, table(['name', 'reference', 'caught by'], f.faults.map((x) => [x.name, x.reference, x.catches.join(', ')])),
        );
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
