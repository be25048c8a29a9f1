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
    expect(c.graphiql).toBe(true);
    expect(c.SMS_PROVIDER).toBe('none');
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
  ])('refuses %j naming the variable', (env, expected) => {
    const found = problems(env);
    expect(found.join('\n')).toContain(expected);
  });

  it('parses canaries and production defaults', () => {
    const c = loadConfig({ PROBE_CANARIES: '127.0.0.1:22, [::1]:80', NODE_ENV: 'production', PUBLIC_URL: 'https://watch.example.com/' });
    expect(c.PROBE_CANARIES).toEqual([{ host: '127.0.0.1', port: 22 }, { host: '::1', port: 80 }]);
    expect(c.graphiql).toBe(false);
    expect(c.publicUrl).toBe('https://watch.example.com');
  });
});
