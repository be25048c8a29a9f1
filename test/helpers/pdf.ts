// Reads back the PDFs the product writes (services/sla/pdf-writer.ts): checks the file's structure
// (header, every cross-reference offset pointing at its object, startxref at the table, the
// trailer's size, the page count) and extracts the text of each page from its compressed content
// stream (the UCS-2 strings shown with Tj). Also runs poppler's pdftotext when it is installed.
import { execFile } from 'node:child_process';
import { inflateSync } from 'node:zlib';

export interface ParsedPdf {
  objects: Map<number, Buffer>;
  pages: string[][];
  /** Every page's text lines, in drawing order. */
  text: string;
}

export function parsePdf(buf: Buffer): ParsedPdf {
  const s = buf.toString('latin1');
  if (!s.startsWith('%PDF-1.')) throw new Error('no PDF header');
  if (!s.trimEnd().endsWith('%%EOF')) throw new Error('no %%EOF at the end');
  const sx = /startxref\n(\d+)\n%%EOF\s*$/.exec(s);
  if (!sx) throw new Error('no startxref');
  const xrefAt = Number(sx[1]);
  if (!s.startsWith('xref\n', xrefAt)) throw new Error(`startxref ${xrefAt} does not point at the xref table`);
  const head = /^xref\n0 (\d+)\n/.exec(s.slice(xrefAt));
  if (!head) throw new Error('bad xref header');
  const count = Number(head[1]);
  const entries = s
    .slice(xrefAt + head[0].length)
    .split('\n')
    .slice(0, count);
  if (entries[0] !== '0000000000 65535 f ') throw new Error('bad free entry');
  const trailer = /trailer\n<< \/Size (\d+) \/Root (\d+) 0 R/.exec(s.slice(xrefAt));
  if (!trailer || Number(trailer[1]) !== count) throw new Error('trailer /Size does not match the xref');
  const objects = new Map<number, Buffer>();
  for (let i = 1; i < count; i++) {
    const m = /^(\d{10}) 00000 n $/.exec(entries[i] ?? '');
    if (!m) throw new Error(`bad xref entry ${i}: ${entries[i]}`);
    const at = Number(m[1]);
    const start = `${i} 0 obj\n`;
    if (!s.startsWith(start, at)) throw new Error(`xref entry ${i} (offset ${at}) does not point at its object`);
    const end = s.indexOf('\nendobj\n', at);
    objects.set(i, buf.subarray(at + start.length, end));
  }
  const catalog = objects.get(Number(trailer[2]))?.toString('latin1') ?? '';
  const pagesRef = /\/Pages (\d+) 0 R/.exec(catalog);
  const tree = objects.get(Number(pagesRef?.[1]))?.toString('latin1') ?? '';
  const kids = [...(/\/Kids \[([^\]]*)\]/.exec(tree)?.[1] ?? '').matchAll(/(\d+) 0 R/g)].map((k) => Number(k[1]));
  if (Number(/\/Count (\d+)/.exec(tree)?.[1]) !== kids.length) throw new Error('/Count differs from the kids');
  const pages = kids.map((k) => {
    const page = objects.get(k)?.toString('latin1') ?? '';
    if (!page.includes('/Type /Page')) throw new Error(`object ${k} is not a page`);
    const contents = Number(/\/Contents (\d+) 0 R/.exec(page)?.[1]);
    const obj = objects.get(contents);
    if (!obj) throw new Error('page without contents');
    const dict = obj.toString('latin1');
    const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
    const from = dict.indexOf('stream\n') + 'stream\n'.length;
    const data = obj.subarray(from, from + length);
    if (obj.toString('latin1', from + length, from + length + 10) !== '\nendstream')
      throw new Error('stream /Length does not end at endstream');
    const ops = inflateSync(data).toString('latin1');
    return [...ops.matchAll(/<([0-9a-f]*)> Tj/g)].map((m) => {
      const hex = m[1] ?? '';
      let t = '';
      for (let i = 0; i < hex.length; i += 4) t += String.fromCharCode(parseInt(hex.slice(i, i + 4), 16));
      return t;
    });
  });
  return { objects, pages, text: pages.flat().join('\n') };
}

/** pdftotext's text of the file (null when poppler-utils is not installed). */
export function pdftotext(file: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('pdftotext', ['-layout', file, '-'], (err, stdout) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') resolve(null);
      else if (err) resolve(`pdftotext failed: ${err.message}`);
      else resolve(stdout);
    });
  });
}
