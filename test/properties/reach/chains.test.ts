import { describe, expect, it } from 'vitest';
import { CHAIN_EVENTS, ChainTracker, chainSituations, EV, gpfnObstacle, multiGpfnObstacle, singleGpfnObstacle } from '../../../properties/reach/chains.ts';
import { situationIndex } from '../../../properties/reach/situation.ts';

const situations = chainSituations();
const at = situationIndex(situations);
const reached = (hit: Uint8Array) => situations.filter((_, i) => hit[i] === 1).map((s) => s.name);

describe('chains on one host page', () => {
  it('names every ordered pair and triple of the six events once', () => {
    expect(situations.filter((s) => s.group === 'pair')).toHaveLength(CHAIN_EVENTS.length ** 2);
    expect(situations.filter((s) => s.group === 'triple')).toHaveLength(CHAIN_EVENTS.length ** 3);
    expect(new Set(situations.map((s) => s.name)).size).toBe(situations.length);
  });

  it('marks consecutive events on the same page, and nothing across pages or guests', () => {
    const hit = new Uint8Array(situations.length);
    const t = new ChainTracker(2, hit, at('inflate>inflate'));
    t.beginStep(0); t.event(0, 5, EV.write);
    t.beginStep(1); t.event(0, 6, EV.free); t.event(1, 5, EV.free);
    t.beginStep(2); t.event(0, 5, EV.inflate);
    t.beginStep(3); t.event(0, 5, EV.deflate);
    expect(reached(hit)).toEqual(['inflate>deflate', 'write>inflate', 'write>inflate>deflate']);
  });

  it('counts an event repeated within one step once, and the same event in the next step again', () => {
    const hit = new Uint8Array(situations.length);
    const t = new ChainTracker(1, hit, at('inflate>inflate'));
    t.beginStep(0); t.event(0, 0, EV.inflate); t.event(0, 0, EV.inflate);
    expect(reached(hit)).toEqual([]);
    t.beginStep(1); t.event(0, 0, EV.inflate);
    expect(reached(hit)).toEqual(['inflate>inflate']);
  });

  it('a reset is an event on every page of its guest, touched before or after it', () => {
    const hit = new Uint8Array(situations.length);
    const t = new ChainTracker(2, hit, at('inflate>inflate'));
    t.beginStep(0); t.event(0, 1, EV.write);
    t.beginStep(1); t.reset(0);
    t.beginStep(2); t.event(0, 9, EV.inflate);
    t.beginStep(3); t.event(1, 9, EV.inflate);
    expect(reached(hit)).toEqual(['reset>inflate', 'write>reset']);
  });

  it('a page of one gpfn forbids what its states forbid, with the reason', () => {
    expect(singleGpfnObstacle([EV.inflate, EV.write])).toMatch(/writes only a page in use.*ballooned after inflate/);
    expect(singleGpfnObstacle([EV.write, EV.inflate])).toMatch(/balloons only a free page/);
    expect(singleGpfnObstacle([EV.inflate, EV.hostile, EV.deflate])).toBeNull();
    expect(singleGpfnObstacle([EV.deflate, EV.write, EV.free])).toBeNull();
    expect(singleGpfnObstacle([EV.reset, EV.deflate])).toMatch(/deflates only a ballooned page/);
  });

  it('a page of several gpfns forbids only a deflate after a reset with no inflate between', () => {
    expect(multiGpfnObstacle([EV.reset, EV.write, EV.deflate])).toMatch(/reset emptied the balloon/);
    expect(multiGpfnObstacle([EV.reset, EV.inflate, EV.deflate])).toBeNull();
    expect(multiGpfnObstacle([EV.inflate, EV.write])).toBeNull();
  });
});

describe('each family\'s reset rule on a gpfn', () => {
  it('a reboot frees every page; a dropped balloon keeps the guest\'s own; a session closes only after a deflate; no reset at all', () => {
    // Xen: a page written, rebooted, then ballooned: the reboot made it free.
    expect(singleGpfnObstacle([EV.write, EV.reset, EV.inflate])).toBeNull();
    // VMware: the RESET drops the balloon only: a page in use stays in use.
    const vmw = gpfnObstacle({ reset: 'any', leaves: 'balloon' });
    expect(vmw([EV.write, EV.reset, EV.inflate])).toMatch(/balloons only a free page, and the page is in use after reset/);
    expect(vmw([EV.inflate, EV.reset, EV.inflate])).toBeNull();
    // VirtualBox: a ballooned page is deflated before the session closes.
    const vbox = gpfnObstacle({ reset: 'unballooned', why: 'closes only once empty', leaves: 'balloon' });
    expect(vbox([EV.inflate, EV.reset])).toMatch(/closes only once empty; the page is ballooned after inflate/);
    expect(vbox([EV.deflate, EV.reset, EV.inflate])).toBeNull();
    // Hyper-V: no reset, whatever comes before it.
    const hv = gpfnObstacle({ reset: 'never', why: 'no reset' });
    expect(hv([EV.write, EV.reset])).toBe('no reset');
    expect(hv([EV.inflate, EV.deflate, EV.write])).toBeNull();
  });
});
