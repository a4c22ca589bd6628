/**
 * VirtualBox properties are the shared Property shape (properties/property.ts) over VirtualBox's
 * vocabulary: its commands, observation, configuration, step summary and results.
 */
import type { VboxCommand, VboxObservation, VboxStepResult, VboxSystemConfig } from '../../core/virtualbox/index.ts';
import type { Property, WorldSummary } from '../property.ts';

/** The command's guest before a step: the world's summary and the balloon's own state. */
export interface VboxBefore extends WorldSummary {
  chunks: number;
  wanted: number;
  maxChunks: number;
  told: boolean;
  closing: boolean;
  inFlight: 'inflate' | 'deflate' | null;
  eventPending: boolean;
  hostWanted: number;
  hostBallooned: number;
  queued: number;
  armed: number;
}

export type VboxProperty = Property<VboxCommand, VboxObservation, VboxSystemConfig, VboxBefore, VboxStepResult>;
