// Maps the API's typed errors (ValidationError.fields[].path) onto form fields, in the UI's
// language: a field's `code` (with its `params`) is translated here, in one place, for every
// form; the API's English `message` is shown only for a code this client does not know yet.
import type { CombinedError } from '@urql/core';
import { hasKey, t } from './i18n/index.svelte';
import type { MessageKey } from './i18n/en';

export interface FieldProblem {
  path: readonly string[];
  message: string;
  code?: string | null;
  params?: unknown;
}

/** A field problem's sentence in the UI's language. */
export function problemText(f: Pick<FieldProblem, 'message' | 'code' | 'params'>): string {
  const key = `field.${f.code}`;
  if (!f.code || f.code === 'INVALID' || !hasKey(key)) return f.message;
  const params: Record<string, string | number> = {};
  if (f.params && typeof f.params === 'object') {
    for (const [k, v] of Object.entries(f.params as Record<string, unknown>)) {
      const sub = `field.${f.code}.${k}.${String(v)}`; // an enumerated parameter (e.g. an IP range kind)
      params[k] = hasKey(sub) ? t(sub as MessageKey) : typeof v === 'number' ? v : String(v);
    }
  }
  return t(key as MessageKey, params);
}

/**
 * { "ports": "…", "maintenanceWindows.0.startsAt": "…" } from ValidationError fields. The leading argument
 * name (e.g. "input") is dropped, so a form can key its fields by their own names; a problem
 * with no path goes under "".
 */
export function fieldErrors(
  fields: readonly FieldProblem[] | undefined,
  argNames: readonly string[] = ['input'],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields ?? []) {
    const path = f.path.length > 1 && argNames.includes(f.path[0]!) ? f.path.slice(1) : f.path;
    const key = path.join('.');
    const text = problemText(f);
    out[key] = out[key] ? `${out[key]} ${text}` : text;
  }
  return out;
}

/** A short human text for a transport or GraphQL error. */
export function errorText(error: CombinedError | null | undefined): string | null {
  if (!error) return null;
  if (error.networkError) return error.networkError.message;
  return error.graphQLErrors.map((e) => e.message).join('; ') || error.message;
}

/** The `{ __typename, message, fields? }` of a mutation's error member, or null for success. */
export function problemOf(result: { __typename?: string; message?: string } | null | undefined): string | null {
  if (!result?.__typename || result.__typename.endsWith('Success')) return null;
  return result.message ?? result.__typename;
}

/** The error for `key` or any path under it ("ports" also matches "ports.1"). */
export function errorAt(errors: Record<string, string>, key: string): string | null {
  const found = Object.entries(errors)
    .filter(([k]) => k === key || k.startsWith(`${key}.`))
    .map(([, v]) => v);
  return found.length ? found.join(' ') : null;
}

/** Errors whose path matches none of the form's fields: shown at the top of the form. */
export function otherErrors(errors: Record<string, string>, known: readonly string[]): string[] {
  return Object.entries(errors)
    .filter(([k]) => !known.some((f) => k === f || k.startsWith(`${f}.`)))
    .map(([k, v]) => (k ? `${k}: ${v}` : v));
}

/** A mutation's answer: its typename, and for an error member its message and field problems. */
export type MutationAnswer = { __typename: string; message?: string; fields?: readonly FieldProblem[] } | undefined;

/**
 * The form errors of a mutation's answer, or null when it succeeded: no answer at all is a
 * transport or GraphQL error (`error`, else `networkText`); an error member gives its field
 * problems, or its message under "" when it names no field.
 */
export function answerErrors(
  res: MutationAnswer,
  error: CombinedError | null | undefined,
  networkText: string,
): Record<string, string> | null {
  if (!res) return { '': errorText(error) ?? networkText };
  if (res.__typename.endsWith('Success')) return null;
  const errors = res.fields ? fieldErrors(res.fields) : {};
  return Object.keys(errors).length ? errors : { '': res.message ?? res.__typename };
}
