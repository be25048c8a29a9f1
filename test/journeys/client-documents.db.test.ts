// Issue 13 item 1: every operation the dashboard ships (client/lib/graphql/*.graphql) passes
// the server's own limits (query cost, depth, aliases, tokens) on a real server, with the
// variables the pages send, as an admin and as a customer, on data big enough to matter (an
// incident with 120 messages of 4 timeline steps each). Queries are executed and must return
// no error (a customer may be refused admin-only ones, FORBIDDEN, nothing else); mutations and
// subscriptions are sent without their variables: the server validates the whole document
// (cost included) before it looks at variables, so "variable not provided" proves it passed
// validation and nothing ran.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Kind,
  parse,
  print,
  visit,
  type DefinitionNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { customer, gid, signIn, signInAdmin, type Auth } from '../graphql/api-helpers.ts';

const DIR = join(import.meta.dirname, '../../client/lib/graphql');

interface Operation {
  file: string;
  name: string;
  kind: 'query' | 'mutation' | 'subscription';
  text: string;
  requiresVariables: boolean;
}

function loadOperations(): Operation[] {
  const defs: { file: string; def: DefinitionNode }[] = [];
  for (const file of readdirSync(DIR)
    .filter((f) => f.endsWith('.graphql'))
    .sort()) {
    for (const def of parse(readFileSync(join(DIR, file), 'utf8')).definitions) defs.push({ file, def });
  }
  const fragments = new Map(
    defs.flatMap(({ def }) => (def.kind === Kind.FRAGMENT_DEFINITION ? [[def.name.value, def] as const] : [])),
  );
  const used = (node: OperationDefinitionNode | FragmentDefinitionNode, seen = new Set<string>()): Set<string> => {
    visit(node, {
      FragmentSpread(s) {
        if (seen.has(s.name.value)) return;
        seen.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) used(f, seen);
      },
    });
    return seen;
  };
  return defs.flatMap(({ file, def }) => {
    if (def.kind !== Kind.OPERATION_DEFINITION || !def.name) return [];
    const frags = [...used(def)].map((n) => fragments.get(n)!).map((f) => print(f));
    return [
      {
        file,
        name: def.name.value,
        kind: def.operation,
        text: [print(def), ...frags].join('\n\n'),
        requiresVariables: (def.variableDefinitions ?? []).some(
          (v) => v.type.kind === Kind.NON_NULL_TYPE && !v.defaultValue,
        ),
      },
    ];
  });
}

const LIMIT_ERROR = /cost|depth|alias|token|directive|exceeded|Cannot query|Unknown|validation/i;

describe(`the dashboard's operations stay under the server's limits (${backend})`, () => {
  let app: TestApp;
  let admin: Auth;
  let alice: Auth;
  const ids: Record<string, string> = {};
  const ops = loadOperations();

  beforeAll(async () => {
    app = await startTestApp();
    const p = app.db.prisma;
    const a = await customer(p, 'alice', { ips: ['203.0.113.5'], kind: 'HOSTING' });
    const m = await p.monitor.create({
      data: {
        accountId: a.account.id,
        serverId: a.servers[0]!.id,
        activeServerId: a.servers[0]!.id,
        host: '203.0.113.5',
        ports: [22, 80],
        contactName: 'Alice',
        contactEmail: 'alice@example.com',
        contactPhone: '+821012345678',
        mailEnabled: true,
        smsEnabled: true,
      },
    });
    const inc = await p.incident.create({
      data: {
        monitorId: m.id,
        accountId: a.account.id,
        host: m.host,
        ports: [22, 80],
        reason: 'ECONNREFUSED: connect ECONNREFUSED',
        openMonitorId: m.id,
      },
    });
    // 120 messages (reminders to two recipients on two channels), 4 timeline steps each
    for (let seq = 0; seq < 30; seq++) {
      for (const [channel, recipient] of [
        ['EMAIL', 'alice@example.com'],
        ['SMS', '+821012345678'],
        ['EMAIL', 'noc@example.com'],
        ['SMS', '+821099998888'],
      ] as const) {
        const n = await p.notification.create({
          data: {
            incidentId: inc.id,
            accountId: recipient.includes('alice') || recipient.endsWith('5678') ? a.account.id : null,
            kind: seq ? 'REMINDER' : 'DOWN',
            seq,
            channel,
            recipient,
            recipientRole: recipient.includes('alice') || recipient.endsWith('5678') ? 'CONTACT' : 'ADMIN',
            status: 'READ',
            sentAt: new Date(),
            readAt: new Date(),
          },
        });
        await p.notificationEvent.createMany({
          data: ['QUEUED', 'SENDING', 'YES', 'READ'].map((status, i) => ({
            notificationId: n.id,
            at: new Date(Date.now() + i),
            status: status as 'QUEUED',
            detail: `step ${i}`,
          })),
        });
      }
    }
    const firstNote = await p.notification.findFirstOrThrow({
      where: { incidentId: inc.id, recipientRole: 'CONTACT' },
    });
    Object.assign(ids, {
      account: a.gid,
      monitor: gid('Monitor', m.id),
      incident: gid('Incident', inc.id),
      notification: gid('Notification', firstNote.id),
      server: gid('Server', a.servers[0]!.id),
    });
    admin = await signInAdmin(app);
    alice = await signIn(app, 'alice');
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  /** The variables each query is sent with by its page (page sizes, filters, ids). */
  const variables = (): Record<string, Record<string, unknown>> => {
    const day = new Date();
    const from = new Date(day.getTime() - 86_400_000).toISOString();
    const prev = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() - 1, 1));
    const lastMonth = `${prev.getUTCFullYear()}-${String(prev.getUTCMonth() + 1).padStart(2, '0')}`;
    return {
      AuditLog: { first: 50 },
      CustomerOptions: { search: 'ali' },
      Customers: { first: 50, search: null, kind: null },
      CustomerDetail: { id: ids.account },
      Incidents: { first: 20, open: null },
      IncidentNode: { id: ids.incident },
      IncidentDetail: { id: ids.incident, after: null },
      NotificationTimeline: { id: ids.notification },
      FollowTestMessage: { id: ids.notification },
      OpenIncidentCount: {},
      InventoryServers: { first: 50, search: null },
      MonitorLog: { monitor: ids.monitor, granularity: 'HOUR', from, to: day.toISOString(), timeZone: 'Asia/Seoul' },
      FailureLog: { monitor: ids.monitor, from, to: day.toISOString(), first: 100 },
      MyMonitors: { first: 50, search: null, status: null },
      UnregisteredServers: {},
      MonitorDetail: { id: ids.monitor },
      MonitorCounts: {},
      MonitorSummary: {},
      AdminMonitors: { first: 50, search: null, status: null },
      LogMonitors: { first: 100 },
      ProbeInfo: {},
      ApprovalRequests: { first: 10 },
      ApprovalRequestDetail: { id: gid('ApprovalRequest', 'none') },
      PendingRequestCount: {},
      Viewer: {},
      AdminSettings: {},
      MonitorDefaults: {},
      Statistics: { first: 50, year: day.getUTCFullYear(), timeZone: 'Asia/Seoul' },
      ApiTokens: { first: 50 },
      NotifyEndpoints: { adminRecipient: null },
      AlimtalkTemplates: {},
      MonitorChecks: { id: ids.monitor },
      Certificates: { first: 50, after: null, expiringWithinDays: null },
      CertificateWarningDays: {},
      Storage: {},
      StatusPages: {},
      MonitorUptime: { id: ids.monitor, range: 'DAY', days: 90 },
      SlaReport: { month: lastMonth, accountId: ids.account },
      SlaPdf: { month: lastMonth, accountId: ids.account, language: 'ko' },
      SlaReports: { month: lastMonth, first: 50, after: null },
      SlaSettings: {},
      StatsPeriods: { id: ids.monitor, timeZone: 'Asia/Seoul' },
    };
  };

  it('finds the operations', () => {
    expect(ops.length).toBeGreaterThan(40);
    expect(ops.map((o) => o.name)).toContain('IncidentDetail');
  });

  it('every query runs without error for an admin, and for a customer (or is refused as FORBIDDEN), on an incident with 120 messages', async () => {
    const vars = variables();
    const problems: string[] = [];
    for (const op of ops.filter((o) => o.kind === 'query')) {
      const v = vars[op.name];
      if (!v) {
        problems.push(`${op.file} ${op.name}: no realistic variables in this test; add them`);
        continue;
      }
      for (const [who, auth] of [
        ['admin', admin],
        ['customer', alice],
      ] as const) {
        const r = await app.gql(op.text, v, auth);
        const errors = (r.body.errors ?? []).filter((e) => !(who === 'customer' && e.extensions?.code === 'FORBIDDEN'));
        if (r.status !== 200 || errors.length)
          problems.push(`${op.file} ${op.name} as ${who}: HTTP ${r.status} ${JSON.stringify(errors)}`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('the incident page gets its first 50 messages and a timeline on demand', async () => {
    const detail = ops.find((o) => o.name === 'IncidentDetail')!;
    const r = await app.gql<{
      node: {
        notifications: { totalCount: number; nodes: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      };
    }>(detail.text, { id: ids.incident }, admin);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data!.node.notifications.totalCount).toBe(120);
    expect(r.body.data!.node.notifications.nodes).toHaveLength(50);
    const next = await app.gql<{ node: { notifications: { nodes: unknown[] } } }>(
      detail.text,
      { id: ids.incident, after: r.body.data!.node.notifications.pageInfo.endCursor },
      admin,
    );
    expect(next.body.data!.node.notifications.nodes).toHaveLength(50);
    // the customer sees only the messages to its own contact
    const mine = await app.gql<{ node: { notifications: { totalCount: number } } }>(
      detail.text,
      { id: ids.incident },
      alice,
    );
    expect(mine.body.data!.node.notifications.totalCount).toBe(60);
    const timeline = ops.find((o) => o.name === 'NotificationTimeline')!;
    const tl = await app.gql<{ node: { events: { status: string }[] } }>(
      timeline.text,
      { id: ids.notification },
      alice,
    );
    expect(tl.body.data!.node.events.map((e) => e.status)).toEqual(['QUEUED', 'SENDING', 'YES', 'READ']);
  });

  it('every mutation and subscription passes validation (cost, depth, aliases, tokens)', async () => {
    const problems: string[] = [];
    for (const op of ops.filter((o) => o.kind !== 'query')) {
      if (op.kind === 'subscription' && !op.requiresVariables) {
        // listen for a moment over SSE: a refused document answers with its errors at once
        const ctl = new AbortController();
        const res = await fetch(`${app.url}/graphql`, {
          method: 'POST',
          signal: ctl.signal,
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', cookie: admin.cookie },
          body: JSON.stringify({ query: op.text }),
        });
        let text = '';
        const reader = res.body!.getReader();
        const timer = setTimeout(() => ctl.abort(), 1_000);
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            text += new TextDecoder().decode(value);
          }
        } catch {
          /* aborted: the stream stayed open, no error came */
        } finally {
          clearTimeout(timer);
        }
        if (res.status !== 200 || /"errors"/.test(text))
          problems.push(`${op.file} ${op.name}: HTTP ${res.status} ${text}`);
        continue;
      }
      if (!op.requiresVariables) {
        // nothing to hold it back: validate it on its own throwaway session (Logout would end it)
        const own = await signIn(app, 'alice');
        const r = await app.gql(op.text, {}, own);
        const errors = (r.body.errors ?? []).filter((e) => LIMIT_ERROR.test(e.message));
        if (errors.length) problems.push(`${op.file} ${op.name}: ${JSON.stringify(errors)}`);
        continue;
      }
      const r = await app.gql(op.text, {}, admin);
      const messages = (r.body.errors ?? []).map((e) => e.message);
      if (!messages.length || !messages.every((m) => /Variable "\$\w+" of required type .* was not provided/.test(m)))
        problems.push(`${op.file} ${op.name}: ${JSON.stringify(r.body)}`);
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('would catch an operation over the cost limit (the page as it was: 100 messages with their timelines)', async () => {
    const old = `
fragment IncidentRow on Incident {
  id
  kind
  host
  ports
  reason
  openedAt
  acknowledgedAt
  acknowledgedBy
  resolvedAt
  open
  durationSeconds
  monitor {
    id
    host
    account {
      id
      loginId
      name
    }
  }
}

fragment NotificationRow on Notification {
  id
  kind
  seq
  channel
  recipient
  recipientRole
  status
  statusDetail
  attempts
  createdAt
  sentAt
  deliveredAt
  readAt
  failedAt
  events {
    at
    status
    detail
  }
}

query IncidentDetail($id: ID!) {
  node(id: $id) {
    __typename
    ... on Incident {
      ...IncidentRow
      reminderCount
      escalatedAt
      notifications(first: 100) {
        nodes {
          ...NotificationRow
        }
      }
    }
  }
}`;
    const r = await app.gql(old, { id: ids.incident }, admin);
    expect(r.body.errors?.[0]?.message).toMatch(/Query Cost limit of \d+ exceeded/);
  });
});
