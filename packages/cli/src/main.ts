// Entry point of the `anchorage` binary (bin/anchorage.js imports this).
import { main } from './program.js';

const code = await main(process.argv, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  tty: Boolean(process.stdout.isTTY),
});
process.exit(code);
