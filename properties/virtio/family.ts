/**
 * virtio-balloon (KVM/QEMU, Firecracker, cloud-hypervisor) as one family value: its vocabulary
 * (core/virtio), reference implementation (impl/virtio), statechart (model/virtio), workload,
 * hostile buffers, zoo and properties. docs/families/virtio.md says what each part encodes.
 */
import {
  configProblems, DEFAULT_VIRTIO_PROFILE, formatCommand, HOSTILE_REQUESTS, commandKinds, profileOf, systemConfig, VIRTIO_PROFILES, withProfile,
  type VirtioProfile,
  type Command, type Observation, type StepResult, type SystemConfig,
} from '../../core/virtio/index.ts';
import { createReferenceSystem, FAULTS, referenceWithFaults, type FaultName } from '../../impl/virtio/index.ts';
import { guestMachine } from '../../model/virtio/guest-machine.ts';
import { VirtioCommandSchema, VirtioConfigSchema } from '../../core/virtio/schema.ts';
import { observationProblems } from '../../core/virtio/observation-shape.ts';
import { stepResultProblems } from '../../core/virtio/step-shape.ts';
import type { Family } from '../family.ts';
import { simplifyCase } from '../simplify.ts';
import { caseArb } from '../workload.ts';
import { allProperties, virtioConformanceProperty } from './properties.ts';
import { hintMachine } from '../../model/virtio/hinting-machine.ts';
import { HINT_CHART_NAME } from './hinting/family.ts';
import { virtioRunner, virtioWorld } from './runner.ts';
import { virtioReach } from './reach.ts';
import { virtioExplorer } from './explorer.ts';

export const virtio: Family<Command, Observation, SystemConfig, StepResult> = {
  name: 'virtio',
  title: 'virtio-balloon (VIRTIO 1.x 5.5; QEMU virtio-balloon device, Linux virtio_balloon driver)',
  doc: 'docs/families/virtio.md',
  defaultConfig: () => systemConfig(),
  configProblems,
  schemas: { config: VirtioConfigSchema, command: VirtioCommandSchema },
  commandKinds,
  formatCommand,
  describeConfig: (c) => [
    `system: ${c.guests.length} guest(s), ${c.hostFrames} host frames, host page ${c.hostPageGpfns} gpfn(s), batch ≤ ${c.maxBatch}${c.profile ? `, profile ${c.profile}` : ''}`,
    ...c.guests.map((g, i) => {
      const f = Object.entries(g.features).filter(([, on]) => on).map(([k]) => k).join(',') || 'none';
      return `  guest ${i}: ${g.ramPages} pages (${g.guestPageGpfns === 16 ? '64 KiB' : '4 KiB'} guest pages), floor ${g.floorPages}${g.holePages ? `, hole ${g.holeStart}+${g.holePages}` : ''}, features ${f}${g.assignedDevice ? ', assigned device' : ''}`;
    }),
  ],
  // docs/virtio-spec.md "Profiles": linux is the default, so runs and traces from before profiles keep their verdicts.
  profiles: { names: VIRTIO_PROFILES, default: DEFAULT_VIRTIO_PROFILE, of: profileOf, apply: (c, p) => withProfile(c, p as VirtioProfile) },
  hostileKinds: HOSTILE_REQUESTS,
  // A hostile driver's buffers, which the device refuses.
  hostileSender: 'guest',
  caseArb,
  simplifyCase,
  // The hand-written walk of the observation's schema (measured faster: bench/OBSERVATION-SHAPE.md).
  shape: { guestField: 'features', observationProblems, stepResultProblems },
  reference: createReferenceSystem,
  faults: Object.entries(FAULTS).map(([name, f]) => ({ name, summary: f.doc, source: f.reference, catches: f.catches })),
  withFaults: (names) => referenceWithFaults(names as FaultName[]),
  runner: virtioRunner,
  world: virtioWorld,
  properties: allProperties,
  // The hinting chart is stepped by conformance on guests that negotiated FREE_PAGE_HINT (./hinting/family.ts).
  charts: { 'virtio-guest': guestMachine, [HINT_CHART_NAME]: hintMachine },
  conformanceProperty: virtioConformanceProperty,
  reach: virtioReach,
  explorer: virtioExplorer,
};
