// Who acknowledged an incident, as each audience may see it. Stored: "<login id>" (signed in),
// "link: <recipient>" (a contact's alert link), "operator: <login id>" / "operator link:
// <recipient>" (the provider's staff). A customer never learns the operator's login, e-mail or
// phone: the operator is shown by role.

export const OPERATOR = 'operator';

export function acknowledgerText(opts: { by: 'session' | 'link'; admin: boolean; who: string }): string {
  if (opts.admin) return opts.by === 'link' ? `${OPERATOR} link: ${opts.who}` : `${OPERATOR}: ${opts.who}`;
  return opts.by === 'link' ? `link: ${opts.who}` : opts.who;
}

export const byOperator = (stored: string | null): boolean =>
  !!stored && (stored.startsWith(`${OPERATOR}: `) || stored.startsWith(`${OPERATOR} link: `));

/** The stored value for admins; for anyone else an operator's identity is replaced by the role ("operator"). */
export function shownAcknowledger(stored: string | null, audienceIsAdmin: boolean): string | null {
  if (!stored || audienceIsAdmin || !byOperator(stored)) return stored;
  return OPERATOR;
}
