// Lays out a dependency graph (a pipeline's steps) in columns by depth, the longest path from a
// root, so every edge points right. DOM-free: positions in pixels for boxes and SVG edges.

export interface DagInput {
  id: string;
  dependsOn: readonly string[];
}

export interface DagBox {
  width: number;
  height: number;
  /** Horizontal space between columns (where the edges run). */
  gapX: number;
  /** Vertical space between boxes of a column. */
  gapY: number;
  /** Margin around the whole drawing. */
  pad: number;
}

export interface PlacedNode {
  id: string;
  depth: number;
  /** Position within its column, from the top. */
  row: number;
  x: number;
  y: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface DagLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export const DEFAULT_BOX: DagBox = { width: 210, height: 96, gapX: 64, gapY: 16, pad: 8 };

/**
 * Each node's depth: 0 for a root, else one more than its deepest dependency. Dependencies on
 * unknown ids are ignored; a cycle (the API refuses them) is cut where it closes.
 */
export function dagDepths(nodes: readonly DagInput[]): Map<string, number> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depths = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depths.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    if (!node || visiting.has(id)) return -1;
    visiting.add(id);
    let depth = 0;
    for (const dep of node.dependsOn) {
      const d = depthOf(dep);
      if (d >= 0) depth = Math.max(depth, d + 1);
    }
    visiting.delete(id);
    depths.set(id, depth);
    return depth;
  };
  for (const n of nodes) depthOf(n.id);
  return depths;
}

/**
 * Columns by depth; within a column, nodes follow the mean height of their dependencies (fewer
 * crossings), then their input order. Heights are then settled so that each box sits level with
 * the mean of its dependencies, and then of its dependants, as far as the boxes of its column allow
 * (a chain of steps draws as a straight line, a fan-out is centred on its source).
 */
export function layoutDag(nodes: readonly DagInput[], box: DagBox = DEFAULT_BOX): DagLayout {
  const depths = dagDepths(nodes);
  const order = new Map(nodes.map((n, i) => [n.id, i]));
  const columns: DagInput[][] = [];
  for (const n of nodes) (columns[depths.get(n.id) ?? 0] ??= []).push(n);
  const pitchX = box.width + box.gapX;
  const pitchY = box.height + box.gapY;
  const known = new Set(nodes.map((n) => n.id));
  const parents = new Map(nodes.map((n) => [n.id, [...new Set(n.dependsOn)].filter((d) => known.has(d) && d !== n.id)]));
  const children = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const [id, deps] of parents) for (const d of deps) children.get(d)!.push(id);

  const y = new Map<string, number>();
  const mean = (ids: string[]) => {
    const ys = ids.map((id) => y.get(id)).filter((v): v is number => v !== undefined);
    return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : undefined;
  };
  /** Places a column's boxes as near their wished heights as their order and spacing allow. */
  const settle = (column: DagInput[], wish: (n: DagInput) => number | undefined) => {
    const heights = packed(
      column.map((n, i) => wish(n) ?? y.get(n.id) ?? i * pitchY),
      pitchY,
    );
    column.forEach((n, i) => y.set(n.id, heights[i]));
  };

  columns.forEach((column = [], depth) => {
    if (depth > 0) {
      const key = (n: DagInput) => mean(parents.get(n.id)!) ?? Number.POSITIVE_INFINITY;
      column.sort((a, b) => key(a) - key(b) || order.get(a.id)! - order.get(b.id)!);
    }
    settle(column, (n) => mean(parents.get(n.id)!));
  });
  for (let d = columns.length - 2; d >= 0; d--) settle(columns[d] ?? [], (n) => mean(children.get(n.id)!));
  for (let d = 1; d < columns.length; d++) settle(columns[d] ?? [], (n) => mean(parents.get(n.id)!));

  const top = Math.min(...y.values());
  const placed: PlacedNode[] = [];
  const byId = new Map<string, PlacedNode>();
  columns.forEach((column = [], depth) => {
    column.forEach((n, row) => {
      const p = { id: n.id, depth, row, x: box.pad + depth * pitchX, y: box.pad + y.get(n.id)! - top };
      placed.push(p);
      byId.set(n.id, p);
    });
  });

  const edges: PlacedEdge[] = [];
  for (const n of nodes) {
    const to = byId.get(n.id)!;
    for (const dep of parents.get(n.id)!) {
      const from = byId.get(dep)!;
      edges.push({ from: dep, to: n.id, x1: from.x + box.width, y1: from.y + box.height / 2, x2: to.x, y2: to.y + box.height / 2 });
    }
  }

  const width = columns.length ? box.pad * 2 + columns.length * pitchX - box.gapX : 0;
  const height = placed.length ? Math.max(...placed.map((p) => p.y)) + box.height + box.pad : 0;
  return { nodes: placed, edges, width, height };
}

/**
 * Heights for boxes kept in order at least `pitch` apart, as close as can be (least squares) to the
 * wished ones: isotonic regression by pooling adjacent violators on `wished[i] - i * pitch`.
 */
export function packed(wished: readonly number[], pitch: number): number[] {
  const blocks: { sum: number; count: number }[] = [];
  wished.forEach((w, i) => {
    blocks.push({ sum: w - i * pitch, count: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1];
      const before = blocks[blocks.length - 2];
      if (before.sum / before.count <= last.sum / last.count) break;
      blocks.pop();
      before.sum += last.sum;
      before.count += last.count;
    }
  });
  const out: number[] = [];
  for (const b of blocks) for (let k = 0; k < b.count; k++) out.push(b.sum / b.count + out.length * pitch);
  return out;
}

/** An SVG path for an edge: a horizontal S-curve from the dependency's right side to the step's left. */
export function edgePath(e: Pick<PlacedEdge, 'x1' | 'y1' | 'x2' | 'y2'>): string {
  const bend = Math.max(24, (e.x2 - e.x1) / 2);
  return `M ${e.x1} ${e.y1} C ${e.x1 + bend} ${e.y1}, ${e.x2 - bend} ${e.y2}, ${e.x2} ${e.y2}`;
}
