export { guestMachine, type GuestMachine } from './guest-machine.ts';
export { stepEvents, formatEvent, type GuestEvent, type GuestEventType } from './events.ts';
export {
  initialContext, modelInput, wanted, wantedSize, OOM_DEFLATE_GPFNS,
  type GuestModelContext, type GuestModelInput, type ModelBuffer,
} from './context.ts';
export { RULES, explainRefusal, brokenRule, type Rule, type RuleSetName } from './rules.ts';
export { abstractObservation, projectContext, diffAbstract, sameAbstract, blankAbstract, hostBalloonSize, type AbstractGuest } from './project.ts';
