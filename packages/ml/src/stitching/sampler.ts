/**
 * Configuration sampling for SN-Net training: uniform over the configurations (v1, 1.4) or
 * resource-constrained sampling (ROS, SN-Netv2 2.4): configurations grouped by FLOPs, a group drawn
 * first, then a configuration within it. Seeded, with a serialisable state for checkpoints.
 */

/** mulberry32 (same stream as random.ts) with its 32-bit state exposed for checkpoints. */
export class SeededRandom {
  private a: number;

  constructor(seed: number) {
    this.a = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.min(n - 1, Math.floor(this.next() * n));
  }

  get state(): number {
    return this.a;
  }

  set state(s: number) {
    if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) throw new Error(`invalid PRNG state ${s}`);
    this.a = s >>> 0;
  }
}

/**
 * Groups configurations by FLOPs (official `group_subnets_by_flops`): sort ascending and start a new
 * group when a configuration's FLOPs exceed the current group's first FLOPs by more than `gap`. Every
 * group therefore spans at most `gap`. Returns ids per group, groups in ascending FLOPs.
 */
export function groupByFlops(points: ReadonlyArray<{ id: number; flops: number }>, gap: number): number[][] {
  if (!(gap >= 0)) throw new Error(`flopsGap must be >= 0 (got ${gap})`);
  const sorted = [...points].sort((a, b) => a.flops - b.flops || a.id - b.id);
  const groups: number[][] = [];
  let first = -Infinity;
  for (const p of sorted) {
    if (groups.length === 0 || p.flops - first > gap) {
      groups.push([p.id]);
      first = p.flops;
    } else {
      groups[groups.length - 1]!.push(p.id);
    }
  }
  return groups;
}

/**
 * Group probabilities: uniform 1/G, or with `flops_sampling_k` = k: p_g ∝ g/k + 1/G for the 0-based
 * group index g (ascending FLOPs), normalised — larger groups drawn more often.
 */
export function rosGroupProbabilities(numGroups: number, k?: number): number[] {
  if (!Number.isInteger(numGroups) || numGroups < 1) throw new Error('ROS needs at least one group');
  if (k === undefined || k === null) return new Array<number>(numGroups).fill(1 / numGroups);
  if (!(k > 0)) throw new Error(`flopsSamplingK must be > 0 (got ${k})`);
  const y = Array.from({ length: numGroups }, (_, g) => g / k + 1 / numGroups);
  const s = y.reduce((a, b) => a + b, 0);
  return y.map((v) => v / s);
}

/**
 * The default ROS FLOPs gap: (F_max − F_min)/(5·L_min) over the anchors, L_min the smallest anchor
 * depth — a fifth of the average FLOPs one small-anchor block adds when moving from the smallest to
 * the largest anchor. For DeiT3-S/L (4.61 and 61.60 GMACs, L_s = 12) this gives 0.95 G, close to the
 * official `flops_gap` of 1 G; for the MNIST vit-s/vit-b pair (depth 4) it is ≈ 0.5 M MACs.
 */
export function defaultFlopsGap(anchorFlops: readonly number[], depths: readonly number[]): number {
  const span = Math.max(...anchorFlops) - Math.min(...anchorFlops);
  return span / (5 * Math.min(...depths));
}

export type SamplerKind = 'uniform' | 'ros';

export interface SamplerState {
  kind: SamplerKind;
  /** PRNG state (uint32). */
  rng: number;
}

export interface ConfigSampler {
  readonly kind: SamplerKind;
  /** ROS groups (one group with every id for uniform sampling). */
  readonly groups: readonly (readonly number[])[];
  readonly probabilities: readonly number[];
  next(): number;
  state(): SamplerState;
  restore(state: SamplerState): void;
}

/** Uniform sampling over `ids`. */
export function uniformSampler(ids: readonly number[], seed: number): ConfigSampler {
  if (ids.length === 0) throw new Error('no configurations to sample');
  const rng = new SeededRandom(seed);
  const list = [...ids];
  return {
    kind: 'uniform',
    groups: [list],
    probabilities: [1],
    next: () => list[rng.int(list.length)]!,
    state: () => ({ kind: 'uniform', rng: rng.state }),
    restore: (s) => {
      if (s.kind !== 'uniform') throw new Error(`sampler state is for '${s.kind}' sampling, not 'uniform'`);
      rng.state = s.rng;
    },
  };
}

/** ROS: draw a group (uniformly, or by {@link rosGroupProbabilities} with k), then an id within it. */
export function rosSampler(points: ReadonlyArray<{ id: number; flops: number }>, options: { flopsGap: number; flopsSamplingK?: number; seed: number }): ConfigSampler {
  if (points.length === 0) throw new Error('no configurations to sample');
  const groups = groupByFlops(points, options.flopsGap);
  const probabilities = rosGroupProbabilities(groups.length, options.flopsSamplingK);
  const cdf: number[] = [];
  probabilities.reduce((acc, p, i) => (cdf[i] = acc + p), 0);
  const rng = new SeededRandom(options.seed);
  return {
    kind: 'ros',
    groups,
    probabilities,
    next: () => {
      const u = rng.next() * cdf[cdf.length - 1]!;
      let g = cdf.findIndex((c) => u < c);
      if (g < 0) g = groups.length - 1;
      const grp = groups[g]!;
      return grp[rng.int(grp.length)]!;
    },
    state: () => ({ kind: 'ros', rng: rng.state }),
    restore: (s) => {
      if (s.kind !== 'ros') throw new Error(`sampler state is for '${s.kind}' sampling, not 'ros'`);
      rng.state = s.rng;
    },
  };
}
