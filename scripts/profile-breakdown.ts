// npx tsx scripts/profile-breakdown.ts <file.cpuprofile> [--under NAME] [--from US --to US] [--top 25]
// Where a V8 CPU profile's time goes (bench --profile, node --cpu-prof): self time summed by
// function and by file (our files by path, packages by name, node's internals, V8's own entries
// such as (garbage collector) and (program)), largest first, and the inclusive time of the
// functions seen most. With --under, only the samples whose stack holds a function named NAME
// (e.g. the live hub's `listener`: the broadcast's fan-out step). With --from/--to, only the samples
// between those times (µs of the profile's monotonic clock: what `bench:notify` prints as
// `profile-window …` under node --cpu-prof). Last line: JSON.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    under: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    top: { type: 'string', default: '25' },
  },
});
const file = positionals[0];
if (!file) throw new Error('usage: profile-breakdown <file.cpuprofile> [--under NAME] [--top 25]');

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: Frame;
  children?: number[];
}
interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** A file as a group: a package's name, node's internals, our path, or V8's own entry. */
function groupOf(f: Frame): string {
  if (!f.url) return f.functionName.startsWith('(') ? f.functionName : '(native)';
  if (f.url.startsWith('node:')) return 'node:internal';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url);
  if (pkg) return pkg[1]!;
  const ours = /\/((?:server|scripts|client)\/.*)$/.exec(f.url);
  return ours ? ours[1]! : f.url;
}
const nameOf = (f: Frame) => `${f.functionName || '(anonymous)'} ${groupOf(f)}:${f.lineNumber + 1}`;

/** The sample's stack, leaf first. */
function stack(leaf: number): ProfileNode[] {
  const out: ProfileNode[] = [];
  for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) out.push(byId.get(id)!);
  return out;
}

const self = new Map<string, number>();
const files = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
let inScope = 0;
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const from = a.from === undefined ? -Infinity : Number(a.from);
const to = a.to === undefined ? Infinity : Number(a.to);
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0; // the sample's own time
  if (at < from || at > to) continue;
  // a sample's time is the delta to the next sample
  const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  total += dt;
  const frames = stack(profile.samples[i]!);
  if (a.under && !frames.some((n) => n.callFrame.functionName === a.under)) continue;
  inScope += dt;
  const leaf = frames[0]!.callFrame;
  add(self, nameOf(leaf), dt);
  add(files, groupOf(leaf), dt);
  for (const key of new Set(frames.map((n) => nameOf(n.callFrame)))) add(inclusive, key, dt);
}

const top = Number(a.top);
const ms = (v: number) => `${v.toFixed(1).padStart(9)} ms ${((100 * v) / (inScope || 1)).toFixed(1).padStart(5)} %`;
const print = (title: string, m: Map<string, number>) => {
  process.stderr.write(`\n${title}\n`);
  for (const [k, v] of [...m].sort((x, y) => y[1] - x[1]).slice(0, top)) process.stderr.write(`${ms(v)}  ${k}\n`);
};
process.stderr.write(
  `${file}: ${total.toFixed(0)} ms sampled${a.under ? `, ${inScope.toFixed(0)} ms under ${a.under}` : ''}\n`,
);
print('self time by file or package', files);
print('self time by function', self);
print('inclusive time by function', inclusive);
const round = (m: Map<string, number>) =>
  Object.fromEntries([...m].sort((x, y) => y[1] - x[1]).map(([k, v]) => [k, Math.round(v * 10) / 10]));
process.stdout.write(
  `${JSON.stringify({ file, totalMs: Math.round(total), inScopeMs: Math.round(inScope), byFile: round(files) })}\n`,
);
