// HTTP: one request (GET or HEAD) to the registered IP, over TLS or not, with the Host header
// (and SNI) from the configured name — never resolved. Verdicts: HTTP_STATUS "HTTP 502 Bad
// Gateway (expected 200–399)", HTTP_KEYWORD (the body read lacks the keyword), HTTP_TIMEOUT
// (headers or body incomplete within the timeout: a slow body fails), HTTP_PROTOCOL (not an
// HTTP answer), HTTP_REDIRECT (a redirect that cannot be followed), the TLS verdicts of tls.ts,
// and the connect's OS codes. The body is read up to maxBodyBytes, then the connection is
// reset. Redirects are followed only when asked, at most followRedirects times, and only to
// the same IP and port: a Location naming another host is reported, not fetched.
import http from 'node:http';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ProbeResult, ProbeTarget } from '../types.ts';
import { socketCheck, type CheckOptions, type Session } from './session.ts';
import { upgradeToTls } from './tls.ts';
import type { HttpSpec } from './spec.ts';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function hostHeader(target: ProbeTarget, spec: HttpSpec): string {
  if (spec.hostHeader) return spec.hostHeader;
  const ip = target.host.includes(':') ? `[${target.host}]` : target.host;
  const dflt = spec.tls ? 443 : 80;
  return target.port === dflt ? ip : `${ip}:${target.port}`;
}

/** The path to fetch next when `location` points back at this same server; else why not. */
export function sameServerPath(
  target: ProbeTarget,
  spec: HttpSpec,
  location: string,
): { path: string } | { refused: string } {
  const base = `${spec.tls ? 'https' : 'http'}://${hostHeader(target, spec)}`;
  let url: URL;
  try {
    url = new URL(location, `${base}/`);
  } catch {
    return { refused: 'not a valid URL' };
  }
  const here = new URL(`${base}/`);
  if (url.protocol !== here.protocol) return { refused: `another scheme (${url.protocol.replace(':', '')})` };
  if (url.host !== here.host) return { refused: `another host (${url.host})` };
  return { path: `${url.pathname}${url.search}` };
}

interface Hop {
  result: ProbeResult;
  location?: string;
}

function once(target: ProbeTarget, spec: HttpSpec, path: string, opts: CheckOptions): Promise<Hop> {
  let location: string | undefined;
  const result = socketCheck(target, opts, (s) => {
    const request = (sock: net.Socket): void => exchange(s, sock, target, spec, path, (l) => (location = l));
    if (spec.tls)
      upgradeToTls(
        s,
        { serverName: spec.hostHeader, verifyChain: spec.verifyChain, verifyName: spec.verifyName, starttls: null },
        request,
      );
    else request(s.socket);
  });
  return result.then((r) => ({ result: r, ...(location !== undefined ? { location } : {}) }));
}

function exchange(
  s: Session,
  sock: net.Socket,
  target: ProbeTarget,
  spec: HttpSpec,
  path: string,
  redirect: (l: string) => void,
): void {
  s.phase = 'HTTP response headers';
  s.timeoutCode = 'HTTP_TIMEOUT';
  const req = http.request({
    createConnection: () => sock,
    method: spec.method,
    path,
    setHost: false,
    headers: { Host: hostHeader(target, spec), 'User-Agent': 'portwatch-probe', Accept: '*/*', Connection: 'close' },
  });
  s.onCleanup(() => req.destroy());
  req.on('error', (err) => {
    if (s.settled) return;
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('HPE_')) return s.fail('HTTP_PROTOCOL', `not an HTTP answer: ${err.message}`);
    if (err.message === 'socket hang up')
      return s.fail('HTTP_PROTOCOL', 'the server closed the connection without an HTTP answer');
    s.fail(code || 'EUNKNOWN', `${err.message} while waiting for the ${s.phase}`);
  });
  req.on('response', (res) => {
    const status = res.statusCode ?? 0;
    const statusText = `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`;
    if (REDIRECTS.has(status) && spec.followRedirects > 0 && typeof res.headers.location === 'string') {
      redirect(res.headers.location);
      return s.ok();
    }
    if (status < spec.statusMin || status > spec.statusMax) {
      return s.fail(
        'HTTP_STATUS',
        `${statusText} (expected ${spec.statusMin === spec.statusMax ? spec.statusMin : `${spec.statusMin}–${spec.statusMax}`})`,
      );
    }
    if (spec.method === 'HEAD') return s.ok();
    const keyword = spec.keyword ? Buffer.from(spec.keyword, 'utf8') : null;
    const chunks: Buffer[] = [];
    let size = 0;
    s.phase = 'complete HTTP body';
    s.progress = () => `${statusText}, ${size} bytes of the body received`;
    const judge = (complete: boolean): void => {
      if (!keyword) return s.ok();
      const body = Buffer.concat(chunks, size);
      if (body.includes(keyword)) return s.ok();
      s.fail(
        'HTTP_KEYWORD',
        `${statusText}, but the body ${complete ? '' : `(first ${size} bytes) `}does not contain "${spec.keyword}"`,
      );
    };
    res.on('data', (chunk: Buffer) => {
      if (s.settled) return;
      const room = spec.maxBodyBytes - size;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (keyword) chunks.push(part);
      size += part.length;
      if (keyword && Buffer.concat(chunks, size).includes(keyword)) return s.ok();
      if (size >= spec.maxBodyBytes) judge(false);
    });
    res.on('end', () => {
      if (!s.settled) judge(true);
    });
    res.on('error', () => {
      if (!s.settled) s.fail('HTTP_PROTOCOL', `${statusText}, but the body was cut off after ${size} bytes`);
    });
  });
  req.end();
}

export async function httpCheck(target: ProbeTarget, spec: HttpSpec, opts: CheckOptions): Promise<ProbeResult> {
  const t0 = performance.now();
  let path = spec.path;
  let first: ProbeResult | undefined;
  for (let hop = 0; ; hop += 1) {
    const left = Math.max(1, opts.timeoutMs - (performance.now() - t0));
    const { result, location } = await once(target, spec, path, { ...opts, timeoutMs: left });
    const total = {
      ...result,
      at: first?.at ?? result.at,
      latencyMs: Math.round((performance.now() - t0) * 1000) / 1000,
    };
    first ??= result;
    if (location === undefined) return total;
    if (hop >= spec.followRedirects) {
      return {
        ok: false,
        at: total.at,
        latencyMs: total.latencyMs,
        code: 'HTTP_REDIRECT',
        message: `more than ${spec.followRedirects} redirects (the last to ${location})`,
        ...(total.tls ? { tls: total.tls } : {}),
      };
    }
    const next = sameServerPath(target, spec, location);
    if ('refused' in next) {
      return {
        ok: false,
        at: total.at,
        latencyMs: total.latencyMs,
        code: 'HTTP_REDIRECT',
        message: `redirect to ${location} not followed: ${next.refused}`,
        ...(total.tls ? { tls: total.tls } : {}),
      };
    }
    path = next.path;
  }
}
