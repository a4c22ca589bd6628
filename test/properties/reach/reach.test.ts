import { describe, expect, it } from 'vitest';
import { runCampaign } from '../../../properties/campaign.ts';
import { FAMILIES, familyByName } from '../../../properties/families.ts';
import { formatReach, ReachRecorder } from '../../../properties/reach/recorder.ts';
import { situationIndex } from '../../../properties/reach/situation.ts';

/**
 * The reach of each family's workload, pinned (issue 22): at this seed and budget every pair of
 * events on one host page of the catalogue that is not marked unreachable is reached in at least
 * 1% of the cases, every triple in at least 0.1%, every other reachable situation at least once,
 * but for the chains named below target; every situation marked unreachable is not reached (its
 * reason would be wrong). The budget is what a test can afford; bench/REACH.md has the figures at
 * the default budget (10,000 cases).
 */
const BUDGET: Record<string, number> = { virtio: 4000, xen: 4000, vmware: 4000, hyperv: 4000, virtualbox: 4000 };
const TARGET: Record<string, number> = { pair: 0.01, triple: 0.001 };
/**
 * Chains a family reaches, but below the target at the test's budget (bench/REACH.md lists those
 * at the default budget). Nearly all are chains of a page a deflate gave back with a hostile
 * request or a guest write next to it. Since hostile requests can be aimed at the page given back
 * last (AIM_PICK, a swarm dimension: properties/workload.ts; Xen, VMware, Hyper-V and virtio; VirtualBox in its chunk cycles), what is left are chains of three with another event between
 * the deflate and the aimed request, most at 0 to 3 cases of the 4 needed. The test allows
 * these, and only these, below target (even at 0), and fails when one of them reaches its target
 * (take it off the list then): the list only shrinks.
 */
const BELOW_TARGET: Record<string, readonly string[]> = {
  // virtio: none since a concentrated case's target swings (properties/workload.ts swingsArb) deflate, a cut a buffer, the pages just inflated, with a write, free,
  // reset or aimed hostile request between the cuts: a deflate came in about one case of seven before, and the chains of two deflates and an event after them were 10 below target.
  virtio: [],
  // Xen and VMware: none since their reuse bursts start with a swing that gives pages back and aim their hostile requests at the page reused (properties/xen/workload.ts, properties/vmware/workload.ts).
  xen: [],
  vmware: [],
  // Hyper-V: none since a concentrated case opens with the start-up exchange and half of them mix in bursts of up to five steps, twice as often (properties/hyperv/workload.ts hvCommandsArb).
  hyperv: [],
  // VirtualBox: none since its chunk cycles (properties/virtualbox/workload.ts vboxCycleArb) re-inflate a chunk just deflated and aim hostile requests at it.
  virtualbox: [],
};
const SEED = 1;
// The situations do not depend on which properties run: one cheap property keeps the campaign fast.
const CHEAP = 'isolation';
/** Each family's campaign at the test's seed and budget, run once for the tests that read it. */
const campaigns = new Map<string, ReturnType<typeof runCampaign>>();
function campaignOf(name: string): ReturnType<typeof runCampaign> {
  let r = campaigns.get(name);
  if (!r) {
    const f = familyByName(name);
    r = runCampaign({ family: name, factory: f.reference, properties: f.properties.filter((p) => p.name === CHEAP), runs: BUDGET[name], seed: SEED });
    campaigns.set(name, r);
  }
  return r;
}

describe('situation catalogues', () => {
  for (const f of FAMILIES.filter((x) => x.reach)) {
    it(`${f.name}: names each situation once, and names the work of every property of the family`, () => {
      const c = f.reach!;
      expect(new Set(c.situations.map((s) => s.name)).size).toBe(c.situations.length);
      expect(Object.keys(c.work).sort()).toEqual(f.properties.map((p) => p.name).sort());
      const at = situationIndex(c.situations);
      for (const names of Object.values(c.work)) for (const n of names) expect(() => at(n)).not.toThrow();
    });
  }
});

describe('reach at a fixed seed and budget', () => {
  for (const name of Object.keys(BUDGET)) {
    it(`${name}: ${BUDGET[name]} cases at seed ${SEED} reach every pair in 1% of cases, every triple in 0.1%, every other reachable situation (but the chains named below target), and none of the unreachable ones`, () => {
      const r = campaignOf(name);
      expect(r.counterexamples).toEqual([]);
      const reach = r.reach!;
      expect(reach.cases).toBe(BUDGET[name]);
      const need = (group: string) => Math.max(1, Math.ceil((TARGET[group] ?? 0) * reach.cases));
      const short = reach.situations.filter((s) => !s.unreachable && s.cases < need(s.group) && !BELOW_TARGET[name].includes(s.name)).map((s) => `${s.name} ${s.cases}`);
      expect(short, formatReach(name, reach)).toEqual([]);
      for (const n of BELOW_TARGET[name]) {
        const s = reach.situations.find((x) => x.name === n);
        expect(s?.unreachable, n).toBeUndefined();
        expect(s!.cases, `${n} reaches its target now: take it off BELOW_TARGET`).toBeLessThan(need(s!.group));
      }
      expect(reach.situations.filter((s) => s.unreachable && s.cases > 0).map((s) => s.name)).toEqual([]);
    }, 120_000);
  }

  for (const name of Object.keys(BUDGET)) {
    it(`${name}: at ${BUDGET[name]} cases and seed ${SEED} no property of the family is vacuous (each had work in some case)`, () => {
      const f = familyByName(name);
      const r = campaignOf(name);
      const cases = new Map(r.reach!.situations.map((s) => [s.name, s.cases]));
      const vacuous = f.properties.map((p) => p.name).filter((p) => !(f.reach!.work[p] ?? []).some((w) => (cases.get(w) ?? 0) > 0));
      expect(vacuous, formatReach(name, r.reach!)).toEqual([]);
    }, 120_000);
  }

  it('reports a property no case gave work as vacuous, and one the catalogue does not name too', () => {
    const catalogue = {
      situations: [{ name: 'a', group: 'work', doc: 'a' }, { name: 'b', group: 'work', doc: 'b' }],
      work: { p: ['a'], q: ['b'] },
      counter: (_config: unknown, hit: Uint8Array) => ({ step: () => { hit[0] = 1; } }),
    };
    const rec = new ReachRecorder(catalogue);
    for (let i = 0; i < 3; i++) { rec.begin({} as never).step({} as never); rec.end(['p', 'q']); }
    rec.begin({} as never); rec.end(['p', 'q']);
    const r = rec.report(['p', 'q', 'r']);
    expect(r.cases).toBe(4);
    expect(r.situations.map((s) => [s.name, s.cases])).toEqual([['a', 3], ['b', 0]]);
    expect(r.properties).toEqual([{ name: 'p', cases: 3, vacuous: false }, { name: 'q', cases: 0, vacuous: true }, { name: 'r', cases: 0, vacuous: true }]);
    expect(formatReach('fake', r)).toMatch(/0 +q +VACUOUS: no case gave it anything to check/);
    expect(formatReach('fake', r)).toMatch(/0\.0% b \(NEVER\)/);
  });

  it('counting can be switched off, and a fault the campaign finds is still counted up to it', () => {
    const f = familyByName('xen');
    const off = runCampaign({ family: 'xen', factory: f.reference, properties: f.properties.slice(0, 1), runs: 5, seed: 1, countReach: false });
    expect(off.reach).toBeUndefined();
    const faulty = runCampaign({ family: 'xen', factory: f.withFaults(['stale-pv-p2m']), properties: f.properties, runs: 50, seed: 1, stopAtFirst: true });
    expect(faulty.counterexamples).toHaveLength(1);
    expect(faulty.reach!.cases).toBe(faulty.counterexamples[0].runsBeforeFailure);
  });
});
