/**
 * The virtio chart's lifecycle region (model/virtio/lifecycle.ts): a reset, then FEATURES_OK,
 * poison_val with PAGE_POISON, the stats buffer with STATS_VQ, DRIVER_OK. Each test feeds the
 * chart a reload and names the rule that refuses a wrong one.
 */
import { describe, expect, it } from 'vitest';
import { feedGuestChart } from '../helpers/virtio-chart.ts';
import { defaultFeatures, guestConfig, POISON_VAL, type VirtioFeatures, type VirtioProfile } from '../../core/virtio/index.ts';
import { modelInput, type GuestEvent } from '../../model/virtio/index.ts';

const input = (features: Partial<VirtioFeatures>, profile: VirtioProfile = 'linux') =>
  modelInput(guestConfig({ ramPages: 8, floorPages: 2, features: { ...defaultFeatures, ...features } }), 4, profile);

function feed(events: GuestEvent[], features: Partial<VirtioFeatures> = {}, profile: VirtioProfile = 'linux') {
  return feedGuestChart(input(features, profile), events);
}

const POISON: Partial<VirtioFeatures> = { pagePoison: true, pageReporting: true, statsVq: true };
const reset: GuestEvent[] = [{ type: 'RESET' }, { type: 'ACTUAL_WRITTEN', actual: 0 }];
const stats = (id: number): GuestEvent => ({ type: 'BUFFER_QUEUED', queue: 'stats', id, origin: 'driver', size: 0 });
const poison = (value = POISON_VAL): GuestEvent => ({ type: 'POISON_WRITTEN', value });
const FEATURES_OK: GuestEvent = { type: 'FEATURES_OK' };
const DRIVER_OK: GuestEvent = { type: 'DRIVER_OK' };

describe('virtio chart: reset and reload', () => {
  it('starts with DRIVER_OK set (the run begins after the probe)', () => {
    const { snapshot } = feed([]);
    expect(snapshot.value).toMatchObject({ lifecycle: 'driverOk' });
  });

  it('accepts the reference reload: FEATURES_OK, poison_val, stats buffer, DRIVER_OK', () => {
    const { snapshot, refused } = feed([...reset, FEATURES_OK, poison(), stats(2), DRIVER_OK], POISON);
    expect(refused).toEqual([]);
    expect(snapshot.value).toMatchObject({ lifecycle: 'driverOk', device: { statsq: 'posted' } });
  });

  it('refuses DRIVER_OK without poison_val written since the reset (statement 55, review C1)', () => {
    expect(feed([...reset, FEATURES_OK, stats(2), DRIVER_OK], POISON).refused).toEqual([
      expect.stringMatching(/^DRIVER_OK: with PAGE_POISON the driver wrote poison_val before it sets DRIVER_OK/),
    ]);
  });

  it('refuses poison_val written while DRIVER_OK is set (statements 55, 56)', () => {
    expect(feed([...reset, FEATURES_OK, stats(2), DRIVER_OK, poison()], { ...POISON, pagePoison: true }).refused[0]).toMatch(/^DRIVER_OK:/);
    expect(feed([poison()], POISON).refused).toEqual([expect.stringMatching(/^POISON_WRITTEN: poison_val is written between FEATURES_OK and DRIVER_OK/)]);
  });

  it('refuses poison_val without PAGE_POISON, or of another value than the guest poisons with', () => {
    expect(feed([...reset, FEATURES_OK, poison()], { pagePoison: false }).refused).toEqual([expect.stringMatching(/only with PAGE_POISON negotiated/)]);
    expect(feed([...reset, FEATURES_OK, poison(0)], POISON).refused).toEqual([expect.stringMatching(/the value the guest poisons its free pages with/)]);
  });

  it('refuses DRIVER_OK before FEATURES_OK, and FEATURES_OK twice', () => {
    expect(feed([...reset, DRIVER_OK], { statsVq: false }).refused).toEqual(['DRIVER_OK: DRIVER_OK follows FEATURES_OK (VIRTIO 1.2 3.1.1, steps 5 to 8)']);
    expect(feed([...reset, FEATURES_OK, FEATURES_OK], { statsVq: false }).refused[0]).toMatch(/^FEATURES_OK: the driver sets FEATURES_OK after a reset/);
  });

  it('refuses DRIVER_OK before the stats buffer under linux, accepts it under spec (statement 26 asks the buffer, not its moment)', () => {
    expect(feed([...reset, FEATURES_OK, DRIVER_OK], { statsVq: true }).refused).toEqual([expect.stringMatching(/posted a stats buffer before it sets DRIVER_OK/)]);
    expect(feed([...reset, FEATURES_OK, DRIVER_OK, stats(2)], { statsVq: true }, 'spec').refused).toEqual([]);
  });
});
