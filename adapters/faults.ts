/**
 * What a guarded implementation throws when a step goes wrong in a way the implementation did not
 * report itself: no answer in time, or an answer of the wrong shape. They are thrown (not
 * returned) because the runner already turns a throwing step into a failure of that step
 * (property `no-crash`, properties/runner.ts), printed as `<name>: <message>`.
 */

/** Names the runner prints before the message; stable, like error codes. */
export type ImplementationFaultName = 'StepTimeout' | 'MalformedSystem' | 'MalformedObservation' | 'MalformedStepResult' | 'WorkerGone';

export class ImplementationFault extends Error {
  constructor(name: ImplementationFaultName, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * An error thrown inside the implementation, carried across the worker boundary by name and
 * message; also what the worker reports of its own accord (adapters/worker.ts): ProcessExit,
 * EscapedException, WorkerExited, and UsageError while loading.
 */
export class RemoteError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}
