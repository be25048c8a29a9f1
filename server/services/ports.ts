// Port lists, as the seed's form takes them ("21,22,23", "21/22/23", "21 22 23") or as a list.
// Pure: no I/O.

export type PortsResult =
  | { ok: true; ports: number[] }
  | { ok: false; message: string; code: string; params?: Record<string, number> };

/** A refused port list as a field problem's message, code and params. */
export function portsProblem(r: Extract<PortsResult, { ok: false }>): {
  message: string;
  code: string;
  params?: Record<string, number>;
} {
  return { message: r.message, code: r.code, ...(r.params ? { params: r.params } : {}) };
}

const MAX_TEXT = 1000;

function toPort(token: unknown): number | string {
  if (typeof token === 'number') {
    if (!Number.isInteger(token)) return `${token} is not a whole number`;
    return token;
  }
  if (typeof token === 'string') {
    const t = token.trim();
    if (t === '') return 'an entry is empty (two separators in a row?)';
    if (!/^\d{1,6}$/.test(t)) return `"${t.slice(0, 20)}" is not a port number`;
    return Number(t);
  }
  return 'ports must be numbers';
}

/**
 * Parses ports from a list (numbers or numeric strings) or from text separated by ",", "/" or
 * spaces. Each port is 1–65535; duplicates are merged; the result is sorted; at most `limit`.
 */
export function parsePorts(input: unknown, limit: number): PortsResult {
  let tokens: unknown[];
  if (typeof input === 'string') {
    if (input.length > MAX_TEXT) return { ok: false, message: 'Too long', code: 'TOO_LONG', params: { max: MAX_TEXT } };
    const text = input.trim();
    if (text === '') return { ok: false, message: 'Enter at least one port', code: 'PORTS_REQUIRED' };
    tokens = text
      .replace(/\s*[,/]\s*/g, ',')
      .replace(/\s+/g, ',')
      .split(',');
  } else if (Array.isArray(input)) {
    if (input.length > MAX_TEXT)
      return { ok: false, message: 'Too many ports', code: 'TOO_MANY', params: { max: MAX_TEXT } };
    tokens = input;
  } else {
    return { ok: false, message: 'Enter ports as a list or as text like "21,22,23"', code: 'PORTS_FORMAT' };
  }
  if (tokens.length === 0) return { ok: false, message: 'Enter at least one port', code: 'PORTS_REQUIRED' };
  const ports = new Set<number>();
  for (const token of tokens) {
    const p = toPort(token);
    if (typeof p === 'string') return { ok: false, message: p, code: 'PORTS_FORMAT' };
    if (p < 1 || p > 65535)
      return { ok: false, message: `${p} is not a port: use 1–65535`, code: 'PORT_INVALID', params: { port: p } };
    ports.add(p);
  }
  if (ports.size > limit)
    return {
      ok: false,
      message: `At most ${limit} port${limit === 1 ? '' : 's'} per server (${ports.size} given)`,
      code: 'PORTS_TOO_MANY',
      params: { max: limit, given: ports.size },
    };
  return { ok: true, ports: [...ports].sort((a, b) => a - b) };
}
