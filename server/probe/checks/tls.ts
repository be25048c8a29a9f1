// TLS: a handshake on the connected socket (after STARTTLS for SMTP / IMAP / POP3 when asked),
// SNI from the configured name only (never resolved), recording what it showed: protocol,
// cipher, subject, issuer, SANs, validity, fingerprint, trust. Verdicts, in this order:
// TLS_HANDSHAKE (no handshake), CERT_EXPIRED "certificate expired 2026-12-01" and
// CERT_NOT_YET_VALID (always: every client refuses them), CERT_UNTRUSTED (when verifyChain),
// CERT_NAME_MISMATCH (when verifyName). Chain and name are judged here, not by OpenSSL's
// rejectUnauthorized, so a failing check still records the facts.
import tls from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import type { ProbeResult, ProbeTarget, TlsFacts } from '../types.ts';
import { printable } from './result.ts';
import { socketCheck, type CheckOptions, type Session } from './session.ts';
import { startTls } from './starttls.ts';
import type { StartTls, TlsSpec } from './spec.ts';

const dn = (o: Record<string, string | string[]> | undefined): string =>
  Object.entries(o ?? {})
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');

export const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function facts(sock: tls.TLSSocket, cert: PeerCertificate, checkedName: string): TlsFacts {
  const identity = tls.checkServerIdentity(checkedName, cert);
  return {
    protocol: sock.getProtocol() ?? null,
    cipher: sock.getCipher()?.name ?? null,
    subject: dn(cert.subject as unknown as Record<string, string | string[]>),
    issuer: dn(cert.issuer as unknown as Record<string, string | string[]>),
    sans: cert.subjectaltname ? cert.subjectaltname.split(', ') : [],
    validFrom: Date.parse(cert.valid_from),
    validTo: Date.parse(cert.valid_to),
    fingerprint: cert.fingerprint256,
    serialNumber: cert.serialNumber,
    trusted: sock.authorized,
    trustError: sock.authorized ? null : String(sock.authorizationError ?? 'UNKNOWN'),
    checkedName,
    nameMatches: identity === undefined,
  };
}

/** The failure a handshake's facts mean under the options, or null. */
export function tlsVerdict(
  f: TlsFacts,
  o: { verifyChain: boolean; verifyName: boolean },
  now: number,
): { code: string; message: string } | null {
  if (now > f.validTo)
    return { code: 'CERT_EXPIRED', message: `certificate expired ${isoDay(f.validTo)} (${f.subject})` };
  if (now < f.validFrom)
    return {
      code: 'CERT_NOT_YET_VALID',
      message: `certificate not valid before ${isoDay(f.validFrom)} (${f.subject})`,
    };
  if (o.verifyChain && !f.trusted)
    return { code: 'CERT_UNTRUSTED', message: `certificate not trusted: ${f.trustError} (issuer ${f.issuer})` };
  if (o.verifyName && !f.nameMatches) {
    const names = f.sans.length ? f.sans.join(', ') : f.subject;
    return { code: 'CERT_NAME_MISMATCH', message: `certificate does not match ${f.checkedName}: it names ${names}` };
  }
  return null;
}

// One secure context per set of roots, made once: building one per handshake (what tls.connect
// does when given no context) parses Node's whole root store each time and costs more than the
// handshake itself.
const contexts = new Map<string, tls.SecureContext>();
function contextFor(ca: readonly string[] | undefined): tls.SecureContext {
  const key = ca?.length ? ca.join('') : '';
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = tls.createSecureContext(ca?.length ? { ca: [...tls.rootCertificates, ...ca] } : {});
    if (contexts.size > 16) contexts.clear();
    contexts.set(key, ctx);
  }
  return ctx;
}

export interface Upgrade {
  serverName: string | null;
  verifyChain: boolean;
  verifyName: boolean;
  starttls: StartTls | null;
}

/**
 * Upgrades the session's socket to TLS and calls `then` with the TLS socket once the handshake
 * passed the verdicts (facts are on s.tls either way). Failures end the session.
 */
export function upgradeToTls(s: Session, u: Upgrade, then: (sock: tls.TLSSocket) => void): void {
  const handshake = (): void => {
    s.phase = 'TLS handshake';
    s.timeoutCode = 'TLS_TIMEOUT';
    s.progress = () => '';
    const sock = tls.connect({
      socket: s.socket,
      ...(u.serverName ? { servername: u.serverName } : {}),
      rejectUnauthorized: false,
      // the name is judged below (against the configured name or the IP), not inside `authorized`
      checkServerIdentity: () => undefined,
      secureContext: contextFor(s.opts.ca),
    });
    s.onCleanup(() => sock.destroy());
    sock.on('error', (err) => {
      if (s.settled) return;
      const reason = err.message.replace(/^.*?routines:/, '').replace(/:\.\.\/deps.*$/, '');
      s.fail('TLS_HANDSHAKE', `TLS handshake failed: ${reason || (err as { code?: string }).code || 'unknown error'}`);
    });
    sock.once('secureConnect', () => {
      if (s.settled) return;
      const cert = sock.getPeerCertificate(false);
      if (!cert?.raw) return s.fail('TLS_HANDSHAKE', 'TLS handshake failed: the server sent no certificate');
      const f = facts(sock, cert, u.serverName ?? s.target.host);
      s.tls = f;
      const v = tlsVerdict(f, u, (s.opts.now ?? Date.now)());
      if (v) return s.fail(v.code, v.message);
      then(sock);
    });
  };
  if (!u.starttls) return handshake();
  startTls(s, u.starttls, handshake);
}

export function tlsCheck(target: ProbeTarget, spec: TlsSpec, opts: CheckOptions): Promise<ProbeResult> {
  return socketCheck(target, opts, (s) => upgradeToTls(s, spec, () => s.ok()));
}

export { printable };
