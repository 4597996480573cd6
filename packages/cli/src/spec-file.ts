// Reads a run request file (YAML or JSON) and validates it with the job catalog.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { validateRunRequest } from '@anchorage/contracts';
import type { CreateRunInput } from '@anchorage/sdk';
import { CliError, EXIT } from './errors.js';

export function readRunRequest(file: string): CreateRunInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new CliError(`cannot read ${file}: ${why}`, EXIT.usage);
  }
  let body: unknown;
  try {
    body = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const kind = extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML';
    throw new CliError(`${file} is not valid ${kind}: ${(error as Error).message.split('\n')[0]}`, EXIT.usage);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new CliError(`${file} must hold a run request object ({ kind, name?, spec, ... })`, EXIT.usage);
  }
  const outcome = validateRunRequest(body);
  if (!outcome.ok) {
    throw new CliError(
      `${file}: ${outcome.error}`,
      EXIT.usage,
      outcome.issues.map((i) => `${i.path || '(root)'}: ${i.message}`),
    );
  }
  // Checked against the catalog above; the API's request type is the same schema.
  return body as CreateRunInput;
}
