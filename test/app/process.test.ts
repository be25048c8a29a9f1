// The real entry point as a newcomer runs it: a child process on an embedded database.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function startMain(env: Record<string, string>) {
  // what `npm start` runs: node itself with tsx as its loader, so a signal reaches the server
  // directly (the tsx CLI relays signals and SIGKILLs a child that has not answered in 60 ms)
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', PROBE_ENABLED: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${out}`)), 60_000);
    child.stdout.on('data', () => {
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then((code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
  url.catch(() => {}); // observed by the tests that need it
  return { child, url, exited, output: () => out };
}

async function stop(child: ChildProcess, exited: Promise<number | null>, signal: NodeJS.Signals = 'SIGINT') {
  child.kill(signal);
  return exited;
}

const gql = (url: string, query: string, variables: Record<string, unknown> = {}) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  }).then((r) => r.json() as Promise<{ data?: Record<string, unknown> }>);

describe('npm start on an embedded database', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('exits 1 naming the variable when the configuration is bad', async () => {
    const { exited, output } = startMain({ PORT: 'abc' });
    expect(await exited).toBe(1);
    expect(output()).toContain('PORT must be a whole number from 0 to 65535');
  });

  it('serves /graphql, /health and /ready; keeps its data across Ctrl-C and a restart', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'portwatch-'));
    dirs.push(dataDir);
    const env = { PORT: '0', DATA_DIR: dataDir };
    const first = startMain(env);
    const url = await first.url;
    const password = /with password: (\S+)/.exec(first.output())?.[1];
    expect(password, 'a random admin password is printed once').toBeTruthy();
    expect(await gql(url, '{ __typename }')).toEqual({ data: { __typename: 'Query' } });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ok: true, checks: { database: { ok: true } } });
    expect((await fetch(`${url}/`)).headers.get('content-type')).toContain('text/html');
    expect(await stop(first.child, first.exited, 'SIGINT')).toBe(0);

    const second = startMain(env);
    const url2 = await second.url;
    expect(second.output()).not.toContain('with password:');
    const login = await gql(url2, 'mutation($p:String!){ login(loginId:"admin", password:$p){ __typename } }', {
      p: password,
    });
    expect(login).toEqual({ data: { login: { __typename: 'MutationLoginSuccess' } } });
    expect(await stop(second.child, second.exited, 'SIGTERM')).toBe(0);
  }, 120_000);
});
