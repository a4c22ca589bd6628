/**
 * Feature negotiation in the virtio chart's lifecycle region (model/virtio/lifecycle.ts,
 * core/virtio/negotiation.ts): FEATURES_OK with what the device offered and the driver accepted,
 * statements 1 to 4 of docs/virtio-spec.md. The SHOULDs (1, 2) are linux narrowings, accepted
 * under spec; the MUST NOT (3) and the subset rule (VIRTIO 2.2.1) hold under every profile; the
 * device's MAY (4) is accepted, and DRIVER_OK on a refused FEATURES_OK is not.
 */
import { describe, expect, it } from 'vitest';
import { feedGuestChart } from '../helpers/virtio-chart.ts';
import { guestConfig, linuxAccepts, offerOf, type VirtioFeatures, type VirtioProfile } from '../../core/virtio/index.ts';
import { modelInput, type GuestEvent } from '../../model/virtio/index.ts';

const ALL: VirtioFeatures = { mustTellHost: true, statsVq: true, deflateOnOom: true, pagePoison: true, pageReporting: true };

/** A guest whose configuration offers `config` (with PAGE_POISON: a guest that poisons its free pages). */
const feed = (events: GuestEvent[], config: VirtioFeatures = ALL, profile: VirtioProfile = 'linux') =>
  feedGuestChart(modelInput(guestConfig({ ramPages: 8, floorPages: 2, features: config }), 4, profile), events);

const reset: GuestEvent[] = [{ type: 'RESET' }, { type: 'ACTUAL_WRITTEN', actual: 0 }];
const ok = (offered: VirtioFeatures, accepted: VirtioFeatures): GuestEvent => ({ type: 'FEATURES_OK', offered, accepted });
const stats = (id: number): GuestEvent => ({ type: 'BUFFER_QUEUED', queue: 'stats', id, origin: 'driver', size: 0 });
const poison: GuestEvent = { type: 'POISON_WRITTEN', value: 0xaaaaaaaa };
const DRIVER_OK: GuestEvent = { type: 'DRIVER_OK' };
const REFUSED: GuestEvent = { type: 'FEATURES_REFUSED' };

describe('virtio chart: feature negotiation at a reload', () => {
  it('accepts what Linux accepts of every offer, and its queues follow the accepted set', () => {
    const offered = offerOf(ALL, ['statsVq', 'pagePoison']);
    const accepted = linuxAccepts(offered, true);
    expect(accepted).toMatchObject({ statsVq: false, pagePoison: false, pageReporting: false });
    const { snapshot, refused } = feed([...reset, ok(offered, accepted), DRIVER_OK, stats(2)]);
    // The stats buffer after DRIVER_OK is refused: STATS_VQ was not negotiated at this reload.
    expect(refused).toEqual([expect.stringMatching(/^BUFFER_QUEUED: statsq exists only with STATS_VQ/)]);
    expect(snapshot.value).toMatchObject({ lifecycle: 'driverOk', device: { statsq: 'off', reportq: 'off' } });
    expect(snapshot.context.cfg.features).toEqual(accepted);
  });

  it('turns a queue back on when a later reload negotiates it again', () => {
    const less = offerOf(ALL, ['statsVq']);
    const events = [...reset, ok(less, linuxAccepts(less, true)), poison, DRIVER_OK, ...reset, ok(ALL, ALL), poison, stats(3), DRIVER_OK];
    const { snapshot, refused } = feed(events);
    expect(refused).toEqual([]);
    expect(snapshot.value).toMatchObject({ lifecycle: 'driverOk', device: { statsq: 'posted', reportq: 'idle' }, oom: 'armed' });
  });

  it('refuses a feature the device did not offer, under every profile (VIRTIO 2.2.1)', () => {
    for (const profile of ['linux', 'spec'] as const) {
      expect(feed([...reset, ok(offerOf(ALL, ['deflateOnOom']), ALL)], ALL, profile).refused)
        .toEqual([expect.stringMatching(/^FEATURES_OK: the driver accepts only features the device offered/)]);
    }
  });

  it('statement 1: declining MUST_TELL_HOST is refused under linux, accepted under spec (a SHOULD)', () => {
    const declined = { ...ALL, mustTellHost: false };
    expect(feed([...reset, ok(ALL, declined)]).refused).toEqual([expect.stringMatching(/accepts MUST_TELL_HOST when the device offers it/)]);
    expect(feed([...reset, ok(ALL, declined), poison, stats(2), DRIVER_OK], ALL, 'spec').refused).toEqual([]);
  });

  it('statement 2: PAGE_POISON kept by a guest that does not poison is refused under linux; under spec its poison_val is all that is asked (55)', () => {
    const noPoisonGuest: VirtioFeatures = { ...ALL, pagePoison: true };
    // A guest that does not poison: the device offers PAGE_POISON (QEMU does by default) but the configuration's guest has none.
    const cfg: VirtioFeatures = { ...ALL, pagePoison: false };
    expect(feed([...reset, ok(noPoisonGuest, noPoisonGuest)], cfg).refused).toEqual([
      expect.stringMatching(/^FEATURES_OK: the driver accepts only features the device offered|^FEATURES_OK: the driver accepts PAGE_POISON exactly when/),
    ]);
    // Within the offer: a poisoning guest that declines PAGE_POISON (and, by statement 3, PAGE_REPORTING).
    const declined = { ...ALL, pagePoison: false, pageReporting: false };
    expect(feed([...reset, ok(ALL, declined)]).refused).toEqual([expect.stringMatching(/accepts PAGE_POISON exactly when it is offered and the guest poisons/)]);
    expect(feed([...reset, ok(ALL, declined), stats(2), DRIVER_OK], ALL, 'spec').refused).toEqual([]);
    // Accepted and never written: DRIVER_OK is refused under every profile (statement 55).
    expect(feed([...reset, ok(ALL, ALL), stats(2), DRIVER_OK], ALL, 'spec').refused).toEqual([expect.stringMatching(/^DRIVER_OK: with PAGE_POISON the driver wrote poison_val/)]);
  });

  it('statement 3: a poisoning guest may not take PAGE_REPORTING without PAGE_POISON, under every profile; a guest that does not poison may', () => {
    const offered = offerOf(ALL, ['pagePoison']);
    for (const profile of ['linux', 'spec'] as const) {
      expect(feed([...reset, ok(offered, offered)], ALL, profile).refused)
        .toEqual([expect.stringMatching(/relies on free pages keeping their contents .* accepts PAGE_REPORTING only with PAGE_POISON/)]);
    }
    const plain: VirtioFeatures = { ...ALL, pagePoison: false };
    expect(feed([...reset, ok(plain, plain), stats(2), DRIVER_OK], plain).refused).toEqual([]);
  });

  it('statement 4: the device may refuse FEATURES_OK (a MAY, accepted); the driver starts over, and DRIVER_OK on the refused set is refused', () => {
    const declined = { ...ALL, mustTellHost: false };
    const retry = [...reset, ok(ALL, declined), REFUSED, ok(ALL, declined), poison, stats(2), DRIVER_OK];
    expect(feed(retry, ALL, 'spec').refused).toEqual([]);
    expect(feed([...reset, ok(ALL, ALL), REFUSED, ok(ALL, ALL), poison, stats(2), DRIVER_OK]).refused).toEqual([]);
    const ignored = feed([...reset, ok(ALL, ALL), REFUSED, poison, stats(2), DRIVER_OK]);
    expect(ignored.refused).toEqual([expect.stringMatching(/^POISON_WRITTEN: poison_val is written between FEATURES_OK and DRIVER_OK/), 'DRIVER_OK: DRIVER_OK follows FEATURES_OK (VIRTIO 1.2 3.1.1, steps 5 to 8)']);
    expect(ignored.snapshot.value).toMatchObject({ lifecycle: 'reset' });
    // No refusal outside FEATURES_OK: before it, or once DRIVER_OK is set.
    expect(feed([...reset, REFUSED]).refused).toEqual([expect.stringMatching(/^FEATURES_REFUSED: the device may refuse the FEATURES_OK just set/)]);
    expect(feed([REFUSED]).refused).toHaveLength(1);
  });

  it('a FEATURES_OK that does not say what was negotiated keeps the features the chart holds (the QEMU projection, older traces)', () => {
    const { snapshot, refused } = feed([...reset, { type: 'FEATURES_OK' }, poison, stats(2), DRIVER_OK]);
    expect(refused).toEqual([]);
    expect(snapshot.context.cfg.features).toEqual(ALL);
  });
});
