// What a check of each kind does, as plain data (stored per port, validated by the services).
// TCP_CONNECT is today's connect-and-reset; the others connect the same way, to the same IP,
// then talk. No spec field ever names an address to connect to: host names given here are only
// sent (TLS SNI, the HTTP Host header), never resolved.

export type CheckKind = 'TCP_CONNECT' | 'BANNER' | 'TLS' | 'HTTP';
export const CHECK_KINDS: readonly CheckKind[] = ['TCP_CONNECT', 'BANNER', 'TLS', 'HTTP'];

export type MatchMode = 'STARTS_WITH' | 'CONTAINS' | 'REGEX';
export type BannerPreset = 'SSH' | 'SMTP' | 'FTP' | 'POP3' | 'IMAP' | 'MYSQL' | 'REDIS';
export const BANNER_PRESETS: readonly BannerPreset[] = ['SSH', 'SMTP', 'FTP', 'POP3', 'IMAP', 'MYSQL', 'REDIS'];
export type StartTls = 'SMTP' | 'IMAP' | 'POP3';

export interface TcpConnectSpec {
  kind: 'TCP_CONNECT';
}

export interface BannerSpec {
  kind: 'BANNER';
  /** A preset replaces send/match (the stored spec keeps the preset's values for display). */
  preset: BannerPreset | null;
  /** Sent after connecting (escapes \r \n \t \\ already decoded); null: only listen. */
  send: string | null;
  match: MatchMode;
  /** The expectation: a prefix, a substring or a regular expression source. */
  expect: string;
  /** Bytes read at most (the answer is judged on these). */
  maxBytes: number;
}

export interface TlsSpec {
  kind: 'TLS';
  /** Sent as SNI and used for the name check; null: no SNI, the name check uses the IP. */
  serverName: string | null;
  /** Fail when the chain does not lead to a trusted root. */
  verifyChain: boolean;
  /** Fail when the certificate does not name serverName (or the IP). */
  verifyName: boolean;
  /** Upgrade a plain-text mail connection first. */
  starttls: StartTls | null;
}

export interface HttpSpec {
  kind: 'HTTP';
  method: 'GET' | 'HEAD';
  /** Starts with "/". */
  path: string;
  /** Host header (and SNI over TLS); null: the IP (and port when not the default). */
  hostHeader: string | null;
  tls: boolean;
  verifyChain: boolean;
  verifyName: boolean;
  statusMin: number;
  statusMax: number;
  /** The body must contain this text (GET only); null: not checked. */
  keyword: string | null;
  /** Body bytes read at most (the keyword is looked for in these). */
  maxBodyBytes: number;
  /** Redirects followed (0: none); only to the same IP and port, see http.ts. */
  followRedirects: number;
}

export type CheckSpec = TcpConnectSpec | BannerSpec | TlsSpec | HttpSpec;

export const TCP_CONNECT: TcpConnectSpec = { kind: 'TCP_CONNECT' };

export const BANNER_LIMITS = { maxBytes: [16, 8192], sendLength: 512, expectLength: 256 } as const;
export const HTTP_LIMITS = { maxBodyBytes: [0, 1_048_576], path: 1024, keyword: 256, followRedirects: 5 } as const;

/** The expectations of the presets: what a customer picks instead of writing a pattern. */
export const PRESETS: Record<BannerPreset, Pick<BannerSpec, 'send' | 'match' | 'expect'>> = {
  SSH: { send: null, match: 'REGEX', expect: '^SSH-(2\\.0|1\\.99)-' },
  SMTP: { send: null, match: 'STARTS_WITH', expect: '220' },
  FTP: { send: null, match: 'STARTS_WITH', expect: '220' },
  POP3: { send: null, match: 'STARTS_WITH', expect: '+OK' },
  IMAP: { send: null, match: 'STARTS_WITH', expect: '* OK' },
  // the server speaks first: a handshake packet (protocol 10); judged by banner.ts, not by text
  MYSQL: { send: null, match: 'STARTS_WITH', expect: 'handshake v10' },
  // an instance with a password answers PING with -NOAUTH: it is up and speaking Redis
  REDIS: { send: 'PING\r\n', match: 'REGEX', expect: '^(\\+PONG|-NOAUTH)' },
};

export const DEFAULT_BANNER_MAX_BYTES = 1024;
export const DEFAULT_HTTP_MAX_BODY_BYTES = 65_536;
