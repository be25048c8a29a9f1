// Building ProbeResults: every outcome is a value (see types.ts), with an exact reason.
import { performance } from 'node:perf_hooks';
import type { ProbeResult, TlsFacts } from '../types.ts';

export type Failure = Extract<ProbeResult, { ok: false }>;

export const elapsedSince = (t0: number): number => Math.round((performance.now() - t0) * 1000) / 1000;

export function osCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'EUNKNOWN';
}

/** Printable text of bytes a server sent: the first line, control bytes as \xNN, at most 120 chars. */
export function printable(buf: Buffer, max = 120): string {
  let text = buf.toString('latin1');
  const nl = text.search(/\r?\n/);
  if (nl >= 0) text = text.slice(0, nl);
  // eslint-disable-next-line no-control-regex
  text = text.replace(/[\x00-\x1f\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

export const withTls = <R extends ProbeResult>(r: R, tls: TlsFacts | undefined): R => (tls ? { ...r, tls } : r);
