// The monthly SLA e-mail's rendering: Korean and English, the report's strings escaped in HTML,
// a large customer's mail bounded (the worst hosts, the first incidents; the rest in the PDF).
import { describe, expect, it } from 'vitest';
import { MAX_MAIL_HOSTS, MAX_MAIL_INCIDENTS, renderSlaMail } from '../../server/notify/sla-mail.ts';
import type { SlaTextReport } from '../../server/notify/sla-text.ts';

const D = (iso: string) => new Date(iso);

function report(hosts: number): SlaTextReport {
  const observed = 30 * 86_400;
  return {
    accountName: '<b>Kim</b>',
    loginId: 'kim',
    month: '2026-11',
    timeZone: 'UTC',
    from: D('2026-11-01T00:00:00Z'),
    to: D('2026-12-01T00:00:00Z'),
    targetPercent: 99.9,
    overall: { ratio: 0.999, downSeconds: 60, excludedSeconds: 0, observedSeconds: observed },
    breached: true,
    hosts: Array.from({ length: hosts }, (_, k) => ({
      host: `10.0.0.${k}`,
      label: k === 0 ? '<script>x</script>' : null,
      availability: { ratio: 1 - k / 100_000, downSeconds: k * 26, excludedSeconds: 0, observedSeconds: observed },
      breached: false,
      incidents: [
        {
          openedAt: D('2026-11-02T03:04:00Z'),
          resolvedAt: D('2026-11-02T03:05:00Z'),
          durationSeconds: 60,
          cause: 'ETIMEDOUT',
          ports: [22],
        },
      ],
    })),
  };
}

describe('SLA report mail', () => {
  it('escapes the report strings in HTML and names the month in Korean', () => {
    const m = renderSlaMail(report(2), {
      lang: 'ko',
      reportUrl: 'https://pw.example/sla?month=2026-11',
      withPdf: true,
    });
    expect(m.subject).toContain('2026년 11월 SLA 보고서');
    expect(m.html).not.toContain('<script>x</script>');
    expect(m.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(m.html).toContain('&lt;b&gt;Kim&lt;/b&gt;');
    expect(m.text).toContain('PDF');
  });

  it('shows a large customer the worst hosts and the first incidents, and says how many more', () => {
    const m = renderSlaMail(report(80), { lang: 'en', reportUrl: 'https://pw.example/sla', withPdf: true });
    const hostLines = m.text.split('\n').filter((l) => l.startsWith('10.0.0.'));
    expect(hostLines).toHaveLength(MAX_MAIL_HOSTS);
    // the worst (highest k: lowest ratio) first
    expect(hostLines[0]).toMatch(/^10\.0\.0\.79 /);
    expect(m.text).toContain(`and ${80 - MAX_MAIL_HOSTS} more hosts`);
    const incidentLines = m.text.split('\n').filter((l) => l.includes('ETIMEDOUT'));
    expect(incidentLines).toHaveLength(MAX_MAIL_INCIDENTS);
    expect(m.text).toContain(`and ${80 - MAX_MAIL_INCIDENTS} more incidents`);
  });
});
