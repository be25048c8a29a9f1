import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBoundaries, importsOf } from '../../scripts/check-boundaries.ts';

const trees: string[] = [];
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmpdir(), 'pw-bounds-'));
  trees.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}
afterAll(() => {
  for (const t of trees) rmSync(t, { recursive: true, force: true });
});

describe('the dependency rule (scripts/check-boundaries.ts)', () => {
  it('holds for the real server/ tree', () => {
    const { violations, stale } = checkBoundaries(path.resolve('server'));
    expect(violations.map((v) => `${v.file}: ${v.from} → ${v.to}`)).toEqual([]);
    expect(stale).toEqual([]);
  });

  it('fails on a deliberate violation: the pure core importing services, Prisma or a package', () => {
    const root = tree({
      'probe/check.ts': "import { x } from '../services/monitors.ts';\nimport net from 'node:net';\n",
      'alerting/port.ts': "import type { PrismaClient } from '../generated/prisma/client.ts';\n",
      'notify/email.ts': "import { GraphQLError } from 'graphql';\nimport nodemailer from 'nodemailer';\n",
      'services/monitors.ts': "export const x = 1;\nimport { y } from '../graphql/builder.ts';\n",
      'graphql/builder.ts': "export const y = 1;\nimport { start } from '../main.ts';\n",
      'main.ts': "import { x } from './services/monitors.ts';\nexport const start = x;\n",
    });
    const found = checkBoundaries(root).violations.map((v) => `${path.relative(root, v.file)}: ${v.from} → ${v.to}`);
    expect(found.sort()).toEqual([
      'alerting/port.ts: alerting → generated',
      'graphql/builder.ts: graphql → main',
      'notify/email.ts: notify → package graphql',
      'probe/check.ts: probe → services',
      'services/monitors.ts: services → graphql',
    ]);
  });

  it('reads static, type-only, re-export and dynamic imports, and ignores comments', () => {
    const src = [
      "import a from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c.ts';",
      "const d = await import('./d.ts');",
      "// import e from './e.ts';",
      "/* import f from './f.ts'; */",
    ].join('\n');
    expect(importsOf(src)).toEqual(['./a.ts', '../b.ts', './c.ts', './d.ts']);
  });
});
