/**
 * The virtio-balloon part of the viewer (viewer/family.ts): one guest chart per guest, stepped
 * in lockstep with the implementation as the conformance property does (properties/conformance.ts:
 * the step's effects become chart events, model/virtio/events.ts), the buffers on each queue for
 * the side panel, and the abstraction's fields where model and implementation differ.
 */
import { createActor, type Actor } from 'xstate';
import { formatCommand, profileOf, type Command, type GuestObservation, type Observation, type StepResult, type SystemConfig } from '../core/virtio/index.ts';
import { virtio } from '../properties/virtio/family.ts';
import {
  abstractObservation, diffAbstract, explainRefusal, formatEvent, guestMachine, modelInput, projectContext, stepEvents, type GuestMachine,
} from '../model/virtio/index.ts';
import { chartTree } from './chart-tree.ts';
import { leafPaths } from './generic.ts';
import type { FamilyStep, FamilyView } from './family.ts';

const CHART = 'virtio-guest';

export { leafPaths };

function queues(g: GuestObservation | undefined): string {
  if (!g || g.inflight.length === 0) return 'empty';
  return g.inflight.map((b) => `${b.queue}#${b.id} ${b.gpfns.length} gpfn${b.gpfns.length === 1 ? '' : 's'}${b.origin === 'driver' ? '' : ` (${b.origin})`}${b.acked ? ' acked' : ''}`).join(', ');
}

export function virtioView(config: SystemConfig): FamilyView {
  const actors: Actor<GuestMachine>[] = config.guests.map((g) => createActor(guestMachine, { input: modelInput(g, config.maxBatch, profileOf(config)) }).start());
  const active = () => actors.map((a) => leafPaths(a.getSnapshot().value));
  return {
    charts: Object.entries(virtio.charts).map(([name, m]) => chartTree(name, m)),
    instances: config.guests.map((_, i) => ({ chart: CHART, guest: i, label: `guest ${i}: ${CHART}` })),
    initial: active(),
    describe: formatCommand,
    step(command: Command, result: StepResult, obs: Observation): FamilyStep {
      const g = command.guest;
      const actor = actors[g];
      const panel: [string, string][] = [[`g${g} queues`, queues(obs.guests[g])]];
      if (!actor) return { active: active(), panel, diff: [] };
      const refused: string[] = [];
      for (const e of stepEvents(command, result)) {
        const before = actor.getSnapshot();
        actor.send(e);
        // The same test as conformance: an event that moves nothing and that no transition takes is refused.
        if (actor.getSnapshot() === before && guestMachine.getTransitionData(before as never, e).length === 0) {
          refused.push(`${formatEvent(e)}: ${explainRefusal(before.context, e) ?? 'no transition of that state takes it'}`);
        }
      }
      panel.push([`g${g} model events`, stepEvents(command, result).map(formatEvent).join(', ') || 'none']);
      if (refused.length) panel.push([`g${g} model refused`, refused.join('; ')]);
      const diff = obs.guests[g] ? diffAbstract(abstractObservation(obs.guests[g]), projectContext(actor.getSnapshot().context)).map((d) => `guest ${g} ${d}`) : [];
      return { active: active(), panel, diff };
    },
  };
}
