// SN-Net v1 and SN-Netv2 stitching (ml-methods.md sections 1, 2 and 4).
export * from './space.js';
export * from './lstsq.js';
export * from './layers.js';
export * from './snnet.js';
export * from './sampler.js';
export * from './train.js';
export * from './checkpoint.js';
export * from './evaluate.js';
export * from './frontier.js';
export * from './export.js';
