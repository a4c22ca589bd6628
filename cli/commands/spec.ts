/**
 * `balloon spec`: the normative matrix of virtio-balloon (properties/virtio/spec-matrix.ts): each
 * of the 65 statements of VIRTIO 1.2 5.5 with its status and what enforces it, and the count
 * encoded. `--json` prints the same as one object; `--update FILE` rewrites the marked matrix of a
 * Markdown file (docs/virtio-spec.md) instead.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SPEC_STATEMENTS, specCounts, updateSpecBlock } from '../../properties/virtio/spec-matrix.ts';
import { UsageError } from '../errors.ts';
import { table } from '../format.ts';

export function register(program: Command): void {
  program.command('spec')
    .description('the normative statements of VIRTIO 5.5 (virtio-balloon), what enforces each, and how many are encoded')
    .option('--json', 'print one JSON object: family, source, the counts (total, applicable, encoded, partial, "not encoded", "not applicable"), statements (n, section, keyword, feature, party, says, status, by, note)')
    .option('--update <file>', 'rewrite the matrix between <!-- virtio-spec:begin --> and <!-- virtio-spec:end --> of this Markdown file')
    .action((flags: { json?: boolean; update?: string }) => {
      const counts = specCounts();
      if (flags.update) {
        let doc: string;
        try { doc = readFileSync(flags.update, 'utf8'); } catch (e) {
          throw new UsageError(`--update: cannot read ${flags.update}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        const next = updateSpecBlock(doc);
        if (next === null) throw new UsageError(`--update: ${flags.update} has no matrix markers; add a line <!-- virtio-spec:begin --> and a line <!-- virtio-spec:end --> where the matrix goes`);
        writeFileSync(flags.update, next);
        process.stdout.write(`updated the matrix in ${flags.update}\n`);
        return;
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ family: 'virtio', source: 'VIRTIO 1.2 section 5.5', ...counts, statements: SPEC_STATEMENTS }, null, 2)}\n`);
        return;
      }
      const rows = SPEC_STATEMENTS.map((x) => [String(x.n), x.section, x.keyword, x.feature, x.status, x.by.join(', ') || '-']);
      process.stdout.write(`${table(['#', 'section', 'keyword', 'feature', 'status', 'enforced by'], rows)}\n\n`);
      process.stdout.write(`virtio-balloon (VIRTIO 1.2 5.5): ${counts.encoded} of ${counts.total} statements encoded, ${counts.partial} partial, ${counts['not encoded']} not encoded, ${counts['not applicable']} not applicable (legacy); ${counts.encoded} of ${counts.applicable} applicable encoded. docs/virtio-spec.md says why for each.\n`);
    });
}
