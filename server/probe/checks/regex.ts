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

/** Tries at most this many times when the bound was reached while the pattern hardly ran. */
const ATTEMPTS = 4;

/**
 * Tests the pattern against the text within `timeoutMs`. vm's bound counts wall time: on a busy
 * machine a process descheduled for longer than the bound (or stopped, as a container can be) has
 * its trivial match cut off as if the pattern were catastrophic, and a check would fail
 * BANNER_REGEX on a healthy server. So a timeout counts only when the attempt spent at least half
 * the bound on the CPU (a catastrophic pattern does); otherwise the match is tried again.
 */
export function boundedTest(source: string, text: string, timeoutMs = REGEX_TIMEOUT_MS): BoundedMatch {
  for (let attempt = 1; ; attempt++) {
    const before = process.cpuUsage();
    const r = attemptTest(source, text, timeoutMs);
    if (r !== 'timeout' || attempt === ATTEMPTS) return r;
    const spent = process.cpuUsage(before);
    if ((spent.user + spent.system) / 1000 >= timeoutMs / 2) return r;
  }
}

function attemptTest(source: string, text: string, timeoutMs: number): BoundedMatch {
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
