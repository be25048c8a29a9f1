// The Korean texts of uptime and the SLA report: every English key has one, and none carries
// English words (acronyms and units the Korean UI uses as they are: SLA, CSV, PDF).
import { describe, expect, it } from 'vitest';
import { uptimeEn } from '../../client/lib/i18n/uptime.en.ts';
import { uptimeKo } from '../../client/lib/i18n/uptime.ko.ts';

const ALLOWED = new Set(['SLA', 'CSV', 'PDF']);

describe('uptime texts in Korean', () => {
  it('has every key, with the same placeholders, and no English words', () => {
    expect(Object.keys(uptimeKo).sort()).toEqual(Object.keys(uptimeEn).sort());
    for (const [key, en] of Object.entries(uptimeEn)) {
      const ko = uptimeKo[key as keyof typeof uptimeEn];
      const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(holes(ko), key).toEqual(holes(en));
      const words = ko.replaceAll(/\{\w+\}/g, '').match(/[A-Za-z]+/g) ?? [];
      expect(
        words.filter((w) => !ALLOWED.has(w)),
        `${key}: ${ko}`,
      ).toEqual([]);
    }
  });
});
