// One guest's reference pieces wired as impl/system.ts wires them, for the per-module tests.
import { guestConfig, systemConfig, type Effect, type GuestConfig, type SystemConfig } from '../../core/virtio/index.ts';
import { BalloonDevice } from '../../impl/virtio/device.ts';
import { BalloonDriver } from '../../impl/virtio/driver.ts';
import { faultSet, type FaultName } from '../../impl/virtio/faults.ts';
import { GuestMemory } from '../../impl/guest-memory.ts';
import { HostFrames } from '../../impl/host.ts';
import { VirtQueues } from '../../impl/virtio/virtqueue.ts';

export function rig(guest: Partial<GuestConfig> = {}, sys: Partial<SystemConfig> = {}, faults: FaultName[] = []) {
  const cfg = guestConfig({ ramPages: 32, floorPages: 0, ...guest });
  const config = systemConfig({ hostFrames: 64, reservedFrames: 2, guests: [cfg], ...sys });
  const host = new HostFrames(config.hostFrames, config.reservedFrames);
  const mem = new GuestMemory(0, cfg, host);
  const f = faultSet(faults);
  const dev = new BalloonDevice(config, cfg, mem, f);
  const q = new VirtQueues();
  const drv = new BalloonDriver(config, cfg, mem, dev, q, f);
  /** Run `act` and return the effects it appended. */
  const fx = (act: (out: Effect[]) => void): Effect[] => { const out: Effect[] = []; act(out); return out; };
  return { cfg, config, host, mem, dev, q, drv, fx };
}
