// Structured logs: one JSON object per line on stdout (stderr for warn/error).
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, msg: string, extra?: Record<string, unknown>) => void;

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function createLogger(min: LogLevel = 'info', fields: Record<string, unknown> = {}): Logger {
  return (level, msg, extra) => {
    if (order[level] < order[min]) return;
    const line = JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields, ...extra }, (_k, v: unknown) =>
      v instanceof Error ? { name: v.name, message: v.message } : typeof v === 'bigint' ? v.toString() : v,
    );
    (order[level] >= order.warn ? process.stderr : process.stdout).write(`${line}\n`);
  };
}
