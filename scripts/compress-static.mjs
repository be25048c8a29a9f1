// Writes precompressed copies (file.br, file.gz) of the built dashboard's text files, so the
// server sends them compressed without compressing per request (server/http/static.ts picks
// the variant the browser accepts). Run after `vite build` (scripts/prepare.mjs does).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.webmanifest', '.txt', '.map']);

/** Compresses every compressible file over 1 KB under `dir`; returns how many were written. */
export function compressStatic(dir) {
  let count = 0;
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const file = path.join(d, name);
      if (statSync(file).isDirectory()) {
        walk(file);
        continue;
      }
      if (!COMPRESSIBLE.has(path.extname(name))) continue;
      const data = readFileSync(file);
      if (data.length < 1024) continue;
      writeFileSync(
        `${file}.br`,
        brotliCompressSync(data, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
        }),
      );
      writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
      count += 1;
    }
  };
  walk(dir);
  return count;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? 'build/client';
  console.log(`precompressed ${compressStatic(dir)} files in ${dir}`);
}
