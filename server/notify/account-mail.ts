// The password reset mail (ko/en): a one-time link, how long it works, and what to do when the
// reader did not ask for it. Plain text and HTML; nothing of the alert templates.
import { escapeHtml } from './render.ts';

export interface ResetMailContent {
  lang: 'ko' | 'en';
  /** The account's display name and login id (so a person with two accounts knows which). */
  name: string;
  loginId: string;
  link: string;
  validMinutes: number;
  /** ADMIN: an administrator sent it; FORGOT: asked for on the sign-in page. */
  origin: 'ADMIN' | 'FORGOT';
}

const TEXT = {
  ko: {
    subject: '[portwatch] 비밀번호 재설정 링크',
    hello: (name: string) => `${name}님, 안녕하세요.`,
    lead: {
      FORGOT: '로그인 화면에서 비밀번호 재설정을 요청하셨습니다.',
      ADMIN: '관리자가 비밀번호 재설정 링크를 보냈습니다.',
    },
    account: '계정',
    action: '아래 링크에서 새 비밀번호를 정하세요',
    valid: (m: number) => `이 링크는 ${m}분 동안, 한 번만 사용할 수 있습니다.`,
    ignore: '요청하지 않으셨다면 이 메일을 무시하세요. 비밀번호는 바뀌지 않습니다.',
  },
  en: {
    subject: '[portwatch] Password reset link',
    hello: (name: string) => `Hello ${name},`,
    lead: {
      FORGOT: 'You asked to reset your password on the sign-in page.',
      ADMIN: 'An administrator sent you a password reset link.',
    },
    account: 'Account',
    action: 'Choose a new password here',
    valid: (m: number) => `The link works once, for ${m} minutes.`,
    ignore: 'If you did not ask for this, ignore this mail: your password stays as it is.',
  },
} as const;

export function renderResetMail(c: ResetMailContent): { subject: string; text: string; html: string } {
  const f = TEXT[c.lang];
  const text = [
    f.hello(c.name),
    '',
    f.lead[c.origin],
    `${f.account}: ${c.loginId}`,
    '',
    `${f.action}: ${c.link}`,
    '',
    f.valid(c.validMinutes),
    f.ignore,
    '',
  ].join('\n');
  const html = `<!doctype html>
<html lang="${c.lang}"><head><meta charset="utf-8"><title>${escapeHtml(f.subject)}</title></head>
<body style="font-family:sans-serif;line-height:1.5;color:#111827">
<p>${escapeHtml(f.hello(c.name))}</p>
<p>${escapeHtml(f.lead[c.origin])}<br>${escapeHtml(f.account)}: <b>${escapeHtml(c.loginId)}</b></p>
<p><a href="${escapeHtml(c.link)}" style="display:inline-block;padding:8px 14px;border-radius:4px;background:#2563eb;color:#fff;text-decoration:none">${escapeHtml(f.action)}</a></p>
<p style="font-size:13px;color:#4b5563">${escapeHtml(f.valid(c.validMinutes))}<br>${escapeHtml(f.ignore)}</p>
</body></html>`;
  return { subject: f.subject, text, html };
}
