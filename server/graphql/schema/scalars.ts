import { GraphQLError, Kind } from 'graphql';
import { builder } from '../builder.ts';

// ISO-8601 with a real calendar date, years 1900–9999 (Date.parse alone takes "2026-02-31",
// "99999-01-01" or "yesterday"-like forms that later fail inside SQL)
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

export function parseDateTime(value: unknown): Date {
  const m = typeof value === 'string' ? ISO.exec(value) : null;
  if (!m)
    throw new GraphQLError('DateTime must be an ISO-8601 string (e.g. 2026-11-24T18:20:00Z)', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  const [y, mo, d, h = '0', mi = '0', sec = '0'] = m.slice(1).map((x) => x ?? undefined) as string[];
  const year = Number(y),
    month = Number(mo),
    day = Number(d);
  const valid =
    year >= 1900 &&
    year <= 9999 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day === new Date(Date.UTC(year, month - 1, day)).getUTCDate() &&
    Number(h) < 24 &&
    Number(mi) < 60 &&
    Number(sec) < 60;
  const date = new Date(value as string);
  if (!valid || Number.isNaN(date.getTime()))
    throw new GraphQLError('DateTime must be a real date between the years 1900 and 9999', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  return date;
}

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO-8601 string in UTC (e.g. 2026-11-24T18:20:00.000Z).',
  serialize: (value) => {
    const d = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(d.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return d.toISOString();
  },
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : null),
});

builder.scalarType('JSON', {
  description: 'Arbitrary JSON (provider payloads, audit details).',
  serialize: (v) => v,
  parseValue: (v) => v,
});
