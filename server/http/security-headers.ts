// Headers sent with every response, and the Content-Security-Policy of the dashboard. The
// SvelteKit build boots from one inline <script>: its SHA-256 is allowed by hash (computed from
// the file served), every other script must come from this origin.
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** On every response: no MIME sniffing, no referrer (links carry signed tokens), no framing. */
export function setBaseSecurityHeaders(res: ServerResponse): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('content-security-policy', "frame-ancestors 'none'");
}

/** The hashes of the inline scripts of an HTML page ('sha256-…'). */
export function inlineScriptHashes(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
    const body = m[1] ?? '';
    if (body.trim()) out.push(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return out;
}

/** The dashboard's policy: scripts from here (and the page's own inline boot script), API and WebSocket on this origin. */
export function dashboardCsp(html: string, host?: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' ${inlineScriptHashes(html).join(' ')}`.trim(),
    // Svelte sets style attributes (transitions, widths): inline styles, never inline scripts
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self'${host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? ` ws://${host} wss://${host}` : ''}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
