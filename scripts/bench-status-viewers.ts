// The SSE viewers of bench-status.ts, in their own process (forked by it) so that their reading
// does not count in the server's CPU or compete with it on the event loop:
//   argv: <events url> <viewers>
// Opens the streams, then tells the parent { ready }; sends { change: k } when every viewer has
// received its k-th update, and on { report } answers with the arrival times of each update
// (epoch milliseconds with sub-millisecond precision: performance.timeOrigin + performance.now(),
// comparable with the parent's on the same machine) and this process's CPU; the parent then ends it.
import { type IncomingMessage, request } from 'node:http';

const [url, count] = [process.argv[2] ?? '', Number(process.argv[3] ?? '0')];
const send = (m: unknown) => process.send?.(m);
const clock = () => performance.timeOrigin + performance.now();
const arrivals: number[][] = []; // arrivals[k - 1]: when each viewer got its k-th update
const got: number[] = new Array(count).fill(0);
const sockets: IncomingMessage[] = [];
let closed = 0;
let reporting = false;

function arrived(viewer: number): void {
  const k = ++got[viewer]!;
  let list = arrivals[k - 1];
  if (!list) arrivals[k - 1] = list = [];
  list.push(clock());
  if (list.length === count) send({ change: k });
}

await Promise.all(
  Array.from(
    { length: count },
    (_, v) =>
      new Promise<void>((resolve, reject) => {
        const req = request(url, { agent: false });
        req.on('response', (res) => {
          sockets.push(res);
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            for (let at = chunk.indexOf('event: update'); at >= 0; at = chunk.indexOf('event: update', at + 1))
              arrived(v);
          });
          res.on('close', () => {
            if (reporting) return;
            closed++;
            if (closed === 1 || closed === count)
              process.stderr.write(
                `viewers: ${closed} stream(s) closed by the server (viewer ${v} had ${got[v]} updates)\n`,
              );
          });
          resolve();
        });
        req.on('error', reject);
        req.end();
      }),
  ),
);
const cpu0 = process.cpuUsage();
send({ ready: true });
process.on('message', (m: { report?: boolean }) => {
  if (!m.report) return;
  const cpu = process.cpuUsage(cpu0);
  reporting = true;
  for (const s of sockets) s.destroy();
  send({ arrivals, cpuMs: (cpu.user + cpu.system) / 1000 }); // the parent ends this process then
});
