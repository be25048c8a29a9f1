// Builds what `npm start` needs, only when it is missing or stale:
//  1. the Prisma client and Pothos types (prisma generate, offline),
//  2. the dashboard: its GraphQL types (codegen into client/lib/gql), then vite build of
//     client/ into build/client.
// Plain JS so it runs before anything is generated.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressStatic } from './compress-static.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv[2]; // 'prisma' | 'client' | 'codegen' (client types only) | undefined (all)

function newest(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let m = s.mtimeMs;
  for (const e of readdirSync(p)) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    m = Math.max(m, newest(path.join(p, e)));
  }
  return m;
}

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

const bin = (name) => path.join(root, 'node_modules/.bin', name);

if (!only || only === 'prisma') {
  const out = path.join(root, 'server/generated/pothos-prisma-types.ts');
  if (!existsSync(out) || newest(path.join(root, 'prisma/schema.prisma')) > statSync(out).mtimeMs) {
    console.log('Generating the Prisma client…');
    // The schema engine binary is never used by `generate`; pointing the variable at an
    // existing executable stops the CLI from trying to download one.
    run(bin('prisma'), ['generate'], { PRISMA_SCHEMA_ENGINE_BINARY: '/bin/true', PRISMA_HIDE_UPDATE_MESSAGE: '1' });
  }
}

// Several processes share this tree (npm start, the e2e suite, a second terminal): one builds
// the dashboard at a time, and the others wait for it and then re-check what is stale.
function withLock(name, fn) {
  const dir = path.join(root, 'build', `.${name}.lock`);
  mkdirSync(path.dirname(dir), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(dir);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const age = Date.now() - (statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 10 * 60_000) rmSync(dir, { recursive: true, force: true }); // left by a killed build
      if (Date.now() > deadline) throw new Error(`waited too long for ${dir}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    }
  }
  const release = () => rmSync(dir, { recursive: true, force: true });
  process.on('exit', release); // run() exits the process when a step fails
  try {
    return fn();
  } finally {
    release();
    process.off('exit', release);
  }
}

const hasClient = existsSync(path.join(root, 'client/app.html'));
if ((!only || only === 'client' || only === 'codegen') && hasClient)
  withLock('client', () => {
    // Typed documents (client/lib/gql, not committed) from the schema and the client's operations.
    // (the stamp lives outside client/: a new file there would make the sources look newer)
    const stamp = path.join(root, 'build/.codegen-stamp');
    const inputs = Math.max(
      newest(path.join(root, 'server/schema.graphql')),
      newest(path.join(root, 'client/lib/graphql')),
      newest(path.join(root, 'codegen.ts')),
    );
    if (!existsSync(stamp) || inputs > statSync(stamp).mtimeMs) {
      console.log("Generating the dashboard's GraphQL types…");
      run(bin('graphql-codegen'), ['--config', 'codegen.ts']);
      writeFileSync(stamp, `${new Date().toISOString()}\n`);
    }
    if (only === 'codegen') return;
    const out = path.join(root, 'build/client/index.html');
    const sources = Math.max(
      ...['client', 'server/schema.graphql', 'svelte.config.js', 'vite.config.ts'].map((p) =>
        newest(path.join(root, p)),
      ),
    );
    if (!existsSync(out) || sources > statSync(out).mtimeMs) {
      console.log('Building the dashboard…');
      run(bin('vite'), ['build', '--logLevel', 'warn']);
      compressStatic(path.join(root, 'build/client'));
    }
  });
