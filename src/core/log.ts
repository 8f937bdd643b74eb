export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const SECRET_KEY = /(token|secret|password|passphrase|mnemonic|private[_-]?key|api[_-]?key|budget[_-]?key|authorization|cookie)/i;
const REDACTED = '[redacted]';

type Sink = (line: string) => void;
export interface LogEntry {
  t: string;
  level: Exclude<LogLevel, 'silent'>;
  msg: string;
  [k: string]: unknown;
}
type Listener = (entry: LogEntry) => void;

/**
 * One structured, levelled logger writing to stderr: stdout belongs to MCP in
 * stdio mode. Redaction happens here, by construction: secret-looking keys are
 * masked whatever their value, and every registered secret value is scrubbed
 * from every string, so a token pasted into an error message cannot leak either.
 */
class Logger {
  private level: LogLevel = 'info';
  private secrets: string[] = [];
  private sink: Sink = (line) => process.stderr.write(line + '\n');
  private readonly listeners = new Set<Listener>();

  /** Also hands every emitted (already redacted) entry to `fn`; returns the unsubscribe function. */
  addListener(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  setLevel(level: LogLevel): void {
    this.level = level;
  }
  getLevel(): LogLevel {
    return this.level;
  }
  addSecrets(values: readonly string[]): void {
    for (const v of values) if (v.length >= 4 && !this.secrets.includes(v)) this.secrets.push(v);
    this.secrets.sort((a, b) => b.length - a.length);
  }
  setSink(sink: Sink): void {
    this.sink = sink;
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join(REDACTED);
    return out;
  }

  redact(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (value === null || typeof value !== 'object' || depth > 6) return value;
    if (value instanceof Error) return { name: value.name, message: this.scrub(value.message) };
    if (Array.isArray(value)) return value.map((v) => this.redact(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' ? REDACTED : this.redact(v, depth + 1);
    }
    return out;
  }

  log(level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < ORDER[this.level]) return;
    const entry: LogEntry = { t: new Date().toISOString(), level, msg: this.scrub(msg), ...(fields ? (this.redact(fields) as object) : {}) };
    this.sink(JSON.stringify(entry));
    for (const fn of this.listeners) fn(entry);
  }
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }
}

export const log = new Logger();
