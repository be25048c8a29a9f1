// Shows an E.164 number the way people write it: +821012345678 → 010-1234-5678 (Korea).
export function phoneText(e164: string | null | undefined): string {
  if (!e164) return '—';
  const kr = /^\+82(1\d)(\d{3,4})(\d{4})$/.exec(e164);
  if (kr) return `0${kr[1]}-${kr[2]}-${kr[3]}`;
  return e164;
}
