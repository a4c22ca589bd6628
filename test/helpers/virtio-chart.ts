import { createActor } from 'xstate';
import { explainRefusal, guestMachine, type GuestEvent, type GuestModelInput } from '../../model/virtio/index.ts';

/** Feeds the virtio guest chart `events` from `input`; the snapshot it ends in and each refused event with the rule that refused it. */
export function feedGuestChart(input: GuestModelInput, events: readonly GuestEvent[]) {
  const a = createActor(guestMachine, { input }).start();
  const refused: string[] = [];
  for (const e of events) {
    const before = a.getSnapshot();
    a.send(e);
    if (a.getSnapshot() === before && guestMachine.getTransitionData(before as never, e).length === 0) {
      refused.push(`${e.type}: ${explainRefusal(before.context, e) ?? 'state'}`);
    }
  }
  return { snapshot: a.getSnapshot(), refused };
}
