// Child process of bench:probe: the servers the checks reach — a plain open port (connect
// checks: accepted, then reset by the prober), an SSH-like banner, TLS with a self-signed
// certificate, HTTP 200 — so the targets' CPU is not counted as the prober's. Sends
// { open, banner, tls, http } ports over IPC once listening.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { issue } from '../test/probe/certs.ts';

const listen = (s: net.Server) =>
  new Promise<number>((r) =>
    s.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => r((s.address() as net.AddressInfo).port)),
  );
const cert = issue({ cn: 'bench.example.test', names: ['bench.example.test'] });
const banner = net.createServer((s) => {
  s.on('error', () => {});
  s.write('SSH-2.0-OpenSSH_9.6 bench\r\n');
});
const tlsd = tls.createServer({ cert: cert.cert, key: cert.key }, (s) => {
  s.on('error', () => {});
  s.end();
});
tlsd.on('tlsClientError', () => {});
const open = net.createServer((s) => s.on('error', () => {}));
const web = http.createServer((_q, s) => void s.end('ok'));
web.on('clientError', (_e, s) => s.destroy());
for (const s of [open, banner, tlsd, web]) s.maxConnections = 100_000;
const ports = {
  open: await listen(open),
  banner: await listen(banner),
  tls: await listen(tlsd),
  http: await listen(web),
};
process.send?.(ports);
process.on('disconnect', () => process.exit(0));
