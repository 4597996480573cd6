/**
 * SubTuning's greedy layer selection (ml-methods.md 3.3; talswisa/SubTuning
 * src/greedy_subset_selection.py), independent of models: `evaluate(subset)` is supplied by the caller.
 */

export type SubTuningStart = 'non' | 'all' | 'best';

export interface SubsetCandidate<U> {
  /** The subset evaluated, in `units` order. */
  blocks: U[];
  /** evaluate(blocks), a fraction. */
  accuracy: number;
  /** 0 = the start set; r = a candidate of round r. */
  round: number;
  /** The search direction it belongs to ('non' = adding to ∅, 'all' = removing from the full set). */
  search: 'non' | 'all';
}

export interface GreedySubsetOptions<U> {
  /** The units to choose from (e.g. transformer blocks), in a fixed order (ties go to the first). */
  units: readonly U[];
  /**
   * 'non' (start from ∅ and add; the config default), 'all' (start full and remove), 'best'
   * (evaluate both start sets and search from the better one, as the official code does).
   */
  start: SubTuningStart;
  /** Tolerance ε (default 0.01): the search stops when a round's best drops below best − ε. */
  epsilon?: number;
  /** Accuracy (fraction) of training with `subset` unfrozen. */
  evaluate: (subset: U[]) => Promise<number>;
  /** Called after every evaluation (progress). */
  onCandidate?: (c: SubsetCandidate<U>) => void | Promise<void>;
}

export interface GreedySubsetResult<U> {
  /** The best set found, in `units` order. */
  chosen: U[];
  /** Its accuracy. */
  best: number;
  /** Every evaluation in order (start sets included). */
  candidates: SubsetCandidate<U>[];
  /** The direction searched (for start 'best': the better start set; a tie keeps 'non'). */
  start: 'non' | 'all';
}

/**
 * Greedy subset selection: best = evaluate(start); then at most |units| rounds, each evaluating
 * S ∪ {u} for every u ∉ S (start 'non') or S ∖ {u} for every u ∈ S (start 'all'); S always moves to
 * the round's best candidate (ties to the first unit); a candidate better than `best` (strictly)
 * becomes the new best; one below best − ε ends the search; otherwise the search continues.
 * Returns the best set found.
 */
export async function greedySubsetSelection<U>(options: GreedySubsetOptions<U>): Promise<GreedySubsetResult<U>> {
  const { units, evaluate } = options;
  const epsilon = options.epsilon ?? 0.01;
  if (!(epsilon >= 0)) throw new Error(`epsilon must be >= 0 (got ${epsilon})`);
  if (new Set(units).size !== units.length) throw new Error('greedy subset selection: units must be distinct');
  if (options.start !== 'non' && options.start !== 'all' && options.start !== 'best') throw new Error(`unknown start ${JSON.stringify(options.start)}; use 'non', 'all' or 'best'`);
  const candidates: SubsetCandidate<U>[] = [];
  const ordered = (set: ReadonlySet<U>) => units.filter((u) => set.has(u));

  const record = async (blocks: U[], round: number, search: 'non' | 'all') => {
    const accuracy = await evaluate(blocks);
    if (typeof accuracy !== 'number' || Number.isNaN(accuracy)) throw new Error(`evaluate returned ${String(accuracy)} for [${blocks.join(', ')}]`);
    const c: SubsetCandidate<U> = { blocks, accuracy, round, search };
    candidates.push(c);
    await options.onCandidate?.(c);
    return accuracy;
  };

  // The start set and its accuracy. 'best' evaluates both (all first, as the official code does)
  // and starts from the better one; a tie keeps 'non'.
  let mode: 'non' | 'all';
  let best: number;
  if (options.start === 'best') {
    const all = await record([...units], 0, 'all');
    const non = await record([], 0, 'non');
    mode = all > non ? 'all' : 'non';
    best = Math.max(all, non);
  } else {
    mode = options.start;
    best = await record(mode === 'non' ? [] : [...units], 0, mode);
  }
  let current = new Set<U>(mode === 'non' ? [] : units);
  let bestSet = ordered(current);
  for (let round = 1; round <= units.length; round++) {
    const moves = mode === 'non' ? units.filter((u) => !current.has(u)) : units.filter((u) => current.has(u));
    if (moves.length === 0) break;
    let roundBest: { set: U[]; accuracy: number } | undefined;
    for (const u of moves) {
      const next = new Set(current);
      if (mode === 'non') next.add(u);
      else next.delete(u);
      const blocks = ordered(next);
      const accuracy = await record(blocks, round, mode);
      // Strictly greater: ties go to the first unit.
      if (!roundBest || accuracy > roundBest.accuracy) roundBest = { set: blocks, accuracy };
    }
    // Always move to the round's best candidate.
    current = new Set(roundBest!.set);
    if (roundBest!.accuracy > best) {
      best = roundBest!.accuracy;
      bestSet = roundBest!.set;
    } else if (roundBest!.accuracy < best - epsilon) {
      break;
    }
  }
  return { chosen: bestSet, best, candidates, start: mode };
}
