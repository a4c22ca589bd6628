/** The property types in virtio-balloon's vocabulary, for the properties that only virtio has. */
import type { Command, Observation, QueueName, StepResult, SystemConfig } from '../../core/virtio/index.ts';
import type { Property, PropertyMonitor, StepContext, WorldSummary } from '../property.ts';

/** The command's guest before the step, with the queues: what virtio's contracts read. */
export interface GuestSummary extends WorldSummary {
  /** An acknowledged buffer waited for the driver. */
  ackWaiting: boolean;
  /** A buffer of the driver's own (driver or OOM origin) was on the inflate or deflate queue, acknowledged or not. */
  ownPending: boolean;
  /** Per queue, the id of the oldest buffer the device had not processed, or -1. */
  unprocessed: Record<QueueName, number>;
}

export type VirtioProperty = Property<Command, Observation, SystemConfig, GuestSummary, StepResult>;
export type VirtioMonitor = PropertyMonitor<Command, Observation, SystemConfig, GuestSummary, StepResult>;
export type VirtioStepContext = StepContext<Command, Observation, GuestSummary, StepResult>;
