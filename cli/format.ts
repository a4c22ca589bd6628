/**
 * Plain-text output helpers for the command line: aligned tables and the readable form of a
 * counterexample (seed and path to paste back, the steps one per line, the failing step marked).
 */
import { familyByName } from '../properties/index.ts';
import type { CampaignReport, Counterexample } from '../properties/campaign.ts';

export function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

const VERDICT_WORDS = { held: 'held', failed: 'FAILED', interrupted: 'interrupted' } as const;

/**
 * One row per property. `runs` is the cases the property was checked on to their end: `--runs`
 * for one that held, those up to and including the failing case for one that failed
 * (properties/campaign.ts).
 */
export function summaryTable(reports: readonly { family: string; report: CampaignReport }[]): string {
  return table(['family', 'property', 'kind', 'runs', 'steps', 'verdict', 'time'], reports.flatMap(({ family, report }) => report.verdicts.map((v) => [
    family, v.name, v.kind, String(v.runs), String(v.steps), VERDICT_WORDS[v.verdict], `${(v.ms / 1000).toFixed(2)}s`,
  ])));
}

export function counterexampleText(cx: Counterexample): string {
  const { failure, case: c } = cx;
  const out: string[] = [];
  out.push(`✗ ${cx.property} failed after ${cx.runsBeforeFailure} run(s); shrunk ${cx.shrinks} time(s) to ${c.commands.length} command(s)`);
  out.push(`  rerun: the same command with --seed ${cx.seed}   (fast-check: { seed: ${cx.roundSeed}, path: "${cx.path}" })`);
  const family = familyByName(c.config.family);
  const formatCommand = (x: typeof c.commands[number]) => family.formatCommand(x);
  for (const line of family.describeConfig(c.config)) out.push(`  ${line}`);
  out.push('  steps:');
  c.commands.forEach((cmd, i) => out.push(`  ${i === failure.step ? '>>' : '  '} ${String(i).padStart(3)}  ${formatCommand(cmd)}`));
  if (failure.step >= c.commands.length) out.push(`  >> ${String(failure.step).padStart(3)}  ${failure.command ? formatCommand(failure.command) : ''}   (during the final fair drain)`);
  if (failure.step < 0) out.push(`  >>  end  (after the final fair drain: ${failure.phase})`);
  out.push(`  violated: ${cx.property}: ${failure.violation.message}`);
  return out.join('\n');
}
