import { describe, expect, it } from 'vitest';
import {
  averageRanks,
  bestUnderBudget,
  defaultFlopsGap,
  groupByFlops,
  mulberry32,
  nearestBlockMap,
  pairedStitchingPositions,
  paretoFrontier,
  rosGroupProbabilities,
  rosSampler,
  spearman,
  uniformSampler,
  v1Space,
  v2Space,
} from '../src/index.js';

describe('v1 configuration space (paired sliding window)', () => {
  it('L = 4, k_w = 2, s = 1: 10 positions in the documented order, 3 layers per pair', () => {
    const { positions, layerOf, numLayers } = pairedStitchingPositions(4, 2, 1);
    expect(positions).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [1, 2],
      [2, 1],
      [2, 2],
      [2, 3],
      [3, 2],
      [3, 3],
    ]);
    expect(layerOf).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(numLayers).toBe(3);
  });

  it('L = 12: 34 positions, 11 layers (3L − 2 and L − 1)', () => {
    const p = pairedStitchingPositions(12);
    expect(p.positions.length).toBe(34);
    expect(p.numLayers).toBe(11);
    // (0,0),(0,1),(1,0),(1,1) then (m,m+1),(m+1,m),(m+1,m+1) for m = 1..L−2.
    const expected: Array<[number, number]> = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ];
    for (let m = 1; m <= 10; m++) expected.push([m, m + 1], [m + 1, m], [m + 1, m + 1]);
    expect(p.positions).toEqual(expected);
  });

  it('counts configurations: 12 (2 anchors) and 23 (3 anchors, nearest) for L = 4; 71 for L = 12', () => {
    expect(v1Space(4, 2).configs.length).toBe(12);
    const s3 = v1Space(4, 3);
    expect(s3.configs.length).toBe(23);
    expect(s3.layers.length).toBe(6);
    const s12 = v1Space(12, 3);
    expect(s12.configs.length).toBe(71);
    expect(s12.configs.map((c) => c.id)).toEqual(Array.from({ length: 71 }, (_, i) => i));
    // Ids: 0–2 anchors, 3–36 Ti→S, 37–70 S→B.
    expect(s12.configs.slice(0, 3).every((c) => c.kind === 'anchor')).toBe(true);
    expect(s12.configs.slice(3, 37).every((c) => c.anchors.join() === '0,1')).toBe(true);
    expect(s12.configs.slice(37).every((c) => c.anchors.join() === '1,2')).toBe(true);
    expect(s12.layers.length).toBe(22);
  });

  it('describes each stitch as segments, layers and positions (depth 13 + j − k at L = 12)', () => {
    const s = v1Space(12, 3);
    const { positions } = pairedStitchingPositions(12);
    positions.forEach(([j, k], i) => {
      const c = s.configs[3 + i]!;
      expect(c.positions).toEqual([[j, k]]);
      expect(c.segments).toEqual([
        { anchor: 0, start: 0, end: j + 1 },
        { anchor: 1, start: k, end: 12 },
      ]);
      const blocks = c.segments.reduce((a, g) => a + g.end - g.start, 0);
      expect(blocks).toBe(13 + j - k);
      expect(c.stitches).toHaveLength(1);
      expect(c.stitches[0]!.startsWith('v1:0-1:')).toBe(true);
    });
    // A window layer serves every position that is new in its window.
    const l0 = s.layers.find((l) => l.id === 'v1:0-1:0')!;
    expect(l0.positions).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(s.configs[5]!.label).toMatch(/A0\[0–1\] → A1\[0–11\]/);
  });

  it('without nearest stitching: all pairs, then Ti→S→B paths with front ≥ previous end', () => {
    const s = v1Space(4, 3, { nearest: false });
    const pairs = s.configs.filter((c) => c.anchors.length === 2);
    const triples = s.configs.filter((c) => c.anchors.length === 3);
    expect(pairs.length).toBe(30);
    expect(pairs.slice(10, 20).every((c) => c.anchors.join() === '0,2')).toBe(true);
    const { positions } = pairedStitchingPositions(4);
    let expected = 0;
    for (const [, k1] of positions) for (const [j2] of positions) if (j2 >= k1) expected++;
    expect(triples.length).toBe(expected);
    for (const t of triples) {
      expect(t.positions[1]![0]).toBeGreaterThanOrEqual(t.positions[0]![1]);
      expect(t.segments[1]!.end).toBeGreaterThan(t.segments[1]!.start);
    }
    // Ids stay contiguous and triples come last.
    expect(s.configs.map((c) => c.id)).toEqual(s.configs.map((_, i) => i));
    expect(s.configs[s.configs.length - 1]!.anchors).toEqual([0, 1, 2]);
  });

  it('honours window size and stride', () => {
    const p = pairedStitchingPositions(4, 3, 2);
    // Windows {0,1,2} and {2,3}: 9 + 3 new positions, 2 layers.
    expect(p.positions.length).toBe(12);
    expect(p.numLayers).toBe(2);
    expect(() => pairedStitchingPositions(4, 0, 1)).toThrow(/windowSize/);
  });
});

describe('v2 two-way space', () => {
  it('n = 4 (4/4 blocks): 14 used configurations in the documented id order; SL_3 excluded', () => {
    const s = v2Space(4, 4);
    expect(s.configs.length).toBe(14);
    expect(s.excludedIds).toEqual([5]);
    const fam = s.configs.map((c) => `${c.id}:${c.family}`);
    expect(fam).toEqual([
      '0:anchor',
      '1:anchor',
      '2:SL',
      '3:SL',
      '4:SL',
      '6:LS',
      '7:LS',
      '8:LS',
      '9:LSL',
      '10:LSL',
      '11:LSL',
      '12:SLS',
      '13:SLS',
      '14:SLS',
    ]);
    const seg = (id: number) => s.configs.find((c) => c.id === id)!.segments.map((g) => `${g.anchor}:${g.start}-${g.end}`).join(' ');
    expect(seg(2)).toBe('0:0-1 1:1-4'); // SL_0: small 0..0 → large 1..3
    expect(seg(6)).toBe('1:0-1 0:1-4'); // LS(0): large 0..0 → small 1..3
    expect(seg(9)).toBe('1:0-1 0:1-2 1:2-4'); // LS(0) then SL_1
    expect(seg(10)).toBe('1:0-1 0:1-3 1:3-4'); // LS(0) then SL_2
    expect(seg(11)).toBe('1:0-2 0:2-3 1:3-4'); // LS(1) then SL_2
    expect(seg(12)).toBe('0:0-1 1:1-2 0:2-4'); // SL_0 then LS(1)
    expect(seg(13)).toBe('0:0-1 1:1-3 0:3-4'); // SL_0 then LS(2)
    expect(seg(14)).toBe('0:0-2 1:2-3 0:3-4'); // SL_1 then LS(2)
    expect(s.configs.find((c) => c.id === 9)!.stitches).toEqual(['LS_0', 'SL_1']);
    expect(s.layers.map((l) => l.id)).toEqual(['SL_0', 'SL_1', 'SL_2', 'LS_0', 'LS_1', 'LS_2']);
    expect(s.layers.find((l) => l.id === 'SL_1')!.positions).toEqual([[1, 2]]);
    expect(s.layers.find((l) => l.id === 'LS_1')!.positions).toEqual([[1, 2]]);
  });

  it('n = 4 with a 4/8 pair: LS only at odd large blocks; counts n(n−1)+2', () => {
    const s = v2Space(4, 8);
    expect(nearestBlockMap(4, 8)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    const ls = s.configs.filter((c) => c.family === 'LS');
    expect(ls.map((c) => c.positions[0])).toEqual([
      [1, 1],
      [3, 2],
      [5, 3],
    ]);
    expect(ls.map((c) => c.stitches[0])).toEqual(['LS_0', 'LS_1', 'LS_2']);
    const sl = s.configs.filter((c) => c.family === 'SL');
    expect(sl.map((c) => c.positions[0])).toEqual([
      [0, 2],
      [1, 4],
      [2, 6],
    ]);
    expect(s.configs.length).toBe(14);
    for (const c of s.configs) for (const g of c.segments) expect(g.end).toBeGreaterThan(g.start);
  });

  it('n = 12: 134 used configurations (11 SL, 11 LS, 55 LSL, 55 SLS), ids as in the official results', () => {
    for (const large of [12, 24]) {
      const s = v2Space(12, large);
      expect(s.configs.length).toBe(134);
      const count = (f: string) => s.configs.filter((c) => c.family === f).length;
      expect([count('SL'), count('LS'), count('LSL'), count('SLS')]).toEqual([11, 11, 55, 55]);
      // The official stitches_res_s_l.txt lists ids 0..134 without 13 (SL_11).
      expect(s.excludedIds).toEqual([13]);
      expect(s.configs.map((c) => c.id)).toEqual(Array.from({ length: 135 }, (_, i) => i).filter((i) => i !== 13));
    }
    expect(v2Space(6, 6).configs.length).toBe(32);
    expect(() => v2Space(4, 6)).toThrow(/integer/);
  });
});

describe('Pareto frontier, budgets and Spearman', () => {
  const rand = mulberry32(7);
  const randomPoints = (n: number) =>
    Array.from({ length: n }, (_, id) => ({ id, flops: Math.floor(rand() * 20), top1: Math.round(rand() * 50) / 50, latencyMs: { median: rand() * 5, p90: 0, batchSize: 1 } }));

  it('is strictly increasing, dominates every other point, and holds the cheapest and the most accurate', () => {
    for (let trial = 0; trial < 50; trial++) {
      const pts = randomPoints(1 + Math.floor(rand() * 40));
      const f = paretoFrontier(pts);
      for (let i = 1; i < f.length; i++) {
        expect(f[i]!.flops).toBeGreaterThan(f[i - 1]!.flops);
        expect(f[i]!.top1).toBeGreaterThan(f[i - 1]!.top1);
      }
      const on = new Set(f.map((p) => p.id));
      for (const p of pts) {
        if (on.has(p.id)) continue;
        expect(f.some((q) => q.flops <= p.flops && q.top1 >= p.top1)).toBe(true);
      }
      const minFlops = Math.min(...pts.map((p) => p.flops));
      const bestAtMin = Math.max(...pts.filter((p) => p.flops === minFlops).map((p) => p.top1));
      expect(f[0]!.flops).toBe(minFlops);
      expect(f[0]!.top1).toBe(bestAtMin);
      const maxAcc = Math.max(...pts.map((p) => p.top1));
      expect(f[f.length - 1]!.top1).toBe(maxAcc);
      // Latency as the cost key.
      const fl = paretoFrontier(pts, { cost: 'latency' });
      for (let i = 1; i < fl.length; i++) expect(fl[i]!.latencyMs.median).toBeGreaterThan(fl[i - 1]!.latencyMs.median);
    }
  });

  it('keeps the first of equal points and follows the documented sort', () => {
    const pts = [
      { id: 0, flops: 1, top1: 0.5 },
      { id: 1, flops: 1, top1: 0.6 },
      { id: 2, flops: 2, top1: 0.6 },
      { id: 3, flops: 3, top1: 0.7 },
      { id: 4, flops: 3, top1: 0.7 },
      { id: 5, flops: 4, top1: 0.65 },
    ];
    expect(paretoFrontier(pts).map((p) => p.id)).toEqual([1, 3]);
  });

  it('picks the most accurate frontier point within a budget, or null', () => {
    const pts = [
      { id: 0, flops: 1, top1: 0.5, latencyMs: { median: 1 } },
      { id: 1, flops: 2, top1: 0.7, latencyMs: { median: 3 } },
      { id: 2, flops: 3, top1: 0.6, latencyMs: { median: 2 } },
      { id: 3, flops: 5, top1: 0.9, latencyMs: { median: 4 } },
    ];
    expect(bestUnderBudget(pts, { maxFlops: 4 })!.id).toBe(1);
    expect(bestUnderBudget(pts, { maxFlops: 10 })!.id).toBe(3);
    expect(bestUnderBudget(pts, { maxFlops: 0.5 })).toBeNull();
    expect(bestUnderBudget(pts, { maxLatencyMs: 2.5 })!.id).toBe(2);
    expect(bestUnderBudget(pts, { maxFlops: 4, maxLatencyMs: 2.5 })!.id).toBe(2);
    for (let trial = 0; trial < 20; trial++) {
      const r = randomPoints(30);
      const budget = rand() * 20;
      const best = bestUnderBudget(r, { maxFlops: budget });
      const f = paretoFrontier(r);
      const inBudget = f.filter((p) => p.flops <= budget);
      expect(best).toBe(inBudget.length ? inBudget[inBudget.length - 1] : null);
    }
  });

  it('Spearman uses average ranks for ties', () => {
    expect(averageRanks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // Hand-computed with ties: ranks x = [1, 2.5, 2.5, 4], y = [1, 2, 3, 4] → r = 4.5/√(4.5·5).
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('resource-constrained sampling (ROS)', () => {
  it('forms groups that never span more than the gap, and draws groups ≈ 1/G', () => {
    const rand = mulberry32(3);
    const points = Array.from({ length: 134 }, (_, id) => ({ id, flops: Math.round(rand() * 1e6) }));
    for (const gap of [0, 1e4, 5e4, 2e5, 2e6]) {
      const groups = groupByFlops(points, gap);
      const fl = new Map(points.map((p) => [p.id, p.flops]));
      expect(groups.flat().sort((a, b) => a - b)).toEqual(points.map((p) => p.id));
      for (const g of groups) {
        const f = g.map((id) => fl.get(id)!);
        expect(Math.max(...f) - Math.min(...f)).toBeLessThanOrEqual(gap);
      }
      for (let i = 1; i < groups.length; i++) {
        // A new group starts only when the gap is exceeded.
        expect(fl.get(groups[i]![0]!)! - fl.get(groups[i - 1]![0]!)!).toBeGreaterThan(gap);
      }
    }
    const sampler = rosSampler(points, { flopsGap: 1e5, seed: 11 });
    const G = sampler.groups.length;
    expect(G).toBeGreaterThan(3);
    const groupOf = new Map<number, number>();
    sampler.groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));
    const counts = new Array<number>(G).fill(0);
    const draws = 40_000;
    for (let i = 0; i < draws; i++) counts[groupOf.get(sampler.next())!]!++;
    for (const c of counts) expect(Math.abs(c / draws - 1 / G)).toBeLessThan(0.012);
  });

  it('weights groups with flops_sampling_k and restores its PRNG state', () => {
    const p = rosGroupProbabilities(4, 2);
    const raw = [0, 1, 2, 3].map((g) => g / 2 + 1 / 4);
    const s = raw.reduce((a, b) => a + b, 0);
    p.forEach((v, i) => expect(v).toBeCloseTo(raw[i]! / s, 12));
    expect(rosGroupProbabilities(5)).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);

    const u = uniformSampler([3, 5, 9], 1);
    for (let i = 0; i < 7; i++) u.next();
    const st = u.state();
    const a = Array.from({ length: 10 }, () => u.next());
    u.restore(st);
    expect(Array.from({ length: 10 }, () => u.next())).toEqual(a);
    expect(JSON.parse(JSON.stringify(st))).toEqual(st);
  });

  it('default gap ≈ the official 1 GFLOP for DeiT3-S/L', () => {
    expect(defaultFlopsGap([4_608_338_304, 61_604_135_936], [12, 24]) / 1e9).toBeCloseTo(0.95, 2);
  });
});
