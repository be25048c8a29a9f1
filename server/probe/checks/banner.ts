// BANNER: connect, optionally send a line, read up to maxBytes within the timeout, and match.
// The answer is judged as soon as it can be: at once when it matches; on a mismatch once a whole
// line has arrived (a starts-with expectation: once enough bytes have), or when the server
// closes, or maxBytes is reached. Reasons: BANNER_MISMATCH "expected 220, got 421 Service not
// available", BANNER_CLOSED (closed before answering), BANNER_TIMEOUT, BANNER_REGEX (the
// pattern ran out of time), plus the connect's OS codes.
import type { ProbeResult, ProbeTarget } from '../types.ts';
import { boundedTest } from './regex.ts';
import { printable } from './result.ts';
import { socketCheck, type CheckOptions } from './session.ts';
import { PRESETS, type BannerSpec } from './spec.ts';

type Verdict = { ok: true } | { ok: false; code: string; message: string } | null;

/** The effective expectation (a preset wins over stored send/match/expect). */
export function effectiveBanner(spec: BannerSpec): Pick<BannerSpec, 'send' | 'match' | 'expect'> {
  return spec.preset ? PRESETS[spec.preset] : spec;
}

export function describeExpectation(spec: BannerSpec): string {
  if (spec.preset === 'MYSQL') return 'a MySQL handshake (protocol 10)';
  const e = effectiveBanner(spec);
  if (e.match === 'STARTS_WITH') return e.expect;
  if (e.match === 'CONTAINS') return `text containing "${e.expect}"`;
  return `/${e.expect}/`;
}

function mysqlVerdict(buf: Buffer, final: boolean): Verdict {
  if (buf.length < 5)
    return final
      ? {
          ok: false,
          code: 'BANNER_MISMATCH',
          message: `expected a MySQL handshake (protocol 10), got ${printable(buf) || 'nothing'}`,
        }
      : null;
  if (buf[4] === 0x0a) return { ok: true };
  if (buf[4] === 0xff) {
    const length = buf.readUIntLE(0, 3);
    if (buf.length < 4 + length && !final) return null;
    const errno = buf.length >= 7 ? buf.readUInt16LE(5) : 0;
    const text = buf.subarray(7, 4 + length).toString('utf8');
    return {
      ok: false,
      code: 'BANNER_MISMATCH',
      message: `expected a MySQL handshake (protocol 10), got MySQL error ${errno}: ${text.replace(/^#\w{5}/, '')}`,
    };
  }
  return {
    ok: false,
    code: 'BANNER_MISMATCH',
    message: `expected a MySQL handshake (protocol 10), got ${printable(buf)}`,
  };
}

/** Judges what has arrived: ok, a failure, or null (wait for more). */
export function judgeBanner(spec: BannerSpec, buf: Buffer, final: boolean): Verdict {
  if (spec.preset === 'MYSQL') return mysqlVerdict(buf, final);
  const e = effectiveBanner(spec);
  const text = buf.toString('latin1');
  let matched: boolean;
  if (e.match === 'STARTS_WITH') matched = text.startsWith(e.expect);
  else if (e.match === 'CONTAINS') matched = text.includes(e.expect);
  else {
    const r = boundedTest(e.expect, text);
    if (r === 'timeout')
      return {
        ok: false,
        code: 'BANNER_REGEX',
        message: `the regular expression /${e.expect}/ ran out of time on the answer (${buf.length} bytes)`,
      };
    if (r === 'invalid')
      return { ok: false, code: 'BANNER_REGEX', message: `/${e.expect}/ is not a valid regular expression` };
    matched = r === 'match';
  }
  if (matched) return { ok: true };
  const decided = final || text.includes('\n') || (e.match === 'STARTS_WITH' && text.length >= e.expect.length);
  if (!decided) return null;
  return {
    ok: false,
    code: 'BANNER_MISMATCH',
    message: `expected ${describeExpectation(spec)}, got ${printable(buf) || 'nothing'}`,
  };
}

export function bannerCheck(target: ProbeTarget, spec: BannerSpec, opts: CheckOptions): Promise<ProbeResult> {
  return socketCheck(target, opts, (s) => {
    const chunks: Buffer[] = [];
    let size = 0;
    s.phase = 'banner';
    s.timeoutCode = 'BANNER_TIMEOUT';
    s.progress = () => (size ? `got ${printable(Buffer.concat(chunks))}` : 'nothing received');
    const judge = (final: boolean): void => {
      const v = judgeBanner(spec, Buffer.concat(chunks, size), final);
      if (v === null) {
        if (final) s.fail('BANNER_CLOSED', 'closed by the server before answering');
        return;
      }
      if (v.ok) s.ok();
      else s.fail(v.code, v.message);
    };
    s.socket.on('data', (chunk: Buffer) => {
      if (s.settled) return;
      const room = spec.maxBytes - size;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(part);
      size += part.length;
      judge(size >= spec.maxBytes);
    });
    s.socket.on('end', () => {
      if (s.settled) return;
      if (size === 0)
        return s.fail('BANNER_CLOSED', `closed by the server before answering (expected ${describeExpectation(spec)})`);
      judge(true);
    });
    const send = effectiveBanner(spec).send;
    if (send) s.socket.write(send);
  });
}
