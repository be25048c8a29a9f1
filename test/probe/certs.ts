// A test CA and certificates made here with node:crypto: a minimal DER X.509 v3 encoder (EC
// P-256 keys, ECDSA-SHA256 signatures), so the TLS tests need no openssl CLI and no package.
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import net from 'node:net';

const len = (n: number): Buffer => {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
};
const tlv = (tag: number, body: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), len(body.length), body]);
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const oid = (dotted: string): Buffer => {
  const parts = dotted.split('.').map(Number);
  const out = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const stack = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) stack.unshift(0x80 | (v & 0x7f));
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
};
const int = (buf: Buffer): Buffer => tlv(0x02, buf[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), buf]) : buf);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const time = (d: Date): Buffer => {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
};
const name = (cn: string) => seq(set(seq(oid('2.5.4.3'), utf8(cn))));
const ext = (id: string, critical: boolean, value: Buffer) =>
  seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), tlv(0x04, value));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

export interface Issued {
  cert: string;
  key: string;
  keyObject: KeyObject;
  subject: string;
}

export interface CertOptions {
  cn: string;
  /** DNS names and IP addresses for subjectAltName. */
  names?: string[];
  notBefore?: Date;
  notAfter?: Date;
  ca?: boolean;
  /** Signed by this CA (default: self-signed). */
  issuer?: Issued;
}

const pem = (label: string, der: Buffer) =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END ${label}-----\n`;

export function issue(o: CertOptions): Issued {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const day = 86_400_000;
  const notBefore = o.notBefore ?? new Date(Date.now() - day);
  const notAfter = o.notAfter ?? new Date(Date.now() + 90 * day);
  const exts: Buffer[] = [];
  if (o.ca) {
    exts.push(ext('2.5.29.19', true, seq(tlv(0x01, Buffer.from([0xff])))));
    exts.push(ext('2.5.29.15', true, tlv(0x03, Buffer.from([0x01, 0x06])))); // keyCertSign, cRLSign
  }
  if (o.names?.length) {
    const general = o.names.map((n) => (net.isIP(n) ? tlv(0x87, ipBytes(n)) : tlv(0x82, Buffer.from(n))));
    exts.push(ext('2.5.29.17', false, seq(...general)));
  }
  const issuerName = o.issuer ? o.issuer.subject : o.cn;
  const tbs = seq(
    tlv(0xa0, int(Buffer.from([2]))),
    int(serial()),
    ECDSA_SHA256,
    name(issuerName),
    seq(time(notBefore), time(notAfter)),
    name(o.cn),
    publicKey.export({ type: 'spki', format: 'der' }),
    ...(exts.length ? [tlv(0xa3, seq(...exts))] : []),
  );
  const signature = sign('sha256', tbs, o.issuer?.keyObject ?? privateKey);
  const der = seq(tbs, ECDSA_SHA256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { cert: pem('CERTIFICATE', der), key, keyObject: createPrivateKey(key), subject: o.cn };
}

/**
 * A positive 12-byte serial in minimal DER: a random first byte of 0x00 followed by one below 0x80
 * is a non-minimal INTEGER, which OpenSSL refuses ("illegal padding"; one certificate in 512).
 */
function serial(): Buffer {
  const b = randomBytes(12);
  b[0] = (b[0]! % 0x7f) + 1;
  return b;
}

function ipBytes(ip: string): Buffer {
  if (net.isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.concat(groups.map((g) => Buffer.from(g.padStart(4, '0'), 'hex')));
}
