// The README's dependency rule, enforced: `npm run check:boundaries` (and CI) fails when a file
// under server/ imports a room it may not. A "room" is a top-level folder of server/ (probe,
// alerting, notify, db, events, cluster, services, monitoring, dispatch, graphql, http, metrics,
// generated) or a top-level file (app, main,
// config, log). Relative imports are resolved to rooms; bare imports of the core rooms are
// checked against a small list (the core must not reach for the database or the API).
//
//   node --import tsx scripts/check-boundaries.ts [root]    (root defaults to server/)
//
// Exits 1 and prints each violation as `file: room → room ('specifier')`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which rooms each room may import (itself always). `*` = anything. */
export const ALLOWED: Record<string, readonly string[] | '*'> = {
  // the pure core: nothing of the app
  probe: [],
  alerting: [],
  notify: [],
  // leaves everybody may use
  config: [],
  log: [],
  generated: ['generated'],
  db: ['generated', 'log'],
  // the event fan-out (in-process pub/sub, Redis between processes) and the process registry
  events: ['log'],
  cluster: ['db', 'log'],
  // domain operations: Prisma, the core, logging, publishing events
  services: ['alerting', 'probe', 'notify', 'db', 'generated', 'log', 'events'],
  // background subsystems beside the services: the probe runtime and the dispatcher
  monitoring: ['alerting', 'probe', 'notify', 'db', 'generated', 'log', 'events', 'cluster', 'services'],
  dispatch: ['notify', 'db', 'generated', 'log', 'events', 'cluster', 'services'],
  // the API: services, the live events and the generated types
  graphql: ['services', 'events', 'generated', 'log', 'alerting', 'probe', 'notify'],
  http: ['services', 'notify', 'generated', 'log'],
  // /metrics: reads the database, the probe runtime and the GraphQL timings; answers as an http route
  metrics: ['db', 'generated', 'graphql', 'probe', 'services', 'monitoring', 'events', 'http', 'log'],
  // composition roots, and the configuration → notification settings mapping main.ts uses
  app: '*',
  main: '*',
  'notification-settings': ['config', 'notify', 'services', 'dispatch'],
};

/** Bare (package) imports allowed in the core rooms: node built-ins always, plus these. */
export const CORE_PACKAGES: Record<string, readonly string[]> = {
  probe: [],
  alerting: [],
  notify: ['libphonenumber-js', 'mailparser', 'nodemailer', 'smtp-server'],
};

/**
 * Known violations, each tied to the issue that removes it. The check fails when one of them
 * disappears too (so the list cannot go stale) — delete the line when the code is fixed.
 */
export const KNOWN: readonly string[] = [];

export interface Violation {
  file: string;
  from: string;
  to: string;
  specifier: string;
}

function roomOf(root: string, file: string): string {
  const rel = path.relative(root, file).split(path.sep);
  return rel.length > 1 ? (rel[0] as string) : (rel[0] as string).replace(/\.ts$/, '');
}

function* tsFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'generated' && e.name !== 'node_modules') yield* tsFiles(p);
    } else if (e.name.endsWith('.ts')) yield p;
  }
}

const IMPORT_RE =
  /(?:^|[^\w.])(?:import|export)\s[^'";]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w.])import\s*\(?\s*['"]([^'"]+)['"]/gm;

/** Every import specifier of a TypeScript source (comments stripped first). */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out: string[] = [];
  for (const m of code.matchAll(IMPORT_RE)) out.push((m[1] ?? m[2]) as string);
  return out;
}

export function checkBoundaries(root: string): { violations: Violation[]; stale: string[] } {
  const found: Violation[] = [];
  for (const file of tsFiles(root)) {
    const from = roomOf(root, file);
    const allowed = ALLOWED[from];
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        const rel = path.relative(root, target);
        const to = rel.startsWith('..') ? 'outside server/' : roomOf(root, target);
        if (to === from) continue;
        if (allowed === '*' && to !== 'outside server/') continue;
        if (allowed === undefined || allowed === '*' || !allowed.includes(to))
          found.push({ file, from, to, specifier: spec });
        continue;
      }
      const core = CORE_PACKAGES[from];
      if (!core || spec.startsWith('node:')) continue;
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
      if (!core.includes(pkg)) found.push({ file, from, to: `package ${pkg}`, specifier: spec });
    }
  }
  const key = (v: Violation) => `${path.relative(root, v.file).split(path.sep).join('/')} → ${v.to}`;
  const seen = new Set(found.map(key));
  return {
    violations: found.filter((v) => !KNOWN.includes(key(v))),
    stale: KNOWN.filter((k) => !seen.has(k)),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '../server'));
  const { violations, stale } = checkBoundaries(root);
  for (const v of violations)
    console.error(`${path.relative(process.cwd(), v.file)}: ${v.from} → ${v.to} ('${v.specifier}')`);
  for (const k of stale) console.error(`known violation no longer present (remove it from KNOWN): ${k}`);
  if (violations.length || stale.length) {
    console.error(
      `\nboundaries: ${violations.length} violation(s), ${stale.length} stale exception(s) — see the README's dependency rule`,
    );
    process.exit(1);
  }
  console.log('boundaries: the dependency rule holds');
}
