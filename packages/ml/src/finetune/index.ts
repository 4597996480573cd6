// Fine-tuning (ml-methods.md section 3): full, linear probe, LoRA, Spectral Adapter, SubTuning.
export * from './linalg.js';
export * from './adapters.js';
export * from './model.js';
export * from './subtuning.js';
export * from './finetune.js';
