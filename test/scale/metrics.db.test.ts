// /metrics: Prometheus text that a scraper can parse, behind a bearer token when one is set,
// counting real probe checks and failures, open incidents and ledger rows from the database,
// and GraphQL timings by operation type, with every label value from a fixed set.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';

const TOKEN = 'metrics-token-0123456789';
const LABEL_VALUES: Record<string, RegExp> = {
  outcome: /^(ok|ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EADDRNOTAVAIL|ECHECK|OTHER)$/,
  quantile: /^(0\.5|0\.99|1)$/,
  kind: /^(HOST_DOWN|PROBE_DEGRADED|CERT_EXPIRY|TEST)$/,
  status: /^(QUEUED|SENDING|YES|NO|NOT_SENT|FAILED|READ|DELIVERED)$/,
  channel: /^(EMAIL|SMS|ALIMTALK|SLACK|TELEGRAM|WEBHOOK)$/,
  operation: /^(query|mutation|subscription)$/,
  le: /^(\d+(\.\d+)?|\+Inf)$/,
  stage: /^(parse|validate)$/,
  path: /^(redis|local_only)$/,
};

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Parses the exposition text strictly enough to catch format mistakes. */
function parse(text: string) {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  const typed = new Set<string>();
  for (const line of text.trimEnd().split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-z_:][a-z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') typed.add(meta[2]!);
      continue;
    }
    const m = /^([a-z_:][a-z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const part of m![3] ? m![3].split(',') : []) {
      const l = /^([a-z_]+)="([^"\\]*)"$/.exec(part);
      expect(l, line).not.toBeNull();
      labels[l![1]!] = l![2]!;
    }
    const family = m![1]!.replace(/_(bucket|sum|count)$/, '');
    expect(typed.has(m![1]!) || typed.has(family), `${line} has a TYPE`).toBe(true);
    const value = m![4] === '+Inf' ? Infinity : Number(m![4]);
    expect(Number.isNaN(value), line).toBe(false);
    samples.push({ name: m![1]!, labels, value });
  }
  const get = (name: string, labels: Record<string, string> = {}) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
  return { samples, get };
}

describe(`/metrics (${backend})`, () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ PROBE_ENABLED: 'true', METRICS_TOKEN: TOKEN });
    const owner = await makeCustomer(app.db.prisma, 'metered');
    const m = await makeMonitor(app.db.prisma, {
      accountId: owner.id,
      ip: '127.0.0.1',
      ports: [await closedPort()],
      intervalSec: 10,
      retryIntervalSec: 1,
      failureThreshold: 2,
    });
    app.probe!.monitorChanged(m.id);
  });
  afterAll(() => app?.close());

  const scrape = async () => {
    const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parse(await res.text());
  };

  it('needs the token when one is configured', async () => {
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect(
      (await fetch(`${app.url}/metrics`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(405);
  });

  it('counts checks, failures, the open incident and its ledger rows', async () => {
    await expect
      .poll(async () => (await scrape()).get('portwatch_incidents_open', { kind: 'HOST_DOWN' }), {
        timeout: 30_000,
        interval: 1_000,
      })
      .toBe(1);
    const m = await scrape();
    expect(m.get('portwatch_probe_checks_total', { outcome: 'ECONNREFUSED' })).toBeGreaterThanOrEqual(2);
    expect(m.get('portwatch_probe_failures_total')).toBe(
      m.get('portwatch_probe_checks_total', { outcome: 'ECONNREFUSED' }),
    );
    expect(m.get('portwatch_probe_targets')).toBe(1);
    expect(m.get('portwatch_metrics_db_up')).toBe(1);
    const ledger = m.samples.filter((s) => s.name === 'portwatch_notifications').reduce((a, s) => a + s.value, 0);
    expect(ledger).toBe(await app.db.prisma.notification.count());
    expect(ledger).toBeGreaterThan(0);
    expect(m.get('process_resident_memory_bytes')).toBeGreaterThan(1e6);
  }, 40_000);

  it('times GraphQL operations by type and counts rejected ones', async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i++) expect((await app.gql(`{ __typename }`)).status).toBe(200);
    await app.gql(`{ nope }`);
    await app.gql(`{ broken`);
    const after = await scrape();
    const count = (p: typeof after) =>
      p.get('portwatch_graphql_operation_duration_seconds_count', { operation: 'query' }) ?? 0;
    expect(count(after) - count(before)).toBe(3);
    expect(after.get('portwatch_graphql_operation_duration_seconds_bucket', { operation: 'query', le: '+Inf' })).toBe(
      count(after),
    );
    expect(
      (after.get('portwatch_graphql_rejected_total', { stage: 'validate' }) ?? 0) -
        (before.get('portwatch_graphql_rejected_total', { stage: 'validate' }) ?? 0),
    ).toBe(1);
    expect(
      (after.get('portwatch_graphql_rejected_total', { stage: 'parse' }) ?? 0) -
        (before.get('portwatch_graphql_rejected_total', { stage: 'parse' }) ?? 0),
    ).toBe(1);
  });

  it('uses only label values from fixed sets', async () => {
    const m = await scrape();
    for (const s of m.samples) {
      for (const [k, v] of Object.entries(s.labels)) {
        expect(LABEL_VALUES[k], `label ${k} on ${s.name}`).toBeDefined();
        expect(v, `${s.name} ${k}`).toMatch(LABEL_VALUES[k]!);
      }
    }
    expect(m.samples.length).toBeLessThan(200);
  });
});
