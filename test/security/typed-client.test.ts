// Issue 12.17: the README's typed-client example, as written, compiles (strict TypeScript
// against types generated from server/schema.graphql by @graphql-codegen/client-preset) and runs
// against a production-mode server with an API token (urql sends queries as GET: the CSRF rule
// lets a token through). Only the URL is replaced by the test server's.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generate } from '@graphql-codegen/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { customer, ok, signIn } from '../graphql/api-helpers.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.join(root, '.scratch', `typed-client-${process.pid}`);

async function readmeExample(): Promise<string> {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const at = readme.indexOf('A typed client:');
  const m = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (at < 0 || !m?.[1]) throw new Error('README has no typed-client example after "A typed client:"');
  return m[1];
}

describe("the README's typed-client example", () => {
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp({ NODE_ENV: 'production' });
    await customer(app.db.prisma, 'partner', { ips: ['203.0.113.21', '203.0.113.22'], allowPrivate: true });
    const auth = await signIn(app, 'partner');
    for (const host of ['203.0.113.21', '203.0.113.22'])
      await ok(
        app,
        auth,
        `mutation($h: String!) { registerMonitor(input: { host: $h, ports: "22", useAccountContact: true }) { __typename } }`,
        { h: host },
      );
    token = (
      await ok<{ createApiToken: { data: { secret: string } } }>(
        app,
        auth,
        `mutation { createApiToken(name: "readme", scope: READ) { ... on MutationCreateApiTokenSuccess { data { secret } } } }`,
      )
    ).createApiToken.data.secret;
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('compiles with strict TypeScript and lists the monitors', async () => {
    const example = await readmeExample();
    expect(example).toContain("'https://monitor.example.net/graphql'");
    await writeFile(
      path.join(dir, 'example.ts'),
      example.replace("'https://monitor.example.net/graphql'", JSON.stringify(`${app.url}/graphql`)),
    );
    // codegen as docs/api.md says: client preset over the printed schema, DateTime as string
    await generate(
      {
        schema: path.join(root, 'server/schema.graphql'),
        documents: path.join(dir, 'example.ts'),
        silent: true,
        generates: {
          [path.join(dir, 'gql/')]: {
            preset: 'client',
            config: { scalars: { DateTime: 'string', JSON: 'unknown', PortList: 'string | number[]' } },
          },
        },
      },
      true,
    );
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: 'es2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [path.join(root, 'node_modules/@types')],
        },
        include: ['**/*.ts'],
      }),
    );
    await run(path.join(root, 'node_modules/.bin/tsc'), ['-p', path.join(dir, 'tsconfig.json')], { cwd: root }).catch(
      (err: { stdout?: string }) => {
        throw new Error(`the README example does not compile:\n${err.stdout}`);
      },
    );
    const { stdout } = await run(path.join(root, 'node_modules/.bin/tsx'), [path.join(dir, 'example.ts')], {
      cwd: root,
      env: { ...process.env, PORTWATCH_TOKEN: token },
    });
    const lines = stdout.trim().split('\n').sort();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^203\.0\.113\.21 \w+ .+/);
    expect(lines[1]).toMatch(/^203\.0\.113\.22 \w+ .+/);
  }, 300_000);
});
