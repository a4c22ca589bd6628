/**
 * `balloon conform`: the random campaign with only the lockstep conformance property: every step
 * of the implementation must be a step the virtio-balloon statechart allows. A divergence prints
 * its shrunk counterexample, saves it as a trace and exits 1.
 */
import type { Command } from 'commander';
import { conformance } from '../../properties/conformance.ts';
import { addCampaignOptions, campaignCommand, type CampaignFlags } from './check.ts';

export function register(program: Command): void {
  addCampaignOptions(program.command('conform')
    .description('check an implementation against the virtio-balloon statechart, in lockstep'), 1000)
    .action(async function (this: Command, flags: CampaignFlags) {
      (this as Command & { exitCode?: number }).exitCode = await campaignCommand('conform', flags, [conformance]);
    });
}
