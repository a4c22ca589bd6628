import { describe, expect, it } from 'vitest';
import { guestId } from '../../core/index.ts';
import type { HvCommand } from '../../core/hyperv/index.ts';
import type { VboxCommand } from '../../core/virtualbox/index.ts';
import type { Command } from '../../core/virtio/index.ts';
import { familyByName } from '../../properties/families.ts';
import type { AnyProperty } from '../../properties/property.ts';
import { runCase } from '../../properties/runner.ts';
import { AIM_PICK, aimedPick } from '../../properties/workload.ts';

/**
 * Hostile requests aimed at the page given back last (issue 22, properties/workload.ts AIM_PICK):
 * the runner keeps the gpfn a guest's last deflate gave back (FamilyRunner.givenBack) and the
 * family builds an aimed request there; before any give-back, and for every other pick, the pick
 * is what it was.
 */
function appliedCommands(family: string, commands: readonly unknown[]): { commands: unknown[]; effects: { kind: string; gpfns?: number[] }[] } {
  const f = familyByName(family);
  const seen: unknown[] = [];
  const effects: { kind: string; gpfns?: number[] }[] = [];
  const spy: AnyProperty = {
    name: 'spy', kind: 'always', doc: 'records each command as applied', refs: 'test',
    monitor: () => ({ step: (ctx) => { if (!ctx.draining) { seen.push(ctx.command); effects.push(...(ctx.result.effects as never[])); } return null; } }),
  };
  const r = runCase(f.reference, f.defaultConfig(), commands as never, [spy]);
  expect(r.failure).toBeNull();
  return { commands: seen, effects };
}

const g = guestId(0);

describe('aimed hostile requests', () => {
  it('aimedPick: the gpfn mapped to a pick only for AIM_PICK with a page given back', () => {
    expect(aimedPick(AIM_PICK, 12)).toBe(12);
    expect(aimedPick(AIM_PICK, 12, (x) => x / 4)).toBe(3);
    expect(aimedPick(AIM_PICK, -1)).toBe(AIM_PICK);
    expect(aimedPick(AIM_PICK, undefined)).toBe(AIM_PICK);
    expect(aimedPick(7, 12)).toBe(7);
  });

  it('Hyper-V: an aimed UNBALLOON_REQUEST names the page the last unballoon gave back, and one before any give-back does not', () => {
    const hostile: HvCommand = { kind: 'hostile', guest: g, request: 'unballoon-never-ballooned', pick: AIM_PICK };
    const commands: HvCommand[] = [
      hostile,
      { kind: 'host-recv', guest: g }, { kind: 'guest', guest: g }, { kind: 'host-recv', guest: g }, { kind: 'guest', guest: g },
      { kind: 'set-target', guest: g, pages: 12 }, { kind: 'host-send', guest: g }, { kind: 'guest', guest: g }, { kind: 'host-recv', guest: g },
      { kind: 'set-target', guest: g, pages: 4 }, { kind: 'host-send', guest: g }, { kind: 'guest', guest: g },
      hostile,
    ];
    const { commands: applied, effects } = appliedCommands('hyperv', commands) as { commands: HvCommand[]; effects: { kind: string; gpfns?: number[] }[] };
    const back = effects.filter((e) => e.kind === 'hv-unballooned').flatMap((e) => e.gpfns ?? []);
    // The balloon went from 12 pages to 4: the unballoon gave pages back, and the aimed request names the last of them.
    expect(back.length).toBeGreaterThan(0);
    const last = applied[12] as Extract<HvCommand, { kind: 'hostile' }>;
    const first = applied[0] as Extract<HvCommand, { kind: 'hostile' }>;
    const startOf = (c: typeof last) => (c.msg?.type === 'unballoon-request' ? c.msg.ranges[0]?.start : undefined);
    expect(startOf(last)).toBe(back[back.length - 1]);
    // Before any give-back the pick is an ordinary one.
    expect(first.pick).toBe(AIM_PICK);
    expect(startOf(first)).not.toBe(back[back.length - 1]);
  });

  it('VirtualBox: an aimed request starts at the gpfn the last deflated chunk gave back', () => {
    const f = familyByName('virtualbox');
    const config = f.defaultConfig() as { chunkPages: number };
    const hostile: VboxCommand = { kind: 'hostile', guest: g, request: 'deflate-never-inflated', pick: AIM_PICK };
    const up: VboxCommand[] = [{ kind: 'set-target', guest: g, chunks: 2 }, { kind: 'deliver', guest: g }, { kind: 'step', guest: g }, { kind: 'step', guest: g }, { kind: 'step', guest: g }, { kind: 'apply', guest: g }, { kind: 'step', guest: g }, { kind: 'apply', guest: g }];
    const down: VboxCommand[] = [{ kind: 'set-target', guest: g, chunks: 1 }, { kind: 'deliver', guest: g }, { kind: 'step', guest: g }, { kind: 'step', guest: g }, { kind: 'apply', guest: g }, { kind: 'step', guest: g }];
    const { commands: applied, effects } = appliedCommands('virtualbox', [...up, ...down, hostile]) as { commands: VboxCommand[]; effects: { kind: string; origin?: string; inflate?: boolean; gpfns?: number[] }[] };
    const back = (effects as { kind: string; origin?: string; inflate?: boolean; gpfns?: number[] }[]).filter((e) => e.kind === 'change-balloon' && e.origin === 'driver' && e.inflate === false).flatMap((e) => e.gpfns ?? []);
    expect(back.length).toBeGreaterThan(0);
    const last = applied[applied.length - 1] as Extract<VboxCommand, { kind: 'hostile' }>;
    // The request's first address is the gpfn given back last (RAM the host no longer holds).
    expect(last.req?.addrs[0]).toBe(back[back.length - 1] * 4096);
    expect(last.req?.addrs.length).toBe(config.chunkPages);
  });

  it('virtio: an aimed never-inflated deflate starts at the gpfn the driver deflated last, and one before any deflate does not', () => {
    const hostile: Command = { kind: 'hostile', guest: g, request: 'never-inflated', pick: AIM_PICK };
    const round: Command[] = [{ kind: 'driver', guest: g }, { kind: 'device', guest: g, queue: 'inflate' }, { kind: 'device', guest: g, queue: 'deflate' }, { kind: 'driver', guest: g }];
    const commands: Command[] = [hostile, { kind: 'set-target', guest: g, pages: 12 }, ...round, ...round, { kind: 'set-target', guest: g, pages: 4 }, ...round, ...round, hostile];
    const { commands: applied, effects } = appliedCommands('virtio', commands) as { commands: Command[]; effects: { kind: string; queue?: string; origin?: string; gpfns?: number[] }[] };
    const back = effects.filter((e) => e.kind === 'buffer-queued' && e.queue === 'deflate' && e.origin !== 'hostile').flatMap((e) => e.gpfns ?? []);
    // The balloon went from 12 pages to 4: the driver deflated, and the aimed request names the last gpfn it deflated.
    expect(back.length).toBeGreaterThan(0);
    const last = applied[applied.length - 1] as Extract<Command, { kind: 'hostile' }>;
    const first = applied[0] as Extract<Command, { kind: 'hostile' }>;
    expect(last.gpfns?.[0]).toBe(back[back.length - 1]);
    // Before any deflate the pick is an ordinary one.
    expect(first.pick).toBe(AIM_PICK);
    expect(first.gpfns?.[0]).not.toBe(back[back.length - 1]);
  });
});
