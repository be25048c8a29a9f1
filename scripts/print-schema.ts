// Writes the printed SDL to server/schema.graphql (committed; codegen reads it).
// `--check` exits 1 when the committed file is stale.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printSchemaFile } from '../server/graphql/print.ts';

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../server/schema.graphql');
const sdl = printSchemaFile();
if (process.argv.includes('--check')) {
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current !== sdl) {
    console.error('server/schema.graphql is stale: run `npm run schema:print`');
    process.exit(1);
  }
} else {
  await writeFile(file, sdl);
  console.log('Wrote server/schema.graphql');
}
