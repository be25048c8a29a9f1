// Starts the real runtime (HTTP + WebSocket + services) on port 0 against a test database.
import { loadConfig } from '../../server/config.ts';
import { startRuntime, type Runtime } from '../../server/main.ts';
import { openDatabase } from '../../server/db/index.ts';
import type { Logger } from '../../server/log.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export interface TestApp extends Runtime {
  testDb: TestDatabase;
  /** POST a GraphQL operation; `cookie` or `token` authenticate. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    auth?: { cookie?: string; token?: string },
  ): Promise<{
    status: number;
    body: { data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] };
    headers: Headers;
  }>;
  /** Signs in and returns the session cookie ("pw_session=…"). */
  login(loginId: string, password: string): Promise<string>;
  close(): Promise<void>;
}

export const ADMIN = { loginId: 'root', password: 'root-password-1' };

export interface TestAppOptions {
  now?: () => Date;
  /** A second "process" on another app's database: its own pool on PostgreSQL, the same PGlite otherwise. Left in place on close. */
  shareDatabaseWith?: TestApp;
  log?: Logger;
}

export async function startTestApp(env: Record<string, string> = {}, opts: TestAppOptions = {}): Promise<TestApp> {
  const other = opts.shareDatabaseWith?.testDb;
  const testDb: TestDatabase = other
    ? other.url
      ? await (async () => {
          const db = await openDatabase({ kind: 'postgres', url: other.url!, poolSize: 5 }, { migrate: false });
          return { db, url: other.url, drop: () => db.close() };
        })()
      : { db: other.db, drop: async () => {} }
    : await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    ADMIN_LOGIN: ADMIN.loginId,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'error',
    PROBE_ENABLED: 'false',
    DISPATCH_ENABLED: 'false', // no background sending unless a suite asks for it (DISPATCH_ENABLED: 'true')
    ...env,
  });
  let runtime: Runtime;
  try {
    runtime = await startRuntime(config, {
      db: testDb.db,
      log: opts.log ?? (process.env.TEST_LOG ? (l, m, e) => console.log(l, m, e) : () => {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
  } catch (err) {
    await testDb.drop();
    throw err;
  }
  const gql: TestApp['gql'] = async (query, variables, auth) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth?.cookie) headers.cookie = auth.cookie;
    if (auth?.token) headers.authorization = `Bearer ${auth.token}`;
    const res = await fetch(`${runtime.url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as never, headers: res.headers };
  };
  return {
    ...runtime,
    testDb,
    gql,
    async login(loginId, password) {
      const r = await gql(`mutation($l:String!,$p:String!){ login(loginId:$l,password:$p){ __typename } }`, {
        l: loginId,
        p: password,
      });
      const set = r.headers.get('set-cookie');
      if (!set) throw new Error(`login failed: ${JSON.stringify(r.body)}`);
      return set.split(';')[0]!;
    },
    async close() {
      await runtime.stop();
      await testDb.drop();
    },
  };
}
