/**
 * VMware properties are the shared Property shape (properties/property.ts) over VMware's
 * vocabulary: its commands, observation, configuration, step summary and results.
 */
import type { VmwCommand, VmwObservation, VmwStepResult, VmwSystemConfig } from '../../core/vmware/index.ts';
import type { Property, WorldSummary } from '../property.ts';

/** The command's guest before a step: the world's summary and the balloon's own counts. */
export interface VmwBefore extends WorldSummary {
  /** 4 KiB pages the host held locked, and the driver's size. */
  locked: number;
  size: number;
}

export type VmwProperty = Property<VmwCommand, VmwObservation, VmwSystemConfig, VmwBefore, VmwStepResult>;
