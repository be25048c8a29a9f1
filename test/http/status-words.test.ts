// The pure parts of the status pages: slug rules, the visitor's language, escaping, the badge.
import { describe, expect, it } from 'vitest';
import { renderBadge } from '../../server/http/status-badge.ts';
import { escapeHtml, percent } from '../../server/http/status-html.ts';
import { chooseLang, STATUS_WORDS } from '../../server/http/status-i18n.ts';
import { checkSlug, slugShaped } from '../../server/services/status-pages/input.ts';
import { overallState } from '../../server/services/status-pages/public-view.ts';

describe('status page slugs', () => {
  it.each([
    ['acme', 'acme'],
    [' Acme-Hosting ', 'acme-hosting'],
    ['a1-b2-c3', 'a1-b2-c3'],
  ])('accepts %j as %j', (raw, slug) => expect(checkSlug(raw, ['slug'])).toEqual({ slug }));
  it.each([
    ['', 'REQUIRED'],
    ['ab', 'LENGTH'],
    ['x'.repeat(41), 'LENGTH'],
    ['-acme', 'SLUG_FORMAT'],
    ['acme-', 'SLUG_FORMAT'],
    ['ac--me', 'SLUG_FORMAT'],
    ['ac_me', 'SLUG_FORMAT'],
    ['아크미상태', 'SLUG_FORMAT'],
    ['assets', 'SLUG_RESERVED'],
  ])('refuses %j with %s', (raw, code) => expect(checkSlug(raw, ['slug'])).toMatchObject({ code }));
  it('treats what the rules refuse as no page (the route never reads it)', () => {
    expect(slugShaped('acme')).toBe(true);
    expect(slugShaped('ACME')).toBe(false);
    expect(slugShaped('../x')).toBe(false);
  });
});

describe('the visitor language', () => {
  it('prefers ?lang, then Accept-Language by q, then the page language', () => {
    expect(chooseLang('en', 'ko', 'ko')).toBe('en');
    expect(chooseLang(null, 'fr;q=1, en;q=0.5, ko;q=0.8', 'en')).toBe('ko');
    expect(chooseLang(null, 'en-US,en;q=0.9', 'ko')).toBe('en');
    expect(chooseLang(null, 'fr, de', 'ko')).toBe('ko');
    expect(chooseLang('xx', 'ko;q=0', 'en')).toBe('en');
  });
});

describe('rendering', () => {
  it('escapes HTML and floors percentages (99.999 % is not 100 %)', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(percent(0.99999, STATUS_WORDS.en)).toBe('99.99%');
    expect(percent(1, STATUS_WORDS.en)).toBe('100.00%');
    expect(percent(null, STATUS_WORDS.ko)).toBe('자료 없음');
  });
  it('draws a badge with the escaped label, the state and the uptime', () => {
    const svg = renderBadge(
      { id: 'i', label: 'Web <script>', address: null, state: 'DOWN', uptime: 0.9912, bars: [] },
      'en',
    );
    expect(svg).toContain('Web &lt;script&gt;');
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('Down · 99.12%');
    expect(svg).toContain('#dc2626');
  });
  it('headlines the worst state, not counting pauses and maintenance as outages', () => {
    expect(overallState(['OPERATIONAL', 'DOWN'])).toBe('DEGRADED');
    expect(overallState(['DOWN', 'DOWN'])).toBe('DOWN');
    expect(overallState(['OPERATIONAL', 'MAINTENANCE', 'PAUSED'])).toBe('OPERATIONAL');
    expect(overallState([])).toBe('UNKNOWN');
  });
});
