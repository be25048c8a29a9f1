// Composition root: config → db → events and signals → probe → services → notifiers → app.start();
// SIGTERM → stop. Every part gets what it needs at construction; nothing is wired in afterwards.
import { ensureDefaultAdminRecipient } from './services/admin-default-recipient.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, type App, type ReadinessReport } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase, type Database } from './db/index.ts';
import type { AppServices } from './services/app-services.ts';
import { createLogger, type Logger } from './log.ts';
import { ensureFirstAdmin } from './services/accounts.ts';
import { seedDemo } from './services/demo.ts';
import { createEvents } from './events/events.ts';
import { createSignals } from './events/signals.ts';
import type { ServiceDeps } from './services/types.ts';
import { createRateLimiter } from './services/rate-limit.ts';
import { createLoginThrottle } from './services/login-throttle.ts';
import { createProbeRuntime, type ProbeRuntime } from './monitoring/runtime.ts';
import { startRetentionJob } from './services/retention/job.ts';
import { notificationSettings } from './notification-settings.ts';
import { createNotifications, type Notifications } from './dispatch/setup.ts';
import { createNotifyRoutes } from './http/notify-routes.ts';
import { createStatusRoutes } from './http/status-routes.ts';
import { getInstallationSecret } from './services/settings.ts';
import { createTestNotifier } from './services/notify-endpoints/test-send.ts';
import { createFanout, type Fanout } from './events/fanout.ts';
import { createMetrics, createProbeCounters } from './metrics/metrics.ts';
import { createGraphqlTimings } from './graphql/metrics-plugin.ts';
import { tcpCheck } from './probe/index.ts';
import { startCluster } from './cluster/setup.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Runtime {
  app: App;
  probe: ProbeRuntime | null;
  notifications: Notifications;
  db: Database;
  url: string;
  port: number;
  services: AppServices;
  /** The Redis fan-out when REDIS_URL is set. */
  fanout: Fanout | null;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  demo?: boolean;
  log?: Logger;
  /** An already open database (tests); the runtime then leaves closing it to the caller. */
  db?: Database;
  now?: () => Date;
}

export async function startRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const log = opts.log ?? createLogger(config.LOG_LEVEL);
  const ownsDb = !opts.db;
  const db =
    opts.db ??
    (await openDatabase(
      config.DATABASE_URL
        ? { kind: 'postgres', url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }
        : { kind: 'pglite', dataDir: path.resolve(config.DATA_DIR) },
    ));
  log('info', 'database ready', { kind: db.kind, applied: db.applied });
  // live events: through Redis when REDIS_URL is set (degrading to this process while it is away)
  const fanout = config.REDIS_URL ? createFanout({ url: config.REDIS_URL, prefix: config.REDIS_PREFIX, log }) : null;
  try {
    if (fanout && (await fanout.start()))
      log('info', 'live events shared through Redis', { prefix: config.REDIS_PREFIX });
    const admin = await ensureFirstAdmin(db, { loginId: config.ADMIN_LOGIN, password: config.ADMIN_PASSWORD });
    if (admin.generatedPassword) {
      process.stdout.write(
        `\n  First admin created. Sign in as "${admin.loginId}" with password: ${admin.generatedPassword}\n  (shown once; set ADMIN_LOGIN and ADMIN_PASSWORD to choose them)\n\n`,
      );
    } else if (admin.created) {
      log('info', 'first admin created', { loginId: admin.loginId });
    }
    const recipient = await ensureDefaultAdminRecipient(db.prisma, {
      email: config.ADMIN_EMAIL,
      phone: config.ADMIN_PHONE,
    });
    if (recipient.created)
      log('info', 'the first admin is an alert recipient', { email: recipient.email, phone: recipient.phone });
    if (opts.demo) {
      const logins = await seedDemo(db.prisma);
      process.stdout.write(
        `\n  Demo accounts:\n${logins.map((l) => `    ${l.kind.padEnd(10)} login "${l.loginId}" password "${l.password}"`).join('\n')}\n\n`,
      );
    }
    const events = createEvents(fanout?.eventTarget);
    // monitor edits reach the probe at once; queued alerts wake the dispatcher (events/signals.ts)
    const signals = createSignals();
    const probeCounters = createProbeCounters();
    // this process in the registry: heartbeats, restart detection, handover wake-ups (cluster/)
    // (PGlite opened here: this is the only process; a test sharing one PGlite between runtimes is not)
    const cluster = startCluster({
      prisma: db.prisma,
      kind: db.kind,
      exclusive: db.kind === 'pglite' && ownsDb,
      config,
      log,
    });
    // the probe loop runs in this process (unless PROBE_ENABLED=false)
    const probe = config.PROBE_ENABLED
      ? createProbeRuntime({
          check: probeCounters.wrap((t, o) => tcpCheck(t, o)),
          prisma: db.prisma,
          events,
          signals,
          log,
          canaries: config.PROBE_CANARIES,
          guardPolicy: {
            massFailureShare: config.PROBE_MASS_FAILURE_SHARE,
            minHosts: config.PROBE_GUARD_MIN_HOSTS,
            maxHoldMs: config.PROBE_MAX_HOLD_SECONDS * 1000,
          },
          ...(config.PROBE_CONCURRENCY ? { concurrency: config.PROBE_CONCURRENCY } : {}),
          ...(config.PROBE_SOURCE_ADDRESS ? { localAddress: config.PROBE_SOURCE_ADDRESS } : {}),
          ...cluster.probeOptions,
        })
      : null;
    const deps: ServiceDeps = {
      prisma: db.prisma,
      events,
      signals,
      probe,
      now: opts.now ?? (() => new Date()),
      secret: await getInstallationSecret(db.prisma),
      publicUrl: config.publicUrl,
    };
    // the delivery side (dispatcher, reminders, bounce receiver); queued ledger rows wake it
    const settings = notificationSettings(config);
    const notifications = createNotifications(
      deps,
      { ...settings, dispatch: { ...settings.dispatch, node: cluster.dispatchNode } },
      log,
    );
    const services: AppServices = {
      ...deps,
      loginThrottle: createLoginThrottle(db.prisma, config.LOGIN_WINDOW_SECONDS * 1000),
      loginLimits: { perLogin: config.LOGIN_MAX_FAILURES, perAddress: config.LOGIN_ADDRESS_MAX_FAILURES },
      mutationLimiter: createRateLimiter({ max: 600, windowMs: 60_000 }),
      sessionTtlMs: config.SESSION_TTL_HOURS * 3_600_000,
      secureCookies: config.publicUrl.startsWith('https:'),
      probeSourceAddress: config.PROBE_SOURCE_ADDRESS ?? null,
      testNotifier: createTestNotifier(deps, notifications),
      mailer: notifications.email,
      channelOptions: {
        slackPrefix: config.SLACK_WEBHOOK_PREFIX,
        alimtalk: notifications.extra.alimtalk != null,
        telegram: notifications.extra.telegram != null,
        sms: notifications.sms.name,
        email: notifications.email !== null,
      },
    };
    const readiness = async (): Promise<ReadinessReport> => {
      const checks: ReadinessReport['checks'] = {};
      try {
        await db.ping(2_000);
        checks.database = { ok: true };
      } catch (err) {
        checks.database = { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
      if (probe)
        checks.probe = probe.healthy() ? { ok: true } : { ok: false, detail: 'probe leases or writes are failing' };
      // reported, not required: without Redis, events still reach this process's subscribers
      if (fanout) checks.redis = fanout.status();
      // reported, not required: mail/SMS trouble delays alerts (they are retried), the API still works
      checks.smtp = notifications.smtpCheck();
      checks.sms = {
        ok: true,
        detail:
          notifications.sms.name === 'none'
            ? 'not configured: SMS rows say "not sent"'
            : `provider ${notifications.sms.name}`,
      };
      return {
        ok: Object.entries(checks).every(([name, c]) => c.ok || name === 'smtp' || name === 'sms' || name === 'redis'),
        checks,
      };
    };
    const graphqlTimings = createGraphqlTimings();
    const metrics = createMetrics({
      prisma: db.prisma,
      probe,
      probeCounters,
      fanout,
      graphql: graphqlTimings,
      ...(config.METRICS_TOKEN ? { token: config.METRICS_TOKEN } : {}),
    });
    const statusRoutes = createStatusRoutes({ deps: services, log });
    const app = buildApp({
      routes: [
        metrics.route,
        ...createNotifyRoutes({ deps: services, sms: notifications.sms, log }),
        statusRoutes.route,
      ],
      plugins: [graphqlTimings.plugin],
      subscriptionTimings: graphqlTimings.subscriptions,
      services,
      graphiql: config.graphiql,
      production: config.NODE_ENV === 'production',
      allowedOrigins: [new URL(config.publicUrl).origin, ...config.CORS_ORIGINS],
      trustProxy: config.trustProxy,
      requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
      wsInitTimeoutMs: config.WS_INIT_TIMEOUT_SECONDS * 1000,
      wsLimits: {
        perAddress: config.WS_MAX_CONNECTIONS_PER_ADDRESS,
        perAccount: config.WS_MAX_CONNECTIONS_PER_ACCOUNT,
        subscriptionsPerSocket: config.WS_MAX_SUBSCRIPTIONS,
      },
      readiness,
      staticDir: path.join(root, 'build/client'),
      log,
    });
    const { port, url } = await app.start(config.PORT, config.HOST);
    log('info', 'listening', { url, graphql: `${url}/graphql`, publicUrl: config.publicUrl });
    await cluster.start(port);
    await probe?.start();
    await notifications.start();
    // the nightly retention run (docs/storage.md): one process of the installation claims it
    const retention = startRetentionJob({ prisma: db.prisma, log });
    let stopping: Promise<void> | undefined;
    return {
      app,
      probe,
      notifications,
      db,
      url,
      port,
      services,
      fanout,
      stop() {
        stopping ??= (async () => {
          await app.stop();
          statusRoutes.stop();
          await retention.stop();
          await probe?.stop();
          await notifications.stop();
          await cluster.stop();
          metrics.close();
          await fanout?.close();
          if (ownsDb) await db.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await fanout?.close();
    if (ownsDb) await db.close();
    throw err;
  }
}

async function main() {
  let config: Config;
  try {
    // `npm run dev` (--dev): development behaviour (GraphiQL, introspection, detailed errors)
    // unless NODE_ENV says otherwise; `npm start`: production unless NODE_ENV says otherwise
    config = loadConfig(process.argv.includes('--dev') ? { NODE_ENV: 'development', ...process.env } : process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  const runtime = await startRuntime(config, { demo: process.argv.includes('--demo'), log });
  process.stdout.write(`portwatch is running at ${runtime.url}  (GraphQL: ${runtime.url}/graphql)\n`);
  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      log('warn', 'second signal: exiting now', { signal });
      process.exit(130);
    }
    log('info', 'shutting down', { signal });
    runtime.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log('error', 'shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `portwatch failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
