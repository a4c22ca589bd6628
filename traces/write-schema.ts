/**
 * Regenerates traces/trace.schema.json from the zod schema in traces/format.ts:
 *   npx tsx traces/write-schema.ts
 * test/traces/schema.test.ts fails when the shipped file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { traceJsonSchema } from './format.ts';

/** The text of traces/trace.schema.json. */
export const schemaText = (): string => `${JSON.stringify(traceJsonSchema(), null, 2)}\n`;
export const SCHEMA_PATH = fileURLToPath(new URL('./trace.schema.json', import.meta.url));

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  writeFileSync(SCHEMA_PATH, schemaText());
  process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
}
