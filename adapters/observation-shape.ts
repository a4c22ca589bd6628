/**
 * The property `observation-shape`: every step result and observation has the shape core/ says,
 * for the configuration the system was built from. It matters only for foreign implementations
 * (the reference one holds it by construction) and must come FIRST in a property list: the other
 * properties read fields without checking them, so a malformed observation would make them throw
 * instead of failing with this one's message. guardImplementation checks the same thing and is
 * the usual way; this form names the failure `observation-shape` in a report.
 */
import type { Property } from '../properties/property.ts';
import { observationProblems } from './shape.ts';
import { stepResultProblems } from './step-shape.ts';

export const observationShape: Property = {
  name: 'observation-shape',
  kind: 'always',
  doc: 'every step result and observation has the fields and array types core/ describes, sized for the configuration',
  refs: 'core/virtio/observation.ts, core/virtio/effects.ts; docs/ADAPTERS.md',
  monitor(config) {
    const problem = (list: string[], what: string) => (list.length > 0 ? { message: `the ${what} is malformed: ${list.join('; ')}` } : null);
    return {
      step: (ctx) => problem(stepResultProblems(ctx.result), 'step result') ?? problem(observationProblems(ctx.obs, config), 'observation'),
      audit: (obs) => problem(observationProblems(obs, config), 'observation'),
    };
  },
};
