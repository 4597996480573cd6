export * from './catalog.js';
export * from './runs.js';
export * from './queues.js';
export * from './api.js';
export * from './frontier.js';
export * from './families.js';
export * from './datasets.js';
