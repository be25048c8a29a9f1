// A monitor's port states keyed by port number, stored compactly. A plain `{}` given the key 443
// keeps its elements as an array up to that index (V8's "fast holey elements": about 5.5 KB for
// port 443, 1.2 KB for port 80, 0.5 KB for port 22, for one entry), and every `{ ...ports,
// [port]: next }` copies that array again. Records made here keep a sparse table (dictionary
// elements: ~0.2 KB for any port), and a copy with one port changed builds a new one. Same
// keys, same values, same iteration order (ascending ports): only the storage differs.

/** An index far beyond any port: storing it once, then deleting it, leaves the record sparse. */
const SPARSE = 2 ** 31;

/** An empty record that stays sparse whatever ports are put in it. */
export function portRecord<T>(): Record<number, T> {
  const r: Record<number, T | undefined> = {};
  r[SPARSE] = undefined;
  delete r[SPARSE];
  return r as Record<number, T>;
}

/** A copy of `ports` with `port` set to `value` (the input is not changed). */
export function withPort<T>(ports: Readonly<Record<number, T>>, port: number, value: T): Record<number, T> {
  const r = portRecord<T>();
  for (const key in ports) r[key as unknown as number] = ports[key as unknown as number] as T;
  r[port] = value;
  return r;
}
