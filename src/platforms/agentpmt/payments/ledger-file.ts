import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import canonicalize from 'canonicalize';
// proper-lockfile: a mkdir-based lock with stale-lock recovery and lock refresh, pure
// JavaScript (so it works inside the Claude Desktop bundle on every OS, unlike native
// flock bindings) and safe on network filesystems. `open(..., 'wx')` alone never
// recovers from a crashed holder, and that is the hard part we do not want to write.
import lockfile from 'proper-lockfile';
import { log } from '../../../core/log.js';
import { ensurePrivateDir } from '../../../core/state/files.js';
import { describeFsError, stateDirProblem } from '../../../core/state/fs-problems.js';
import { QuoteBook } from './approval.js';
import type { Currency } from './assets.js';
import { committedOn, entrySchema, LedgerProblemError, patchSchema, type CommittedView, type Decision, type LedgerProblem, type LedgerStore, type PaymentEntry } from './ledger.js';

type Draft = { op: 'create'; entry: PaymentEntry } | { op: 'update'; id: string; at: string; patch: Partial<PaymentEntry> };
type Body = Draft & { seq: number };
type Line = Body & { h: string };
export interface RepairReport {
  file: string;
  /** Payments in the repaired ledger. */
  kept: number;
  /** Records that could not be kept, by line, with why. */
  dropped: Array<{ line: number; why: string }>;
  /** Records the head file remembers but no readable line holds: spend that is no longer counted. */
  lost: number;
  /** Where the damaged original was put, untouched. */
  aside?: string;
  note: string;
}

interface Head {
  count: number;
  hash: string;
}

const GENESIS = 'agentpmt-ledger-v2';
const hashOf = (prev: string, body: Body): string => createHash('sha256').update(`${prev}\n${canonicalize(body)}`).digest('hex');

/** The inter-process lock every writer of a ledger file takes (a lock older than 10 s is a crashed holder's, taken over). */
function lockLedger(file: string): Promise<() => Promise<void>> {
  return lockfile.lock(file, {
    realpath: false,
    lockfilePath: `${file}.lock`,
    stale: 10_000,
    update: 2_000,
    retries: { retries: 400, factor: 1.2, minTimeout: 1, maxTimeout: 40, randomize: true },
    onCompromised: (err) => log.error('payment ledger lock was taken over (a stalled process?)', { error: err.message }),
  });
}

/**
 * The embedded ledger: an append-only JSON-lines file in the state directory,
 * shared safely by any number of processes on one machine.
 *
 * - Every write happens under an inter-process lock, after reading what other
 *   processes appended, so a spend decision sees all committed payments.
 * - Every record carries a hash chained to the previous one, and a small head
 *   file remembers how many records there were: an altered, removed or
 *   truncated record is detected instead of silently forgetting spend.
 * - A torn last record (a crash mid-write) is moved aside before the next
 *   append, never glued to it; the payment it described was never sent,
 *   because an envelope leaves only after its record is flushed.
 */
export class FileLedger implements LedgerStore {
  readonly quotes = new QuoteBook();
  private readonly headFile: string;
  private entries = new Map<string, PaymentEntry>();
  private offset = 0;
  private seq = 0;
  private lastHash = GENESIS;
  private legacy = false;
  private damage: LedgerProblem | undefined;
  private mutex: Promise<unknown> = Promise.resolve();
  private dirReady = false;

  private constructor(readonly location: string) {
    this.headFile = `${location}.head`;
  }

  static async open(file: string): Promise<FileLedger> {
    const ledger = new FileLedger(file);
    await ledger.reload();
    return ledger;
  }

  // ---- reading ------------------------------------------------------------

  /** Forgets everything and reads the file from the start (at open, and to see whether damage was repaired). */
  private async reload(): Promise<void> {
    this.entries = new Map();
    this.offset = 0;
    this.seq = 0;
    this.lastHash = GENESIS;
    this.legacy = false;
    this.damage = undefined;
    const dirProblem = await stateDirProblem(path.dirname(this.location));
    if (dirProblem) {
      this.damage = { location: this.location, what: `cannot be trusted: ${dirProblem.what}`, next_step: dirProblem.next_step };
      return;
    }
    await this.refresh(false);
  }

  private setDamage(what: string, next_step = `Stop and run \`agentpmt-mcp doctor --repair-ledger\`: it keeps every readable record, moves the damaged file aside and tells you what could not be recovered.`): void {
    this.damage ??= { location: this.location, what, next_step };
    log.error('payment ledger unusable: paying tools refuse until it is repaired', { file: this.location, problem: what });
  }

  private async readHead(): Promise<Head | undefined> {
    try {
      const h = JSON.parse(await fs.readFile(this.headFile, 'utf8')) as Head;
      return typeof h.count === 'number' && typeof h.hash === 'string' ? h : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (err instanceof SyntaxError) return undefined; // the head is a hint; a torn one is rewritten on the next append
      throw err;
    }
  }

  /**
   * Reads what was appended since the last read. Under the lock a trailing
   * fragment is a torn record (nobody else is writing) and is sealed away;
   * without the lock it may be a record being written, so it is left for later.
   */
  private async refresh(locked: boolean): Promise<void> {
    if (this.damage) return;
    try {
      // The head is read before the file (the file is never behind a head read earlier), and only on a
      // first read: afterwards a file that shrinks is caught by its size, and the lock path stays short.
      const head = this.offset === 0 && this.seq === 0 ? await this.readHead() : undefined;
      let st;
      try {
        st = await fs.stat(this.location);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        this.dirReady = false; // the folder may be gone too: the next write recreates it
        if (head && head.count > 0) this.setDamage(`is missing, but ${head.count} record(s) were written to it (its head file ${this.headFile} remembers them): the payments made so far would be forgotten`);
        else if (this.seq > 0) this.setDamage(`disappeared while the server was running (it had ${this.seq} record(s))`);
        return;
      }
      if (!st.isFile()) return this.setDamage('is not a regular file (a folder or device stands in its place)', `Move ${this.location} aside (it is not ours to delete); a new ledger is started on the next payment. Payments recorded in it are then not counted in today's budget.`);
      if (st.size < this.offset) return this.setDamage(`shrank from ${this.offset} to ${st.size} bytes while in use: records were removed or the file was replaced`);
      if (st.size > this.offset) await this.consume(st.size, locked);
      if (this.damage) return;
      if (head && !this.legacy && head.count > this.seq) this.setDamage(`has ${this.seq} record(s), but ${head.count} were written: it was truncated or replaced, so payments would be forgotten`);
    } catch (err) {
      if (err instanceof LedgerProblemError) throw err;
      const p = describeFsError(err, this.location);
      this.damage = { location: this.location, what: p.what, next_step: p.next_step };
      log.error('payment ledger unreadable', { file: this.location, problem: p.what });
    }
  }

  private async consume(size: number, locked: boolean): Promise<void> {
    const handle = await fs.open(this.location, 'r');
    let chunk: Buffer;
    try {
      chunk = Buffer.alloc(size - this.offset);
      await handle.read(chunk, 0, chunk.length, this.offset);
    } finally {
      await handle.close();
    }
    const lastNewline = chunk.lastIndexOf(0x0a);
    const complete = lastNewline < 0 ? Buffer.alloc(0) : chunk.subarray(0, lastNewline + 1);
    const fragment = chunk.subarray(lastNewline + 1);
    const lines = complete.toString('utf8').split('\n').slice(0, -1);
    if (this.offset === 0 && lines.length > 0 && !/"h":"[0-9a-f]{64}"/.test(lines[0]!)) this.legacy = true;
    let consumed = this.offset;
    for (const [i, text] of lines.entries()) {
      const why = this.legacy ? this.applyLegacy(text) : this.applyLine(text);
      if (why) {
        // A legacy file's torn last line was terminated by a later append in old versions: tolerate it only at the very end.
        const lastLegacy = this.legacy && i === lines.length - 1 && fragment.length === 0;
        if (lastLegacy) {
          log.warn('ignoring a torn last line of a pre-2 payment ledger', { file: this.location });
        } else {
          return this.setDamage(`has a damaged record at byte ${consumed} (record ${this.seq + 1}): ${why}`);
        }
      }
      consumed += Buffer.byteLength(text, 'utf8') + 1;
    }
    this.offset = consumed;
    if (fragment.length > 0 && locked) await this.sealTornTail(fragment);
  }

  /** A fragment with no newline under the lock is a record a crash cut short: move it aside, keep the ledger clean. */
  private async sealTornTail(fragment: Buffer): Promise<void> {
    const aside = `${this.location}.torn`;
    await fs.appendFile(aside, Buffer.concat([Buffer.from(`# ${new Date().toISOString()} ${fragment.length} bytes cut from the end of the ledger at byte ${this.offset}\n`), fragment, Buffer.from('\n')]), { mode: 0o600 });
    await fs.truncate(this.location, this.offset);
    log.warn('moved a torn last record of the payment ledger aside (a crash cut it short; its payment was never sent)', { file: this.location, aside, bytes: fragment.length });
  }

  /** Verifies and applies one record; returns why it is damaged, or undefined. */
  private applyLine(text: string): string | undefined {
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      return 'not valid JSON';
    }
    const { h, ...body } = line;
    if (body.seq !== this.seq + 1) return `sequence ${String(body.seq)} where ${this.seq + 1} was expected (a record is missing or repeated)`;
    if (h !== hashOf(this.lastHash, body as Body)) return 'its checksum does not match: the record was altered, or a record before it was';
    const why = this.applyBody(body as Body);
    if (why) return why;
    this.seq = body.seq;
    this.lastHash = h;
    return undefined;
  }

  /** `checked`: our own record, validated just before it was written (reading it back would validate it twice). */
  private applyBody(body: Body | Draft, checked = false): string | undefined {
    if (body.op === 'create' && checked) {
      this.entries.set(body.entry.id, { ...body.entry });
      return undefined;
    }
    if (body.op === 'update' && checked) {
      this.entries.set(body.id, { ...this.entries.get(body.id)!, ...body.patch, updated_at: body.at });
      return undefined;
    }
    if (body.op === 'create') {
      const parsed = entrySchema.safeParse(body.entry);
      if (!parsed.success) return `invalid payment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
      if (this.entries.has(body.entry.id)) return `payment ${body.entry.id} recorded twice`;
      this.entries.set(body.entry.id, { ...(parsed.data as PaymentEntry) });
      return undefined;
    }
    if (body.op === 'update') {
      const cur = this.entries.get(body.id);
      if (!cur) return `an update for payment ${String(body.id)}, which was never recorded`;
      const parsed = patchSchema.safeParse(body.patch);
      if (!parsed.success) return `invalid update: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'patch'}: ${i.message}`).join('; ')}`;
      this.entries.set(body.id, { ...cur, ...(body.patch as Partial<PaymentEntry>), updated_at: body.at });
      return undefined;
    }
    return 'unknown record type';
  }

  /** Ledgers written before records were chained: read them, and rewrite them chained on the first append. */
  private applyLegacy(text: string): string | undefined {
    try {
      return this.applyBody(JSON.parse(text) as Body);
    } catch {
      return 'not valid JSON';
    }
  }

  // ---- writing ------------------------------------------------------------

  private problemError(): LedgerProblemError {
    return new LedgerProblemError(this.damage!);
  }

  /** One reader or writer of this process at a time: a read must never consume bytes an append of ours is still accounting for. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.mutex.then(fn, fn);
    this.mutex = next.catch(() => undefined);
    return next;
  }

  private read<T>(fn: () => T): Promise<T> {
    return this.serial(async () => {
      await this.refresh(false);
      return fn();
    });
  }

  /** In-process queue first (one waiter per process contends for the file lock), then the file lock. */
  private withLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial(async (): Promise<T> => {
      if (this.damage) await this.reload(); // repaired meanwhile?
      if (this.damage) throw this.problemError();
      const dir = path.dirname(this.location);
      let release: () => Promise<void>;
      try {
        if (!this.dirReady) {
          // Once per process: a recursive mkdir on every write is a thread-pool round trip for nothing.
          await ensurePrivateDir(dir);
          this.dirReady = true;
        }
        release = await lockLedger(this.location);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ELOCKED') throw new LedgerProblemError({ location: this.location, what: 'is locked by another process that has held it for too long', next_step: 'Retry in a few seconds; if it persists, check for a hung agentpmt-mcp process (a lock older than 10 s is taken over automatically).' });
        const p = describeFsError(err, dir);
        throw new LedgerProblemError({ location: this.location, what: p.what, next_step: p.next_step });
      }
      try {
        await this.refresh(true);
        if (this.damage) throw this.problemError();
        return await fn();
      } finally {
        await release().catch((err: Error) => log.warn('could not release the payment ledger lock', { error: err.message }));
      }
    });
  }

  /**
   * `durable`: flushed to disk (and the head updated) before returning. A
   * reservation need not be: other processes see it through the page cache at
   * once, a crash that loses it loses nothing that was signed, and the pending
   * record that follows it (with the envelope) is flushed, which flushes it too.
   */
  private async append(bodies: Draft[], durable = true): Promise<void> {
    for (const b of bodies) {
      // Never write a record that a later read would call damage.
      const check = b.op === 'create' ? entrySchema.safeParse(b.entry) : patchSchema.safeParse(b.patch);
      if (!check.success) throw new Error(`refusing to record an invalid payment ${b.op}: ${check.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    if (this.legacy) await this.migrate();
    let seq = this.seq;
    let prev = this.lastHash;
    const lines: Line[] = [];
    for (const b of bodies) {
      const body = { ...b, seq: ++seq } as Body;
      prev = hashOf(prev, body);
      lines.push({ ...body, h: prev });
    }
    const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
    try {
      const handle = await fs.open(this.location, 'a', 0o600);
      try {
        await handle.appendFile(text, 'utf8');
        if (durable) await handle.datasync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      // Whatever part reached the disk is a torn tail that the next locked read seals away.
      const p = describeFsError(err, this.location);
      throw new LedgerProblemError({ location: this.location, what: `could not be written: ${p.what}`, next_step: p.next_step });
    }
    for (const l of lines) this.applyBody(l, true);
    this.offset += Buffer.byteLength(text, 'utf8');
    this.seq = seq;
    this.lastHash = prev;
    if (durable) await this.writeHead();
  }

  /** The head is a hint written after the records are durable; a crash before it leaves it behind the file, which is fine. */
  private async writeHead(): Promise<void> {
    const tmp = `${this.headFile}.tmp`;
    try {
      await fs.writeFile(tmp, JSON.stringify({ count: this.seq, hash: this.lastHash } satisfies Head), { mode: 0o600 });
      await fs.rename(tmp, this.headFile);
    } catch (err) {
      log.warn('could not update the payment ledger head file', { error: (err as Error).message });
    }
  }

  private async migrate(): Promise<void> {
    const backup = `${this.location}.v1-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await fs.copyFile(this.location, backup);
    await this.rewrite([...this.entries.values()]);
    log.info('payment ledger upgraded to checksummed records', { file: this.location, records: this.seq, backup });
  }

  /** Replaces the file, atomically, with one chained create record per entry (their current state). */
  private async rewrite(entries: PaymentEntry[]): Promise<void> {
    let prev = GENESIS;
    const lines = entries.map((entry, i) => {
      const body: Body = { seq: i + 1, op: 'create', entry };
      prev = hashOf(prev, body);
      return JSON.stringify({ ...body, h: prev });
    });
    const tmp = `${this.location}.rewrite.tmp`;
    const text = lines.length ? lines.join('\n') + '\n' : '';
    const handle = await fs.open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, this.location);
    this.legacy = false;
    this.seq = entries.length;
    this.lastHash = prev;
    this.offset = Buffer.byteLength(text, 'utf8');
    await this.writeHead();
  }

  /**
   * `agentpmt-mcp doctor --repair-ledger`: keeps every readable record (a
   * record that parses and describes a sane payment, whether or not the chain
   * before it holds: over-counting spend is the safe side), moves the damaged
   * file aside untouched, and writes a fresh checksummed ledger. Says what
   * could not be recovered.
   */
  static async repair(file: string): Promise<RepairReport> {
    const ledger = new FileLedger(file);
    const release = await lockLedger(file);
    try {
      return await ledger.salvage();
    } finally {
      await release().catch(() => undefined);
    }
  }

  private async salvage(): Promise<RepairReport> {
    const head = await this.readHead().catch(() => undefined);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const aside = `${this.location}.damaged-${stamp}`;
    let st;
    try {
      st = await fs.lstat(this.location);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await fs.rm(this.headFile, { force: true });
      return { file: this.location, kept: 0, dropped: [], lost: head?.count ?? 0, note: head?.count ? 'The ledger file was gone; a new one starts empty.' : 'There was no ledger; nothing to repair.' };
    }
    if (!st.isFile()) {
      await fs.rename(this.location, aside);
      await fs.rm(this.headFile, { force: true });
      return { file: this.location, kept: 0, dropped: [], lost: head?.count ?? 0, aside, note: 'Something other than a file stood in place of the ledger; it was moved aside and a new ledger starts empty.' };
    }
    const text = await fs.readFile(this.location, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    const torn = text.slice(complete.length);
    const dropped: Array<{ line: number; why: string }> = [];
    let verified = true;
    let records = 0;
    complete.split('\n').slice(0, -1).forEach((raw, i) => {
      if (!raw.trim()) return;
      records++;
      if (verified && this.applyLine(raw) === undefined) return;
      verified = false;
      let parsed: Line | (Draft & { seq?: number; h?: string });
      try {
        parsed = JSON.parse(raw) as Line;
      } catch {
        dropped.push({ line: i + 1, why: 'not valid JSON' });
        return;
      }
      const { h: _h, seq: _seq, ...draft } = parsed as Line;
      const why = this.applyBody(draft as Draft);
      if (why) dropped.push({ line: i + 1, why });
    });
    if (torn) dropped.push({ line: complete.split('\n').length, why: `a torn last record (${torn.length} bytes, a crash mid-write; its payment was never sent)` });
    const headOk = !head || head.count <= this.seq;
    if (verified && !torn && headOk && !this.legacy) return { file: this.location, kept: this.entries.size, dropped: [], lost: 0, note: 'The ledger is healthy; nothing was changed.' };
    await fs.copyFile(this.location, aside);
    const entries = [...this.entries.values()];
    await this.rewrite(entries);
    const lost = head ? Math.max(0, head.count - records) : 0;
    return { file: this.location, kept: entries.length, dropped, lost, aside, note: 'A fresh checksummed ledger holds every readable payment; the damaged file is kept aside unchanged.' };
  }

  // ---- the LedgerStore interface -------------------------------------------

  reserve<T>(callKey: string, now: Date, decide: (view: CommittedView) => Decision<T>): Promise<T> {
    return this.withLock(async () => {
      const all = [...this.entries.values()];
      const decision = decide({ committed: committedOn(all, now), sameCall: all.filter((e) => e.call_key === callKey).map((e) => ({ ...e })) });
      if (decision.insert) await this.append([{ op: 'create', entry: decision.insert }], false);
      return decision.result;
    });
  }

  update(id: string, patch: Partial<PaymentEntry>): Promise<PaymentEntry> {
    return this.withLock(async () => {
      if (!this.entries.has(id)) throw new Error(`payment ${id} is not in the ledger`);
      await this.append([{ op: 'update', id, at: new Date().toISOString(), patch }]);
      return { ...this.entries.get(id)! };
    });
  }

  get(id: string): Promise<PaymentEntry | undefined> {
    return this.read(() => {
      const e = this.entries.get(id);
      return e ? { ...e } : undefined;
    });
  }

  byCallKey(callKey: string): Promise<PaymentEntry[]> {
    return this.read(() => [...this.entries.values()].filter((e) => e.call_key === callKey).map((e) => ({ ...e })));
  }

  list(): Promise<PaymentEntry[]> {
    return this.read(() => [...this.entries.values()].map((e) => ({ ...e })));
  }

  committedToday(now: Date = new Date()): Promise<Record<Currency, bigint>> {
    return this.read(() => committedOn(this.entries.values(), now));
  }

  problem(): Promise<LedgerProblem | undefined> {
    return this.serial(async () => {
      if (this.damage) await this.reload();
      else await this.refresh(false);
      return this.damage;
    });
  }

  async close(): Promise<void> {
    await this.mutex;
  }
}
