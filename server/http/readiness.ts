/** What /ready answers: 200 when every check is ok, else 503 with the reasons. */
export interface ReadinessReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}
