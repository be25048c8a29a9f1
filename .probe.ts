import { startTestApp } from './test/helpers/app.ts';
import { generateOps, printedSchema } from './test/scale/gen-ops.ts';
const app = await startTestApp({ NODE_ENV: 'production' });
const ops = generateOps(printedSchema(), { ids: ['TW9uaXRvcjox'], n: 7000, seed: 20260707, subscriptions: false });
let i = 0, fails = 0;
const t = Date.now();
for (const op of ops) {
  i++;
  try {
    const res = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' }, body: JSON.stringify({ query: op.query, variables: op.variables }) });
    await res.text();
    if (res.status >= 500) console.log('5xx', op.query.slice(0, 200));
  } catch (e) {
    fails++;
    if (fails < 5) console.log('FAIL', i, String(e), (e as any).cause?.code, op.shape, op.query.length, JSON.stringify(op).length, op.query.slice(0, 300));
  }
}
console.log('done', i, 'fails', fails, Date.now() - t, 'ms');
await app.close();
