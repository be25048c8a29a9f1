// Schema-driven generation of GraphQL operations for the abuse suite, from the printed schema
// (server/schema.graphql): random selections of fields (any depth, with aliases, fragments on
// interfaces and unions), arguments that are right, wrong-typed, unknown or missing, random
// strings and IDs (some of them real objects' IDs), variables, and a share of hostile shapes
// (too deep, too many aliases or directives, token floods, truncated and random text).
// Drawn through fast-check's `gen()`, so a seed reproduces the whole stream.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

export type OpKind = 'query' | 'mutation' | 'subscription';
export interface GeneratedOp {
  kind: OpKind;
  /** What was generated (for reports): 'random', 'deep', 'aliases', 'directives', 'tokens', 'truncated', 'fields'. */
  shape: string;
  query: string;
  variables?: Record<string, unknown>;
}
export interface GenOptions {
  /** Real global IDs to use as ID arguments now and then. */
  ids: string[];
  /** Root fields never generated (they would end the caller's session, etc.). */
  skipFields?: string[];
}

type G = fc.GeneratorValue;
const root = path.resolve(import.meta.dirname, '../..');
export const printedSchema = (): GraphQLSchema =>
  buildSchema(readFileSync(path.join(root, 'server/schema.graphql'), 'utf8'));

const IPS = [
  '127.0.0.1',
  '10.0.0.1',
  '192.168.1.1',
  '169.254.169.254',
  '::1',
  'fe80::1',
  '224.0.0.1',
  '0.0.0.0',
  '255.255.255.255',
  '8.8.8.8',
  '203.0.113.5',
  '1.1.1.1',
  'not-an-ip',
  '999.1.1.1',
];

/** An input value: JSON-like, with enum values marked (they print bare in literals). */
type Val = null | boolean | number | string | { enum: string } | Val[] | { obj: [string, Val][] };
const isEnum = (v: Val): v is { enum: string } => typeof v === 'object' && v !== null && 'enum' in v;
const isObj = (v: Val): v is { obj: [string, Val][] } => typeof v === 'object' && v !== null && 'obj' in v;

function toLiteral(v: Val): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(toLiteral).join(', ')}]`;
  if (isEnum(v)) return v.enum;
  return `{ ${v.obj.map(([k, x]) => `${k}: ${toLiteral(x)}`).join(', ')} }`;
}
function toJson(v: Val): unknown {
  if (Array.isArray(v)) return v.map(toJson);
  if (isEnum(v)) return v.enum;
  if (isObj(v)) return Object.fromEntries(v.obj.map(([k, x]) => [k, toJson(x)]));
  return v;
}

class Builder {
  private vars: { decl: string; value: unknown }[] = [];
  /** Clean operations carry no deliberate mistakes (so they reach the resolvers). */
  constructor(
    private g: G,
    private schema: GraphQLSchema,
    private opts: GenOptions,
    private maxDepth: number,
    private dirty: boolean,
  ) {}

  int = (min: number, max: number) => this.g(() => fc.noBias(fc.integer({ min, max })));
  chance = (p: number) => this.int(0, 9_999) < p * 10_000;
  mistake = (p: number) => this.dirty && this.chance(p);
  pick = <T>(list: readonly T[]): T => list[this.int(0, list.length - 1)]!;
  name = () => this.pick(['a', 'b', 'x1', 'alias', 'node', 'id', '_z']) + this.int(0, 99);

  randomString(): string {
    return this.pick([
      () => this.g(fc.string, { maxLength: 40 }),
      () => this.g(fc.string, { unit: 'grapheme', maxLength: 20 }),
      () => this.pick(IPS),
      () =>
        this.pick([
          '',
          ' ',
          'admin',
          "' OR 1=1 --",
          '<script>alert(1)</script>',
          '../../etc/passwd',
          '%00',
          'a'.repeat(300),
          '{"$gt":""}',
        ]),
      () => this.pick(this.opts.ids.length ? this.opts.ids : ['x']),
    ])();
  }

  /** A value for `type` (right; in dirty operations sometimes wrong). */
  value(type: GraphQLInputType, depth = 0): Val {
    if (this.mistake(0.05)) return this.wrongValue();
    if (isNonNullType(type)) return this.value(type.ofType, depth);
    if (isListType(type)) {
      if (this.chance(0.2)) return this.value(type.ofType, depth);
      return Array.from({ length: this.int(0, 3) }, () => this.value(type.ofType, depth));
    }
    if (isEnumType(type)) return { enum: this.mistake(0.1) ? 'NOT_A_VALUE' : this.pick(type.getValues()).name };
    if (isInputObjectType(type)) {
      if (depth > 3) return null;
      const obj: [string, Val][] = Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type) || this.chance(0.5))
        .map((f) => [f.name, this.value(f.type, depth + 1)]);
      if (this.mistake(0.05)) obj.push([this.name(), 1]);
      return { obj };
    }
    if (!this.dirty) return this.saneScalar(getNamedType(type).name);
    switch (getNamedType(type).name) {
      case 'Int':
        return this.pick([
          this.int(-5, 200),
          this.int(0, 50),
          this.int(-2_147_483_648, 2_147_483_647),
          ...(this.dirty ? [2 ** 40] : []),
        ]);
      case 'Float':
        return this.pick([0.5, -1e300, 1e308, this.int(0, 1000) / 7]);
      case 'Boolean':
        return this.chance(0.5);
      case 'ID':
        return this.chance(0.6) && this.opts.ids.length ? this.pick(this.opts.ids) : this.randomString();
      case 'DateTime':
        return this.pick([
          new Date(Date.UTC(2020 + this.int(0, 10), this.int(0, 11), 1)).toISOString(),
          'yesterday',
          '2026-13-45T99:00:00Z',
          '',
        ]);
      case 'JSON':
        return this.pick<Val>([{ obj: [] }, { obj: [['a', 1]] }, [1, 'x', null], 's']);
      default:
        return this.randomString();
    }
  }

  /** Clean operations: values a real client would send. */
  saneScalar(name: string): Val {
    switch (name) {
      case 'Int':
        return this.int(1, 50);
      case 'Float':
        return this.int(0, 100) / 4;
      case 'Boolean':
        return this.chance(0.5);
      case 'ID':
        return this.opts.ids.length ? this.pick(this.opts.ids) : 'x';
      case 'DateTime':
        return new Date(Date.UTC(2024 + this.int(0, 3), this.int(0, 11), 1 + this.int(0, 27))).toISOString();
      case 'JSON':
        return { obj: [] };
      default:
        return this.pick(['203.0.113.9', 'web', 'Seoul', 'alice@example.com', '22,80', 'Asia/Seoul', 'title', 'x']);
    }
  }

  wrongValue(): Val {
    return this.pick<Val>([null, 42, 'str', true, [], { obj: [] }, { enum: 'NOT_AN_ENUM' }, 1.5, -0]);
  }

  args(field: GraphQLField<unknown, unknown>, top: boolean): string {
    const parts: string[] = [];
    for (const a of field.args) {
      const required = isNonNullType(a.type);
      if (!(required ? !this.mistake(0.1) : this.chance(0.4))) continue;
      if (top && this.chance(0.2)) {
        const v = `$v${this.vars.length}`;
        this.vars.push({
          decl: `${v}: ${a.type.toString()}`,
          value: this.mistake(0.2) ? this.g(fc.jsonValue, { maxDepth: 2 }) : toJson(this.value(a.type)),
        });
        parts.push(`${a.name}: ${v}`);
      } else parts.push(`${a.name}: ${this.mistake(0.03) ? '$undeclared' : toLiteral(this.value(a.type))}`);
    }
    if (this.mistake(0.03)) parts.push(`${this.name()}: ${toLiteral(this.wrongValue())}`);
    return parts.length ? `(${parts.join(', ')})` : '';
  }

  selection(type: GraphQLNamedType, depth: number): string {
    if (isLeafType(type)) return this.mistake(0.02) ? ' { __typename }' : '';
    if (depth >= this.maxDepth) return ' { __typename }';
    const parts: string[] = [];
    if (isObjectType(type) || isInterfaceType(type)) {
      const fields = Object.values(type.getFields());
      const n = this.int(1, Math.min(4, fields.length));
      // clean operations select distinct fields (the same field twice with other arguments conflicts)
      const chosen = this.dirty ? Array.from({ length: n }, () => this.pick(fields)) : this.distinct(fields, n);
      for (const f of chosen) parts.push(this.fieldSelection(f, depth, false));
    }
    if (isInterfaceType(type) || isUnionType(type)) {
      const possible = this.schema.getPossibleTypes(type);
      const n = isUnionType(type) ? this.int(1, 2) : this.chance(0.3) ? 1 : 0;
      for (let i = 0; i < n; i++) {
        const t = this.pick(possible);
        parts.push(`... on ${t.name}${this.selection(t, depth + 1)}`);
      }
    }
    if (!parts.length || this.chance(0.2)) parts.push('__typename');
    if (this.mistake(0.01)) return '';
    return ` { ${parts.join(' ')} }`;
  }

  distinct<T>(list: readonly T[], n: number): T[] {
    const pool = [...list];
    return Array.from({ length: Math.min(n, pool.length) }, () => pool.splice(this.int(0, pool.length - 1), 1)[0]!);
  }

  fieldSelection(field: GraphQLField<unknown, unknown>, depth: number, top: boolean): string {
    const alias = this.chance(0.15) ? `${this.name()}: ` : '';
    return `${alias}${field.name}${this.args(field, top)}${this.selection(getNamedType(field.type), depth + 1)}`;
  }

  operation(kind: OpKind, rootType: GraphQLObjectType): string {
    const fields = Object.values(rootType.getFields()).filter((f) => !this.opts.skipFields?.includes(f.name));
    const n = kind === 'subscription' ? 1 : this.int(1, 3);
    const roots = this.dirty ? Array.from({ length: n }, () => this.pick(fields)) : this.distinct(fields, n);
    const sel = roots.map((f) => this.fieldSelection(f, 0, true)).join(' ');
    const decl = this.vars.length ? `(${this.vars.map((v) => v.decl).join(', ')})` : '';
    return `${kind}${decl} { ${sel} }`;
  }

  variables(): Record<string, unknown> | undefined {
    if (!this.vars.length) return undefined;
    return Object.fromEntries(this.vars.map((v, i) => [`v${i}`, v.value]));
  }
}

/** One random operation of `kind`; `hostile` raises the share of limit-breaking shapes. */
export function opArbitrary(schema: GraphQLSchema, kind: OpKind, opts: GenOptions): fc.Arbitrary<GeneratedOp> {
  const rootType =
    kind === 'query'
      ? schema.getQueryType()!
      : kind === 'mutation'
        ? schema.getMutationType()!
        : schema.getSubscriptionType()!;
  return fc.gen().map((g) => {
    const b = new Builder(
      g,
      schema,
      opts,
      g(fc.integer, { min: 1, max: 9 }),
      g(() => fc.noBias(fc.integer({ min: 0, max: 9 }))) < 4,
    );
    // 70 % schema-shaped selections (40 % of them with deliberate mistakes), 30 % hostile shapes
    const shape = b.pick([
      ...Array<string>(14).fill('fields'),
      'deep',
      'aliases',
      'directives',
      'tokens',
      'truncated',
      'random',
    ]);
    switch (shape) {
      case 'deep': {
        // down a self-referencing path (Account.servers.nodes.account…): 3 levels per step
        let q = b.pick(['__typename', 'id', 'ip']);
        for (let i = b.int(1, 12); i > 0; i--) q = `account { servers { nodes { ${q} } } }`;
        return { kind, shape, query: `${kind} { monitors { nodes { server { ${q} } } } }` };
      }
      case 'aliases':
        return {
          kind,
          shape,
          query: `${kind} { ${Array.from({ length: b.int(15, 80) }, (_, i) => `a${i}: ${b.pick(['__typename', 'viewer { id }', 'probeInfo { sourceAddresses }'])}`).join(' ')} }`,
        };
      case 'directives':
        return { kind, shape, query: `${kind} { __typename ${'@include(if: true) '.repeat(b.int(10, 60))} }` };
      case 'tokens':
        return { kind, shape, query: `${kind} { ${'__typename '.repeat(b.int(1000, 5000))} }` };
      case 'truncated': {
        const q = b.operation(kind, rootType);
        return { kind, shape, query: q.slice(0, b.int(0, Math.max(0, q.length - 1))) };
      }
      case 'random':
        return { kind, shape, query: g(fc.string, { maxLength: 200 }) };
      default: {
        const query = b.operation(kind, rootType);
        const variables = b.variables();
        return variables ? { kind, shape, query, variables } : { kind, shape, query };
      }
    }
  });
}

/** `n` operations, mostly queries, some mutations (and subscriptions when `subscriptions`). */
export function generateOps(
  schema: GraphQLSchema,
  opts: GenOptions & { n: number; seed: number; subscriptions: boolean },
): GeneratedOp[] {
  const arb = fc.oneof(
    { weight: 7, arbitrary: opArbitrary(schema, 'query', opts) },
    { weight: 2, arbitrary: opArbitrary(schema, 'mutation', opts) },
    ...(opts.subscriptions ? [{ weight: 1, arbitrary: opArbitrary(schema, 'subscription', opts) }] : []),
  );
  return fc.sample(arb, { numRuns: opts.n, seed: opts.seed });
}
