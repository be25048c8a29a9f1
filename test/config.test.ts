import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/config.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config', () => {
  it('has working defaults on an empty environment', () => {
    const c = loadConfig({});
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.PORT).toBe(4000);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.DATA_DIR).toBe('./data');
    expect(c.publicUrl).toBe('http://127.0.0.1:4000');
    // production behaviour by default: `npm start` is safe to expose; `npm run dev` opts out
    expect(c.NODE_ENV).toBe('production');
    expect(c.graphiql).toBe(false);
    expect(c.SMS_PROVIDER).toBe('none');
    expect(c.trustProxy).toEqual({ kind: 'off' });
    expect(c.CORS_ORIGINS).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'development' }).graphiql).toBe(true);
  });

  it('parses TRUST_PROXY and CORS_ORIGINS', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toEqual({ kind: 'hops', hops: 2 });
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy.kind).toBe('cidrs');
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example.com, http://b.example.com:8080' }).CORS_ORIGINS).toEqual([
      'https://a.example.com',
      'http://b.example.com:8080',
    ]);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be'],
    [{ PORT: '70000' }, 'PORT must be'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be a URL'],
    [{ SMS_PROVIDER: 'carrier-pigeon' }, 'SMS_PROVIDER must be none, nhn or twilio'],
    [{ PROBE_CANARIES: '127.0.0.1' }, 'PROBE_CANARIES must be a comma-separated host:port list'],
    [{ PROBE_MASS_FAILURE_SHARE: '2' }, 'PROBE_MASS_FAILURE_SHARE must be a number between 0 and 1'],
    [{ ADMIN_LOGIN: 'boss' }, 'ADMIN_LOGIN and ADMIN_PASSWORD must be set together'],
    [{ SMS_PROVIDER: 'nhn' }, 'NHN_APP_KEY, NHN_SECRET_KEY and NHN_SEND_NO must be set'],
    [{ GRAPHIQL: 'maybe' }, 'GRAPHIQL must be true or false'],
    [{ TRUST_PROXY: 'yes-please' }, 'TRUST_PROXY must be off, a hop count'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY must be off, a hop count'],
    [{ CORS_ORIGINS: 'https://a.example.com/path' }, 'CORS_ORIGINS must be a comma-separated list of origins'],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS must be a comma-separated list of origins'],
    [
      { LOGIN_MAX_FAILURES: '20', LOGIN_ADDRESS_MAX_FAILURES: '30' },
      'LOGIN_ADDRESS_MAX_FAILURES must be more than twice',
    ],
  ])('refuses %j naming the variable', (env, expected) => {
    const found = problems(env);
    expect(found.join('\n')).toContain(expected);
  });

  it('parses canaries and production defaults', () => {
    const c = loadConfig({
      PROBE_CANARIES: '127.0.0.1:22, [::1]:80',
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://watch.example.com/',
    });
    expect(c.PROBE_CANARIES).toEqual([
      { host: '127.0.0.1', port: 22 },
      { host: '::1', port: 80 },
    ]);
    expect(c.graphiql).toBe(false);
    expect(c.publicUrl).toBe('https://watch.example.com');
  });
});
