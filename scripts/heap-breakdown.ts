// npx tsx scripts/heap-breakdown.ts <file.heapsnapshot> [--per N] [--top 30] [--base before.heapsnapshot]
// Where a heap snapshot's bytes are: self sizes summed by node type and constructor name
// (strings by kind), largest first; with --per N also bytes per unit (e.g. per monitored port);
// with --base, what grew since an earlier snapshot (e.g. before N subscribers connected).
// Last line: JSON.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    per: { type: 'string', default: '1' },
    top: { type: 'string', default: '30' },
    base: { type: 'string' },
  },
});
const file = positionals[0];
if (!file) throw new Error('usage: heap-breakdown <file.heapsnapshot> [--per N] [--top 30]');
interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}
type Groups = Map<string, { bytes: number; count: number }>;

/** Self sizes by group (type, constructor name, plain objects by their first property names). */
function breakdown(path: string): { groups: Groups; total: number } {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const fType = fields.indexOf('type');
  const fName = fields.indexOf('name');
  const fSize = fields.indexOf('self_size');
  const fEdges = fields.indexOf('edge_count');
  const eWidth = s.snapshot.meta.edge_fields.length;
  const eType = s.snapshot.meta.edge_fields.indexOf('type');
  const eName = s.snapshot.meta.edge_fields.indexOf('name_or_index');
  const propertyType = s.snapshot.meta.edge_types[0].indexOf('property');
  let edge = 0;
  const groups: Groups = new Map();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + fType]!] ?? '?';
    const size = s.nodes[i + fSize]!;
    total += size;
    const named = type === 'object' || type === 'closure' || type === 'native';
    let key = named ? `${type} ${s.strings[s.nodes[i + fName]!]}` : type;
    const edgeCount = s.nodes[i + fEdges]!;
    // plain objects are told apart by their first property names (their shape)
    if (key === 'object Object') {
      const names: string[] = [];
      for (let e = edge; e < edge + edgeCount * eWidth && names.length < 4; e += eWidth)
        if (s.edges[e + eType] === propertyType) names.push(s.strings[s.edges[e + eName]!]!);
      key = `object {${names.join(',')}}`;
    }
    edge += edgeCount * eWidth;
    const g = groups.get(key) ?? { bytes: 0, count: 0 };
    g.bytes += size;
    g.count += 1;
    groups.set(key, g);
  }
  return { groups, total };
}

const per = Number(a.per);
const { groups, total: after } = breakdown(file);
let total = after;
if (a.base) {
  const base = breakdown(a.base);
  total -= base.total;
  for (const [k, g] of base.groups) {
    const now = groups.get(k) ?? { bytes: 0, count: 0 };
    groups.set(k, { bytes: now.bytes - g.bytes, count: now.count - g.count });
  }
}
const top = [...groups.entries()].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, Number(a.top));
for (const [k, g] of top)
  console.log(
    `${(g.bytes / 1048576).toFixed(1).padStart(8)} MB ${String(g.count).padStart(9)} × ${(g.bytes / per).toFixed(0).padStart(6)} B/unit  ${k.slice(0, 80)}`,
  );
console.log(
  JSON.stringify({
    totalBytes: total,
    bytesPerUnit: Math.round(total / per),
    top: top.map(([k, g]) => ({
      what: k.slice(0, 80),
      bytes: g.bytes,
      count: g.count,
      perUnit: Math.round(g.bytes / per),
    })),
  }),
);
