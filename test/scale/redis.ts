// Redis for the scale suites: REDIS_URL_TEST (CI sets it) or 127.0.0.1:6379. The suites run when
// it answers; when REDIS_URL_TEST was set and it does not answer, they fail instead of skipping.
// Every test uses its own channel prefix (pub/sub channels are shared by all Redis databases),
// so parallel files and other users of the server never see each other's events.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { until as pollUntil } from '../helpers/poll.ts';

export const redisTestUrl = new URL(process.env.REDIS_URL_TEST ?? 'redis://127.0.0.1:6379');

function ping(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(Number(redisTestUrl.port || 6379), redisTestUrl.hostname);
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1_000, () => done(false));
    s.on('error', () => done(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

/** True when Redis answers; throws when REDIS_URL_TEST was set explicitly and it does not. */
export async function haveRedis(): Promise<boolean> {
  const ok = await ping();
  if (!ok && process.env.REDIS_URL_TEST)
    throw new Error(`REDIS_URL_TEST=${process.env.REDIS_URL_TEST} does not answer`);
  if (!ok) console.warn(`(Redis does not answer at ${redisTestUrl.host}: the Redis suites are skipped)`);
  return ok;
}

export const testPrefix = () => `portwatch_test_${randomBytes(5).toString('hex')}:`;

/** A Redis reached through a proxy the test can cut: env for startTestApp, and the switch. */
export async function proxiedRedis() {
  const proxy = await startTcpProxy({ host: redisTestUrl.hostname, port: Number(redisTestUrl.port || 6379) });
  const url = new URL(redisTestUrl);
  url.host = `127.0.0.1:${proxy.port}`;
  return { proxy, env: { REDIS_URL: url.toString(), REDIS_PREFIX: testPrefix() } };
}

export const until = (what: string, ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<boolean> =>
  pollUntil(what, ok, ms, 50);
