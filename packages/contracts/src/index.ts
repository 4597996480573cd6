export * from './catalog.js';
export * from './runs.js';
export * from './queues.js';
export * from './api.js';
