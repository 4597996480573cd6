/**
 * Configuration spaces of stitched networks (ml-methods.md sections 1.3 and 2.1).
 *
 * A configuration is a plain, serialisable path: segments of consecutive blocks of one anchor each,
 * with a stitching layer between consecutive segments. The first segment's anchor provides the patch
 * embedding (CLS token, position embedding); the last segment's anchor provides the final LayerNorm
 * and the head. Anchors are indexed small → large (index 0 is the smallest).
 *
 * - v1 (SN-Net, `utils.paired_stitching` / `get_stitch_configs`): equal-depth anchors, "paired"
 *   sliding window of size k_w and stride s, stitching layers shared by the positions of a window,
 *   Fast-to-Slow only. Ids: anchors first, then for each anchor combination (itertools order: pairs,
 *   then triples, …) its positions in window order.
 * - v2 (SN-Netv2, `get_stitch_configs_bidirection`): two anchors, SL, LS, LSL and SLS paths; ids
 *   S, L, SL_0..SL_{n−1}, LS…, LSL (outer LS, inner SL), SLS (outer SL, inner LS). SL_{n−1} keeps its
 *   id but is excluded from the used configurations, as in the official code (`front != 11`,
 *   generalised to n−1); the official result files skip that id too.
 */

export type StitchMethod = 'v1' | 'v2';

/** Blocks [start, end) (0-based, end exclusive) of anchor `anchor`. */
export interface PathSegment {
  anchor: number;
  start: number;
  end: number;
}

/** A stitching position (j, k): front blocks 0..j (inclusive), then end blocks k..L−1. */
export type StitchPosition = readonly [front: number, end: number];

export type StitchFamily = 'anchor' | 'stitch' | 'SL' | 'LS' | 'LSL' | 'SLS';

/** One configuration of a stitched network (plain data; JSON-serialisable). */
export interface StitchConfig {
  id: number;
  kind: 'anchor' | 'stitch';
  /** v2 path family; 'stitch' for v1 stitches, 'anchor' for anchors. */
  family: StitchFamily;
  /** Human-readable description, e.g. `A0[0–1] → A1[1–3]` or `SL_1: S[0–1] → L[4–7]`. */
  label: string;
  /** Anchors of the path in order (one entry per segment). */
  anchors: number[];
  segments: PathSegment[];
  /** Stitching-layer ids between consecutive segments (length segments.length − 1). */
  stitches: string[];
  /** The (front, end) position of each stitch, in the front/end anchors' block indices. */
  positions: StitchPosition[];
}

/** A stitching layer of the space: which anchors it joins and which positions initialise it. */
export interface StitchLayerSpec {
  id: string;
  /** Front (input) anchor index. */
  from: number;
  /** End (output) anchor index. */
  to: number;
  /**
   * Positions whose least-squares fits initialise this layer (v1: every position of its window,
   * element-wise mean of the fits; v2: exactly one).
   */
  positions: StitchPosition[];
}

export interface StitchSpace {
  method: StitchMethod;
  /** Depth of each anchor (index 0 = smallest). */
  depths: number[];
  /** The used configurations, in id order. */
  configs: StitchConfig[];
  /** Every stitching layer some configuration uses. */
  layers: StitchLayerSpec[];
  /** Ids that are enumerated but not used (v2: SL_{n−1}). */
  excludedIds: number[];
}

export interface V1SpaceOptions {
  /** Sliding-window size k_w (`stitch_kernel_size`), default 2. */
  windowSize?: number;
  /** Window stride s (`stitch_stride`), default 1. */
  stride?: number;
  /**
   * `nearest_stitching` (default true): only adjacent anchor pairs (i, i+1). When false: every
   * increasing anchor combination of size ≥ 2 (all pairs, then triples, …), where each position's
   * front index must be ≥ the previous position's end index.
   */
  nearest?: boolean;
}

const checkInt = (name: string, v: number, min: number) => {
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min} (got ${v})`);
};

/**
 * The v1 "paired" sliding window: for window starts i = 0, s, 2s, … < L, every ordered pair of
 * W_i × W_i not seen before becomes a position; the new positions of one window share one layer.
 * Returns the positions in order and the window-layer index of each.
 */
export function pairedStitchingPositions(depth: number, windowSize = 2, stride = 1): { positions: StitchPosition[]; layerOf: number[]; numLayers: number } {
  checkInt('depth', depth, 1);
  checkInt('windowSize', windowSize, 1);
  checkInt('stride', stride, 1);
  const positions: StitchPosition[] = [];
  const layerOf: number[] = [];
  const seen = new Set<string>();
  let layer = 0;
  for (let i = 0; i < depth; i += stride) {
    const ids: number[] = [];
    for (let b = i; b < Math.min(i + windowSize, depth); b++) ids.push(b);
    let added = false;
    for (const j of ids) {
      for (const k of ids) {
        const key = `${j},${k}`;
        if (seen.has(key)) continue;
        seen.add(key);
        positions.push([j, k]);
        layerOf.push(layer);
        added = true;
      }
    }
    if (added) layer++;
  }
  return { positions, layerOf, numLayers: layer };
}

/** All increasing combinations of `k` items of 0..n−1, in itertools.combinations order. */
function combinations(n: number, k: number): number[][] {
  const out: number[][] = [];
  const cur: number[] = [];
  const rec = (startAt: number) => {
    if (cur.length === k) {
      out.push([...cur]);
      return;
    }
    for (let i = startAt; i < n; i++) {
      cur.push(i);
      rec(i + 1);
      cur.pop();
    }
  };
  rec(0);
  return out;
}

const range = (a: number, bInclusive: number) => (bInclusive >= a ? `${a}–${bInclusive}` : '∅');

/** Id of the v1 stitching layer of window `w` between anchors `a` → `b`. */
export function v1LayerId(a: number, b: number, w: number): string {
  return `v1:${a}-${b}:${w}`;
}

/** Builds segments from a chain of anchors and positions (position p joins chain[p] → chain[p+1]). */
function chainSegments(chain: number[], positions: StitchPosition[], depths: number[]): PathSegment[] {
  const segments: PathSegment[] = [];
  let start = 0;
  for (let p = 0; p < positions.length; p++) {
    const [j, k] = positions[p]!;
    segments.push({ anchor: chain[p]!, start, end: j + 1 });
    start = k;
  }
  const lastAnchor = chain[chain.length - 1]!;
  segments.push({ anchor: lastAnchor, start, end: depths[lastAnchor]! });
  return segments;
}

function segmentLabel(seg: PathSegment, names?: string[]): string {
  const name = names ? names[seg.anchor]! : `A${seg.anchor}`;
  return `${name}[${range(seg.start, seg.end - 1)}]`;
}

/**
 * The v1 space for `numAnchors` anchors of equal `depth` (ml-methods.md 1.3). With the defaults,
 * depth 12 and 3 anchors give 71 configurations; depth 4 gives 12 (2 anchors) or 23 (3 anchors).
 */
export function v1Space(depth: number, numAnchors: number, options: V1SpaceOptions = {}): StitchSpace {
  checkInt('numAnchors', numAnchors, 1);
  const { positions, layerOf, numLayers } = pairedStitchingPositions(depth, options.windowSize ?? 2, options.stride ?? 1);
  const nearest = options.nearest ?? true;
  const depths = new Array<number>(numAnchors).fill(depth);
  const configs: StitchConfig[] = [];
  for (let a = 0; a < numAnchors; a++) {
    configs.push({
      id: configs.length,
      kind: 'anchor',
      family: 'anchor',
      label: `A${a}`,
      anchors: [a],
      segments: [{ anchor: a, start: 0, end: depth }],
      stitches: [],
      positions: [],
    });
  }
  const chains: number[][] = [];
  if (nearest) {
    for (let a = 0; a + 1 < numAnchors; a++) chains.push([a, a + 1]);
  } else {
    for (let k = 2; k <= numAnchors; k++) chains.push(...combinations(numAnchors, k));
  }
  // Every pair that some chain uses gets its own set of window layers.
  const usedPairs = new Set<string>();
  for (const chain of chains) {
    for (let p = 0; p + 1 < chain.length; p++) usedPairs.add(`${chain[p]}-${chain[p + 1]}`);
  }
  const layers: StitchLayerSpec[] = [];
  const pairKeys = [...usedPairs].map((k) => k.split('-').map(Number) as [number, number]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  for (const [a, b] of pairKeys) {
    for (let w = 0; w < numLayers; w++) {
      layers.push({ id: v1LayerId(a, b, w), from: a, to: b, positions: positions.filter((_, i) => layerOf[i] === w) });
    }
  }
  const idxs = positions.map((_, i) => i);
  for (const chain of chains) {
    // Every sequence of positions (one per stitch) where each front index ≥ the previous end index.
    const seqs: number[][] = [];
    const cur: number[] = [];
    const rec = () => {
      if (cur.length === chain.length - 1) {
        seqs.push([...cur]);
        return;
      }
      const prevEnd = cur.length === 0 ? -Infinity : positions[cur[cur.length - 1]!]![1];
      for (const i of idxs) {
        if (positions[i]![0] < prevEnd) continue;
        cur.push(i);
        rec();
        cur.pop();
      }
    };
    rec();
    for (const seq of seqs) {
      const pos = seq.map((i) => positions[i]!);
      const segments = chainSegments(chain, pos, depths);
      const stitches = seq.map((i, p) => v1LayerId(chain[p]!, chain[p + 1]!, layerOf[i]!));
      const label = segments.map((s) => segmentLabel(s)).join(' → ') + ` (${pos.map(([j, k]) => `${j},${k}`).join('; ')})`;
      configs.push({ id: configs.length, kind: 'stitch', family: 'stitch', label, anchors: [...chain], segments, stitches, positions: pos });
    }
  }
  return { method: 'v1', depths, configs, layers, excludedIds: [] };
}

/**
 * The nearest-interpolation map m(j) = ⌊j·L_s/L_l⌋ from a large-anchor block to a small-anchor
 * block (torch `F.interpolate(mode='nearest')` of 0..L_s−1 to length L_l).
 */
export function nearestBlockMap(depthSmall: number, depthLarge: number): number[] {
  return Array.from({ length: depthLarge }, (_, j) => Math.floor((j * depthSmall) / depthLarge));
}

/**
 * The v2 two-way space for a small anchor (index 0, depth L_s = n) and a large one (index 1,
 * depth L_l = ρ·n, ρ integer) — ml-methods.md 2.1. n(n−1)+2 used configurations.
 *
 * LS positions: j < L_l−1 with j ≡ ρ−1 (mod ρ): for ρ = 2 that is the official "j odd", for ρ = 1
 * every j; for ρ ≥ 3 it keeps one position per LS layer (the official "odd" rule would map several
 * positions to one layer and leave others unused).
 */
export function v2Space(depthSmall: number, depthLarge: number): StitchSpace {
  checkInt('depthSmall', depthSmall, 2);
  checkInt('depthLarge', depthLarge, depthSmall);
  if (depthLarge % depthSmall !== 0) throw new Error(`v2 stitching needs L_l/L_s to be an integer (got ${depthLarge}/${depthSmall})`);
  const n = depthSmall;
  const rho = depthLarge / depthSmall;
  const m = nearestBlockMap(depthSmall, depthLarge);
  const depths = [depthSmall, depthLarge];
  const names = ['S', 'L'];
  const configs: StitchConfig[] = [];
  const excludedIds: number[] = [];
  let nextId = 0;
  const push = (c: Omit<StitchConfig, 'id' | 'label'>, prefix: string, excluded = false) => {
    const id = nextId++;
    if (excluded) {
      excludedIds.push(id);
      return;
    }
    const body = c.segments.map((s) => segmentLabel(s, names)).join(' → ');
    configs.push({ ...c, id, label: prefix ? `${prefix}: ${body}` : body });
  };
  push({ kind: 'anchor', family: 'anchor', anchors: [0], segments: [{ anchor: 0, start: 0, end: n }], stitches: [], positions: [] }, '');
  push({ kind: 'anchor', family: 'anchor', anchors: [1], segments: [{ anchor: 1, start: 0, end: depthLarge }], stitches: [], positions: [] }, '');

  // SL_i: small 0..i → SL_i → large ρ(i+1)..end.
  const sl = Array.from({ length: n }, (_, i) => ({ i, pos: [i, rho * (i + 1)] as StitchPosition, layer: `SL_${i}` }));
  // LS(j): large 0..j → LS_⌊j/ρ⌋ → small m(j)+1..end.
  const ls: Array<{ j: number; pos: StitchPosition; layer: string }> = [];
  for (let j = 0; j < depthLarge - 1; j++) {
    if (j % rho !== rho - 1) continue;
    ls.push({ j, pos: [j, m[j]! + 1], layer: `LS_${Math.floor(j / rho)}` });
  }
  const seg = (anchor: number, start: number, end: number): PathSegment => ({ anchor, start, end });
  for (const s of sl) {
    push(
      {
        kind: 'stitch',
        family: 'SL',
        anchors: [0, 1],
        segments: [seg(0, 0, s.i + 1), seg(1, s.pos[1], depthLarge)],
        stitches: [s.layer],
        positions: [s.pos],
      },
      s.layer,
      s.i === n - 1,
    );
  }
  for (const l of ls) {
    push(
      { kind: 'stitch', family: 'LS', anchors: [1, 0], segments: [seg(1, 0, l.j + 1), seg(0, l.pos[1], n)], stitches: [l.layer], positions: [l.pos] },
      `LS(${l.j})`,
    );
  }
  for (const l of ls) {
    for (const s of sl) {
      if (s.i === n - 1 || s.i < l.pos[1]) continue;
      push(
        {
          kind: 'stitch',
          family: 'LSL',
          anchors: [1, 0, 1],
          segments: [seg(1, 0, l.j + 1), seg(0, l.pos[1], s.i + 1), seg(1, s.pos[1], depthLarge)],
          stitches: [l.layer, s.layer],
          positions: [l.pos, s.pos],
        },
        'LSL',
      );
    }
  }
  for (const s of sl) {
    for (const l of ls) {
      if (l.j < s.pos[1]) continue;
      push(
        {
          kind: 'stitch',
          family: 'SLS',
          anchors: [0, 1, 0],
          segments: [seg(0, 0, s.i + 1), seg(1, s.pos[1], l.j + 1), seg(0, l.pos[1], n)],
          stitches: [s.layer, l.layer],
          positions: [s.pos, l.pos],
        },
        'SLS',
      );
    }
  }
  // One layer per SL index (D_s → D_l) and per LS index (D_l → D_s), each initialised from its
  // single two-anchor position. SL_{n−1} serves no used configuration and is not created.
  const layers: StitchLayerSpec[] = [];
  for (const s of sl) if (s.i !== n - 1) layers.push({ id: s.layer, from: 0, to: 1, positions: [s.pos] });
  for (const l of ls) layers.push({ id: l.layer, from: 1, to: 0, positions: [l.pos] });
  return { method: 'v2', depths, configs, layers, excludedIds };
}
