export { buildProgram, main, DEFAULT_URL } from './program.js';
export { watchRun, exitCodeFor } from './watch.js';
export { EXIT, CliError } from './errors.js';
