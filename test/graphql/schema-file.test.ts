import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { printSchemaFile } from '../../server/graphql/print.ts';

describe('server/schema.graphql', () => {
  it('is the printed schema (run `npm run schema:print` after changing the API)', async () => {
    const committed = await readFile(path.resolve(import.meta.dirname, '../../server/schema.graphql'), 'utf8');
    expect(committed).toBe(printSchemaFile());
  });
});
