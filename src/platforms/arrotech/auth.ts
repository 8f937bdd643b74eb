import type { Config } from '../../config.js';
import { fail, ToolFailureError, type ToolFailure } from '../../core/errors.js';
import type { HttpClient, HttpResponse } from '../../core/http-client.js';
import { log } from '../../core/log.js';
import { normalizeArrotechError, rateLimitFailure } from './errors.js';
import { authMode } from './settings.js';

interface Token {
  jwt: string;
  expiresAt: number;
  /** When to renew: before expiry, so no request goes out with a token about to lapse. */
  renewAt: number;
}

/** The login JWT's `exp` claim, read (not verified: the platform verifies it) to know when to renew. */
function expiryOf(jwt: string): number | undefined {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** How long a refused login is answered from memory: the settings cannot change while the server runs, and repeated wrong passwords can lock an account. */
const REFUSED_LOGIN_MS = 60_000;

const NEEDS_CREDENTIALS = 'Set ARROTECH_API_KEY (or ARROTECH_EMAIL and ARROTECH_PASSWORD) in the server settings; the model cannot fix this itself.';

/**
 * Arrotech Hub's two credentials. An API key is sent as the bearer, as the Public API
 * reference documents. An email and password log in (POST /auth/login) for a 30-minute
 * JWT, renewed through POST /auth/refresh before it lapses; one login at a time however
 * many calls need it, and a fresh one after a 401. The password goes only into the login
 * body; every token obtained is registered with the logger as a secret.
 */
export class ArrotechAuth {
  private token: Token | undefined;
  private pending: Promise<Token> | undefined;
  private refused: { failure: ToolFailure; until: number } | undefined;
  readonly mode: 'api_key' | 'login' | 'none';

  constructor(
    private readonly config: Config,
    private readonly http: HttpClient,
    private readonly now: () => number = Date.now,
  ) {
    this.mode = authMode(config);
  }

  /** The bearer for the next request. */
  async bearer(): Promise<string> {
    if (this.mode === 'api_key') return this.config.arrotechApiKey!;
    if (this.mode === 'none') fail({ code: 'missing_credentials', message: 'Arrotech Hub needs a credential and none is configured.', next_step: NEEDS_CREDENTIALS });
    const t = this.token;
    if (t && this.now() < t.renewAt) return t.jwt;
    return (await this.obtain(t && this.now() < t.expiresAt ? t : undefined)).jwt;
  }

  /** A request carrying `jwt` got a 401: forget it, so the next bearer() logs in again. Returns whether a retry can help. */
  rejected(jwt: string): boolean {
    if (this.mode !== 'login') return false;
    if (this.token?.jwt === jwt) this.token = undefined;
    return true;
  }

  /** Proves the credential (doctor): a login, or nothing to do for an API key. */
  async login(): Promise<void> {
    if (this.mode === 'login') this.token = await this.obtain(undefined);
  }

  get expiresAt(): number | undefined {
    return this.token?.expiresAt;
  }

  private obtain(current: Token | undefined): Promise<Token> {
    // Single flight: calls that find the token stale together share one login or refresh.
    this.pending ??= (async () => {
      try {
        let next = current
          ? await this.refresh(current).catch((err: unknown) => {
              log.info('arrotech token refresh failed; logging in again', { error: err instanceof ToolFailureError ? err.failure.code : String(err) });
              return undefined;
            })
          : undefined;
        next ??= await this.loginOnce();
        this.token = next;
        return next;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }

  private async refresh(current: Token): Promise<Token | undefined> {
    const res = await this.http.request({
      origin: this.config.arrotechApiUrl,
      method: 'POST',
      path: '/auth/refresh',
      headers: { authorization: `Bearer ${current.jwt}` },
      idempotent: false,
    });
    if (res.status !== 200) return undefined;
    return this.tokenFrom(res);
  }

  private async loginOnce(): Promise<Token> {
    if (this.refused && this.now() < this.refused.until) {
      const wait = Math.ceil((this.refused.until - this.now()) / 1000);
      fail({ ...this.refused.failure, message: `${this.refused.failure.message} (not retried for another ${wait} s: the same settings would be refused again)` });
    }
    const res = await this.http.request({
      origin: this.config.arrotechApiUrl,
      method: 'POST',
      path: '/auth/login',
      body: JSON.stringify({ email: this.config.arrotechEmail, password: this.config.arrotechPassword }),
      idempotent: false,
    });
    if (res.status === 429) throw new ToolFailureError(rateLimitFailure(res));
    if (res.status === 401 || res.status === 403 || res.status === 400 || res.status === 422) {
      const f = normalizeArrotechError(res.status, res.json ?? res.text, res.retryAfterSeconds);
      const failure: ToolFailure = {
        ...f,
        code: 'login_failed',
        message: `Arrotech Hub refused the login of ARROTECH_EMAIL (HTTP ${res.status}): ${f.message}`,
        next_step: 'Check ARROTECH_EMAIL and ARROTECH_PASSWORD in the server settings (or use ARROTECH_API_KEY instead), then restart the server; the model cannot fix this itself.',
      };
      this.refused = { failure, until: this.now() + REFUSED_LOGIN_MS };
      throw new ToolFailureError(failure);
    }
    if (res.status >= 300) throw new ToolFailureError(normalizeArrotechError(res.status, res.json ?? res.text, res.retryAfterSeconds));
    const token = this.tokenFrom(res);
    log.info('arrotech login succeeded', { expires_in_s: Math.round((token.expiresAt - this.now()) / 1000) });
    return token;
  }

  private tokenFrom(res: HttpResponse): Token {
    const body = (res.json ?? {}) as { access_token?: unknown; token?: unknown; expires_in?: unknown; data?: { access_token?: unknown } };
    const jwt = [body.access_token, body.token, body.data?.access_token].find((v): v is string => typeof v === 'string' && v.length > 0);
    if (!jwt) {
      fail({ status: res.status, code: 'unexpected_response', message: 'Arrotech Hub answered the login without an access token.', next_step: 'This is a platform fault; retry later or use ARROTECH_API_KEY instead.' });
    }
    log.addSecrets([jwt]);
    const now = this.now();
    const expiresAt = expiryOf(jwt) ?? (typeof body.expires_in === 'number' ? now + body.expires_in * 1000 : now + 30 * 60_000);
    // Renew a minute early, or at 80 % of a short lifetime, so a request never races the expiry.
    const renewAt = expiresAt - Math.min(60_000, Math.max(0, expiresAt - now) * 0.2);
    return { jwt, expiresAt, renewAt };
  }
}

export const credentialStep = (mode: ArrotechAuth['mode']): string =>
  mode === 'api_key'
    ? 'Arrotech Hub did not accept ARROTECH_API_KEY. Check it in the server settings (a fresh key comes from the developer dashboard); the model cannot fix this itself.'
    : mode === 'login'
      ? 'Arrotech Hub did not accept the token from the managed login, even fresh. Check ARROTECH_EMAIL and ARROTECH_PASSWORD in the server settings; the model cannot fix this itself.'
      : NEEDS_CREDENTIALS;
