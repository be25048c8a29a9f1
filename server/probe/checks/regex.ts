// Customers' regular expressions run with a time bound: JavaScript cannot interrupt a RegExp
// in the main context, so the match runs in a small VM context with a timeout (a catastrophic
// pattern then costs at most REGEX_TIMEOUT_MS once, and fails with a clear reason). The text is
// bounded by the check's maxBytes and the pattern's length by the validation.
import vm from 'node:vm';

export const REGEX_TIMEOUT_MS = 50;
export const REGEX_MAX_LENGTH = 256;

const context = vm.createContext({ src: '', text: '', flags: '' });
const script = new vm.Script('new RegExp(src, flags).test(text)');

/** Null when the pattern compiles; else the reason. */
export function regexProblem(source: string): string | null {
  if (source.length > REGEX_MAX_LENGTH) return `At most ${REGEX_MAX_LENGTH} characters`;
  try {
    new RegExp(source);
    return null;
  } catch (err) {
    return `Not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export type BoundedMatch = 'match' | 'no-match' | 'timeout' | 'invalid';

export function boundedTest(source: string, text: string, timeoutMs = REGEX_TIMEOUT_MS): BoundedMatch {
  context.src = source;
  context.text = text;
  context.flags = '';
  try {
    return script.runInContext(context, { timeout: timeoutMs }) === true ? 'match' : 'no-match';
  } catch (err) {
    return (err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' ? 'timeout' : 'invalid';
  } finally {
    context.text = '';
  }
}
