// The SLA report's PDF, written without a dependency: a well-formed file (every cross-reference
// offset, stream length and page read back), the Korean or English text with the report's
// figures, a long month spread over pages with nothing lost, and poppler's pdftotext (when
// installed) reading the same text through the ToUnicode map.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SlaTextReport } from '../../server/notify/sla-text.ts';
import { slaPdf } from '../../server/services/sla/pdf.ts';
import { parsePdf, pdftotext } from '../helpers/pdf.ts';

const D = (iso: string) => new Date(iso);

function report(incidents: number): SlaTextReport {
  const observed = 30 * 86_400;
  const list = Array.from({ length: incidents }, (_, i) => ({
    openedAt: new Date(D('2026-11-01T00:00:00Z').getTime() + i * 3_600_000),
    resolvedAt: new Date(D('2026-11-01T00:10:00Z').getTime() + i * 3_600_000),
    durationSeconds: 600,
    cause: `ECONNREFUSED #${i}`,
    ports: [22],
  }));
  const down = incidents * 600;
  const figures = {
    ratio: (observed - down) / observed,
    downSeconds: down,
    excludedSeconds: 0,
    observedSeconds: observed,
  };
  return {
    accountName: '주식회사 (포트) \\ 감시',
    loginId: 'kim',
    month: '2026-11',
    timeZone: 'Asia/Seoul',
    from: D('2026-10-31T15:00:00Z'),
    to: D('2026-11-30T15:00:00Z'),
    targetPercent: 99.9,
    overall: figures,
    breached: figures.ratio * 100 < 99.9,
    hosts: [
      {
        host: '203.0.113.9',
        label: '웹 서버 −1',
        availability: figures,
        breached: figures.ratio * 100 < 99.9,
        incidents: list,
      },
    ],
  };
}

describe('SLA report PDF', () => {
  it('is well-formed and says the figures in Korean, in the report zone', async () => {
    const r = report(2);
    const buf = slaPdf(r, 'ko', D('2026-12-01T00:00:00Z'));
    const pdf = parsePdf(buf);
    expect(pdf.pages).toHaveLength(1);
    expect(pdf.text).toContain('2026년 11월 SLA 보고서');
    expect(pdf.text).toContain(`${((r.overall.ratio ?? 0) * 100).toFixed(3)} %`);
    expect(pdf.text).toContain('2026-11-01 – 2026-11-30');
    expect(pdf.text).toContain('2026-11-01 09:00'); // 00:00 UTC in Seoul
    expect(r.breached).toBe(false); // 20 minutes of 30 days: 99.954 %
    expect(pdf.text).toContain('달성');
    expect(pdf.text).not.toContain('미달');
    expect(pdf.text).toContain('웹 서버 -1'); // a character the Korean font lacks becomes its ASCII neighbour
    expect(pdf.text).toContain('주식회사 (포트) \\ 감시 (kim)');
    // the standard Korean CID font, not embedded
    const font = [...pdf.objects.values()].map((o) => o.toString('latin1')).find((o) => o.includes('/Type0'));
    expect(font).toContain('/BaseFont /HYGoThic-Medium');
    expect(font).toContain('/Encoding /UniKS-UCS2-H');
    const dir = await mkdtemp(path.join(tmpdir(), 'sla-pdf-'));
    await writeFile(path.join(dir, 'r.pdf'), buf);
    const text = await pdftotext(path.join(dir, 'r.pdf'));
    if (text !== null) {
      expect(text).toContain('2026년 11월 SLA 보고서');
      expect(text).toContain(`${((r.overall.ratio ?? 0) * 100).toFixed(3)} %`);
    }
  });

  it('spreads a long month over pages, every incident on one of them, in English', () => {
    const r = report(120);
    const pdf = parsePdf(slaPdf(r, 'en', D('2026-12-01T00:00:00Z')));
    expect(pdf.pages.length).toBeGreaterThan(2);
    for (let i = 0; i < 120; i++) expect(pdf.text).toContain(`ECONNREFUSED #${i}`);
    expect(pdf.text).toContain('SLA report November 2026');
    expect(pdf.text).toContain('BREACHED');
    // each page repeats the incidents' header and carries its number
    expect(pdf.pages[1]).toContain('Opened');
    expect(pdf.pages.at(-1)?.at(-1)).toBe(`kim · 2026-11 · ${pdf.pages.length}`.replaceAll('·', '.'));
  });
});
