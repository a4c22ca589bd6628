/**
 * `balloon chart`: print the statecharts of a family as Mermaid stateDiagram-v2, generated from
 * the machine definitions; `--update <file>` rewrites the marked chart blocks of a Markdown file
 * (docs/MODEL.md) instead.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { docBlockProblem, toMermaid, updateDocBlocks } from '../../model/mermaid.ts';
import { UsageError } from '../errors.ts';
import { addFamilyOption, familyFlag } from '../family-flag.ts';

export interface ChartFlags { family: string; format: string; update?: string }

export function register(program: Command): void {
  addFamilyOption(program.command('chart')
    .description('print the statecharts of a protocol family (Mermaid stateDiagram-v2)'), false)
    .option('--format <fmt>', 'output format (mermaid)', 'mermaid')
    .option('--update <file>', 'rewrite the chart blocks of this Markdown file instead of printing')
    .action((flags: ChartFlags) => {
      const charts = familyFlag(flags.family).charts;
      if (flags.format !== 'mermaid') throw new UsageError(`--format: unknown format ${JSON.stringify(flags.format)} (known: mermaid)`);
      if (flags.update) {
        let doc: string;
        try { doc = readFileSync(flags.update, 'utf8'); } catch (e) {
          throw new UsageError(`--update: cannot read ${flags.update}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
        for (const n of Object.keys(charts)) {
          const problem = docBlockProblem(doc, n);
          if (problem) throw new UsageError(`--update: ${flags.update} ${problem}`);
        }
        const marked = Object.keys(charts).filter((n) => doc.includes(`<!-- chart:${n}:begin`) && doc.includes(`<!-- chart:${n}:end -->`));
        if (marked.length === 0) {
          throw new UsageError(`--update: ${flags.update} has no chart markers; add a line <!-- chart:${Object.keys(charts)[0]}:begin --> and a line <!-- chart:${Object.keys(charts)[0]}:end --> where the diagram goes`);
        }
        writeFileSync(flags.update, updateDocBlocks(doc, charts));
        process.stdout.write(`updated ${marked.length} chart(s) in ${flags.update}\n`);
        return;
      }
      for (const [name, m] of Object.entries(charts)) process.stdout.write(`%% ${name}\n${toMermaid(m)}\n`);
    });
}
