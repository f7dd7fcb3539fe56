import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLISHED_SCHEMAS, renderJsonSchema } from '../src/schemas.js';

/** Writes `schemas/*.schema.json` from the zod schemas (`npm run schemas`); a test keeps them in sync. */
for (const published of PUBLISHED_SCHEMAS) {
  const path = join('schemas', published.file);
  writeFileSync(path, renderJsonSchema(published));
  process.stdout.write(`wrote ${path}\n`);
}
