/**
 * `balloon conform`: the random campaign with only the lockstep conformance property: every step
 * of the implementation must be a step the family's statechart allows (--family; default: every family). A divergence prints
 * its shrunk counterexample, saves it as a trace and exits 1.
 */
import type { Command } from 'commander';
import { addCampaignOptions, campaignCommand, type CampaignFlags } from './check.ts';

export function register(program: Command): void {
  addCampaignOptions(program.command('conform')
    .description('check an implementation against its family\'s statecharts, in lockstep'), 1000)
    .action(async function (this: Command, flags: CampaignFlags) {
      (this as Command & { exitCode?: number }).exitCode = await campaignCommand('conform', flags, (f) => f.properties.filter((p) => p.name === 'conformance'));
    });
}
