// docs/api.md lists every error code of server/graphql/error-codes.ts; docs/security.md names
// only test files that exist.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, RESULT_ERROR_CODES } from '../../server/graphql/error-codes.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (f: string) => readFileSync(path.join(root, f), 'utf8');

describe('the security and API documents', () => {
  it('docs/api.md documents every error code, once per list', () => {
    const api = read('docs/api.md');
    for (const code of [...Object.keys(ERROR_CODES), ...Object.keys(RESULT_ERROR_CODES)])
      expect(api, code).toContain(`| \`${code}\` |`);
    const errors = api.slice(api.indexOf('## Errors'), api.indexOf('\n## ', api.indexOf('## Errors') + 1));
    const documented = [...errors.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.length).toBe(Object.keys(ERROR_CODES).length + Object.keys(RESULT_ERROR_CODES).length);
    for (const code of documented)
      expect(
        [...Object.keys(ERROR_CODES), ...Object.keys(RESULT_ERROR_CODES)],
        `${code} is documented but not defined`,
      ).toContain(code);
  });
  it('docs/security.md names existing tests for its promises', () => {
    const doc = read('docs/security.md');
    const files = [...doc.matchAll(/`(test\/[^`]+\.ts)`/g)].map((m) => m[1]!);
    expect(files.length).toBeGreaterThan(15);
    for (const f of files) expect(existsSync(path.join(root, f)), f).toBe(true);
  });
});
