import type { HttpClient } from '../../../core/http-client.js';
import { fail, ToolFailureError } from '../../../core/errors.js';
import { normalizePlatformError } from '../errors.js';
import { log } from '../../../core/log.js';

export interface SessionInfo {
  nonce: string;
  /** Epoch ms after which the nonce must not be used, when the platform stated one. */
  expiresAt?: number;
  fetchedAt: number;
  raw: Record<string, unknown>;
}

// Refresh a little before a stated expiry so a request does not arrive just after it:
// 2 s, or a fifth of the lifetime for short-lived nonces.
function stillFresh(s: SessionInfo, now: number): boolean {
  if (s.expiresAt === undefined) return true;
  const margin = Math.min(2_000, Math.max(0, (s.expiresAt - s.fetchedAt) / 5));
  return s.expiresAt - margin > now;
}

function readSession(json: unknown, now: number): SessionInfo | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const top = json as Record<string, unknown>;
  const data = (typeof top.data === 'object' && top.data !== null ? top.data : {}) as Record<string, unknown>;
  // The response schema is unpublished: only session_nonce is confirmed, at the top or under data (contracts §2).
  const nonce = [top.session_nonce, data.session_nonce].find((v): v is string => typeof v === 'string' && v.length > 0);
  if (!nonce) return undefined;
  const expiresAtRaw = top.expires_at ?? data.expires_at;
  const expiresInRaw = top.expires_in ?? data.expires_in;
  let expiresAt: number | undefined;
  if (typeof expiresAtRaw === 'string' && !Number.isNaN(Date.parse(expiresAtRaw))) expiresAt = Date.parse(expiresAtRaw);
  else if (typeof expiresAtRaw === 'number') expiresAt = expiresAtRaw > 1e12 ? expiresAtRaw : expiresAtRaw * 1000;
  else if (typeof expiresInRaw === 'number') expiresAt = now + expiresInRaw * 1000;
  return { nonce, ...(expiresAt !== undefined ? { expiresAt } : {}), fetchedAt: now, raw: top };
}

/**
 * Session nonces, one per wallet: fetched lazily, cached, shared by concurrent
 * callers (a single fetch in flight per wallet), and dropped when the platform
 * says it expired or its stated expiry is near.
 */
export class SessionNonces {
  private readonly cache = new Map<string, SessionInfo>();
  private readonly inflight = new Map<string, Promise<SessionInfo>>();
  fetches = 0;

  constructor(
    private readonly http: HttpClient,
    private readonly webUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async get(wallet: string, opts: { fresh?: boolean; signal?: AbortSignal } = {}): Promise<SessionInfo> {
    const key = wallet.toLowerCase();
    const cached = this.cache.get(key);
    if (!opts.fresh && cached && stillFresh(cached, this.now())) return cached;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = this.fetch(wallet, opts.signal).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /** Forgets a nonce the platform rejected, unless a newer one has already replaced it. */
  invalidate(wallet: string, nonce: string): void {
    const key = wallet.toLowerCase();
    if (this.cache.get(key)?.nonce === nonce) this.cache.delete(key);
  }

  private async fetch(wallet: string, signal?: AbortSignal): Promise<SessionInfo> {
    this.fetches++;
    const res = await this.http.request({
      origin: this.webUrl,
      method: 'POST',
      path: '/api/external/auth/session',
      body: JSON.stringify({ wallet_address: wallet }),
      idempotent: true, // asking for a nonce twice is harmless
      ...(signal ? { signal } : {}),
    });
    if (res.status >= 400) throw new ToolFailureError(normalizePlatformError(res.status, res.json ?? res.text, res.retryAfterSeconds));
    const info = readSession(res.json, this.now());
    if (!info) {
      fail({
        status: res.status,
        code: 'session_nonce_missing',
        message: 'The platform answered the session request without a session_nonce.',
        next_step: 'Retry in a moment; if it persists, check platform_health.',
      });
    }
    this.cache.set(wallet.toLowerCase(), info);
    log.debug('wallet session nonce fetched', { expires_at: info.expiresAt ? new Date(info.expiresAt).toISOString() : null });
    return info;
  }
}
