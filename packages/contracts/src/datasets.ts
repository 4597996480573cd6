// The dataset registry: the data runs train and fine-tune on. Every task is derived from the MNIST
// digits the `mnist` package ships (no download), with a seeded train/test split; transfer tasks
// relabel, transform or subsample them so that fine-tuning a model trained on plain MNIST has
// something new to learn.
import { z } from 'zod';

export interface DatasetEntry {
  id: string;
  description: string;
  /** Number of classes of its labels. */
  classes: number;
  /** `base`: what anchors train on; `transfer`: a task for fine-tuning. */
  role: 'base' | 'transfer';
}

export const DATASETS = [
  { id: 'mnist', description: 'MNIST digits 0–9 (10,000 images shipped with the mnist package)', classes: 10, role: 'base' },
  { id: 'mnist-parity', description: 'MNIST relabelled: even (0) or odd (1)', classes: 2, role: 'transfer' },
  { id: 'mnist-gt4', description: 'MNIST relabelled: digit ≤ 4 (0) or > 4 (1)', classes: 2, role: 'transfer' },
  { id: 'mnist-rotated', description: 'MNIST digits rotated by 90°, labels 0–9', classes: 10, role: 'transfer' },
  { id: 'mnist-inverted', description: 'MNIST with inverted intensities (white background), labels 0–9', classes: 10, role: 'transfer' },
  { id: 'mnist-upper', description: 'MNIST digits 5–9 only, relabelled 0–4', classes: 5, role: 'transfer' },
] as const satisfies readonly DatasetEntry[];

export type DatasetId = (typeof DATASETS)[number]['id'];
export const DATASET_IDS = DATASETS.map((d) => d.id) as [DatasetId, ...DatasetId[]];
export const TRANSFER_TASK_IDS = DATASETS.filter((d) => d.role === 'transfer').map((d) => d.id) as [DatasetId, ...DatasetId[]];

export function datasetEntry(id: string): DatasetEntry | undefined {
  return DATASETS.find((d) => d.id === id);
}

/** A task's data: which dataset, how it is split, and optionally only `shots` training images per class (few-shot). */
export const taskDataSchema = z
  .object({
    task: z.enum(TRANSFER_TASK_IDS).default('mnist-parity'),
    testFraction: z.number().gt(0).lt(1).default(0.2),
    seed: z.number().int().min(0).default(0),
    /** Few-shot: keep this many training images per class (the test split stays whole). */
    shots: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const datasetListSchema = z
  .object({
    datasets: z.array(
      z.object({
        id: z.string(),
        description: z.string(),
        classes: z.number().int(),
        role: z.enum(['base', 'transfer']),
      }),
    ),
  })
  .meta({ id: 'DatasetList' });
