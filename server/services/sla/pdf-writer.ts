// A small PDF 1.4 writer (no dependency, no network, no browser): A4 pages of text, lines and
// filled rectangles, compressed content streams, an exact cross-reference table.
// Text uses one font, the standard non-embedded Korean CID font HYGoThic-Medium (Adobe-Korea1,
// encoding UniKS-UCS2-H: the text is UCS-2, so Korean and ASCII need no glyph table of ours);
// a PDF reader supplies the glyphs (Acrobat's Korean font pack, poppler's substitution). A
// ToUnicode map (UCS-2 code = Unicode) makes the text searchable and extractable.
import { deflateSync } from 'node:zlib';

export const A4 = { width: 595.28, height: 841.89 } as const;

/** Width of a Latin character in the font's /W (1/1000 em); every other character is 1 em. */
const HALF = 500;

/** Characters the Korean CMap lacks, replaced by their nearest ASCII. */
const SUBSTITUTES: Record<string, string> = { '\u2212': '-', '\u00b7': '.', '\u00a0': ' ', '\u2009': ' ' };

/** A string as the font's codes: UCS-2 big-endian hex; controls and characters outside the BMP dropped. */
function codes(text: string): string {
  let hex = '';
  for (const ch of text) {
    const sub = SUBSTITUTES[ch] ?? ch;
    const c = sub.codePointAt(0) ?? 0x3f;
    if (c < 0x20 || c === 0x7f || c > 0xffff) continue;
    hex += c.toString(16).padStart(4, '0');
  }
  return hex;
}

/** Advance width of `text` at `size` points, as the font's /W declares it. */
export function textWidth(text: string, size: number): number {
  let units = 0;
  for (const ch of text) {
    const c = (SUBSTITUTES[ch] ?? ch).codePointAt(0) ?? 0;
    if (c < 0x20 || c > 0xffff) continue;
    units += c < 0x7f ? HALF : 1000;
  }
  return (units / 1000) * size;
}

/** `text` cut (with "…") to fit `width` points at `size`. */
export function fitText(text: string, size: number, width: number): string {
  if (textWidth(text, size) <= width) return text;
  const chars = [...text];
  while (chars.length > 0 && textWidth(`${chars.join('')}…`, size) > width) chars.pop();
  return `${chars.join('')}…`;
}

export type Rgb = readonly [number, number, number];

const n = (v: number) => (Math.round(v * 100) / 100).toString();
const rgb = (c: Rgb) => c.map((v) => n(v)).join(' ');

/** One page's drawing operations, in points from the top-left corner. */
export class PdfPage {
  readonly ops: string[] = [];

  text(x: number, top: number, text: string, opts: { size?: number; color?: Rgb; align?: 'left' | 'right' } = {}) {
    const size = opts.size ?? 10;
    const hex = codes(text);
    if (!hex) return;
    const left = opts.align === 'right' ? x - textWidth(text, size) : x;
    const y = A4.height - top - size;
    this.ops.push(`BT /F1 ${n(size)} Tf ${rgb(opts.color ?? [0, 0, 0])} rg ${n(left)} ${n(y)} Td <${hex}> Tj ET`);
  }

  line(x1: number, top1: number, x2: number, top2: number, color: Rgb = [0.6, 0.6, 0.6], width = 0.5) {
    this.ops.push(
      `${n(width)} w ${rgb(color)} RG ${n(x1)} ${n(A4.height - top1)} m ${n(x2)} ${n(A4.height - top2)} l S`,
    );
  }

  rect(x: number, top: number, w: number, h: number, color: Rgb) {
    this.ops.push(`${rgb(color)} rg ${n(x)} ${n(A4.height - top - h)} ${n(w)} ${n(h)} re f`);
  }
}

function toUnicodeCMap(): string {
  // the font's codes are UCS-2: each maps to itself (one range per high byte, as the format wants)
  const ranges: string[] = [];
  for (let hi = 0; hi < 256; hi++) {
    const h = hi.toString(16).padStart(2, '0');
    if (hi >= 0xd8 && hi <= 0xdf) continue; // surrogates are never codes
    ranges.push(`<${h}00> <${h}ff> <${h}00>`);
  }
  const chunks: string[] = [];
  for (let i = 0; i < ranges.length; i += 100) {
    const part = ranges.slice(i, i + 100);
    chunks.push(`${part.length} beginbfrange\n${part.join('\n')}\nendbfrange`);
  }
  return [
    '/CIDInit /ProcSet findresource begin',
    '12 dict begin',
    'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Portwatch-UCS2-ToUnicode def',
    '/CMapType 2 def',
    '1 begincodespacerange\n<0000> <ffff>\nendcodespacerange',
    ...chunks,
    'endcmap',
    'CMapName currentdict /CMap defineresource pop',
    'end',
    'end',
  ].join('\n');
}

/** PDF date string D:YYYYMMDDHHmmSSZ. */
const pdfDate = (d: Date) => `D:${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

/** A PDF literal string for the document information (ASCII; anything else becomes UTF-16BE hex). */
function infoString(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s)) return `(${s.replace(/[\\()]/g, (c) => `\\${c}`)})`;
  let hex = 'feff';
  for (let i = 0; i < s.length; i++) hex += s.charCodeAt(i).toString(16).padStart(4, '0');
  return `<${hex}>`;
}

/** Builds the document: pages in order, then `finish()` gives the bytes. */
export class PdfDocument {
  readonly pages: PdfPage[] = [];

  constructor(private readonly info: { title: string; created: Date; lang: string }) {}

  addPage(): PdfPage {
    const p = new PdfPage();
    this.pages.push(p);
    return p;
  }

  finish(): Buffer {
    const objects: Buffer[] = [];
    const add = (body: string | Buffer): number => {
      objects.push(typeof body === 'string' ? Buffer.from(body, 'latin1') : body);
      return objects.length;
    };
    const stream = (dict: string, data: Buffer): Buffer => {
      const z = deflateSync(data);
      return Buffer.concat([
        Buffer.from(`<< ${dict} /Filter /FlateDecode /Length ${z.length} >>\nstream\n`, 'latin1'),
        z,
        Buffer.from('\nendstream', 'latin1'),
      ]);
    };
    // fixed numbers: 1 catalog, 2 page tree, 3 font, 4 CID font, 5 descriptor, 6 ToUnicode, 7 info
    add(`<< /Type /Catalog /Pages 2 0 R /Lang ${infoString(this.info.lang)} >>`);
    add(''); // page tree, written below once the pages have numbers
    add(
      '<< /Type /Font /Subtype /Type0 /BaseFont /HYGoThic-Medium /Encoding /UniKS-UCS2-H /DescendantFonts [4 0 R] /ToUnicode 6 0 R >>',
    );
    add(
      `<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HYGoThic-Medium /CIDSystemInfo << /Registry (Adobe) /Ordering (Korea1) /Supplement 1 >> /FontDescriptor 5 0 R /DW 1000 /W [1 95 ${HALF}] >>`,
    );
    add(
      '<< /Type /FontDescriptor /FontName /HYGoThic-Medium /Flags 4 /FontBBox [-6 -145 1003 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>',
    );
    add(stream('', Buffer.from(toUnicodeCMap(), 'latin1')));
    add(
      `<< /Title ${infoString(this.info.title)} /Producer (portwatch) /CreationDate (${pdfDate(this.info.created)}) >>`,
    );
    const kids: number[] = [];
    for (const page of this.pages) {
      const content = add(stream('', Buffer.from(page.ops.join('\n'), 'latin1')));
      kids.push(
        add(
          `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${A4.width} ${A4.height}] /Resources << /Font << /F1 3 0 R >> >> /Contents ${content} 0 R >>`,
        ),
      );
    }
    objects[1] = Buffer.from(
      `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`,
      'latin1',
    );

    // binary comment line after the header: readers then treat the file as binary
    const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
    let offset = parts[0]!.length;
    const offsets: number[] = [];
    objects.forEach((body, i) => {
      offsets.push(offset);
      const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), body, Buffer.from('\nendobj\n', 'latin1')]);
      parts.push(obj);
      offset += obj.length;
    });
    const xref = [
      'xref',
      `0 ${objects.length + 1}`,
      '0000000000 65535 f ',
      ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n `),
      'trailer',
      `<< /Size ${objects.length + 1} /Root 1 0 R /Info 7 0 R >>`,
      'startxref',
      String(offset),
      '%%EOF',
      '',
    ].join('\n');
    parts.push(Buffer.from(xref, 'latin1'));
    return Buffer.concat(parts);
  }
}
