// npx tsx --expose-gc scripts/bench-port-record.ts
// Bytes of heap per one-port record of port states, as the alerting core keeps them
// (`state.ports`), for common ports: a plain object spread `{ ...ports, [port]: next }` against
// withPort() (server/alerting/port-record.ts). Last line: JSON.
import { portRecord, withPort } from '../server/alerting/index.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const N = 20_000;
const value = { phase: 'UP' };
function bytesPer(make: () => unknown): number {
  gc?.();
  const h0 = process.memoryUsage().heapUsed;
  const keep: unknown[] = [];
  for (let i = 0; i < N; i++) keep.push(make());
  gc?.();
  const bytes = (process.memoryUsage().heapUsed - h0) / N;
  return keep.length > 0 ? Math.round(bytes) : 0;
}
const out: Record<number, { spread: number; withPort: number }> = {};
for (const port of [22, 80, 443, 3306, 8080, 40000]) {
  out[port] = {
    spread: bytesPer(() => {
      const first: Record<number, unknown> = {};
      first[port] = value;
      return { ...first, [port]: value };
    }),
    withPort: bytesPer(() => withPort(withPort(portRecord<typeof value>(), port, value), port, value)),
  };
  process.stderr.write(`port ${port}: ${JSON.stringify(out[port])}\n`);
}
console.log(JSON.stringify(out));
