// Evaluation metrics (ml-methods.md section 4). Accuracies are fractions in [0, 1] throughout.
export * from './common.js';
export * from './topk.js';
export * from './ece.js';
export * from './eigen.js';
export * from './knn.js';
export * from './features.js';
export * from './linear-probe.js';
export * from './vci.js';
export * from './latency.js';
export * from './suite.js';
