import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

const SECRET = 'arrotech-sandbox-hs256-secret-not-for-production';

/** HS256 JWTs as the backend issues them (sub = the user's email), signed and verified here, never by the client's code. */
export class JwtIssuer {
  constructor(private readonly ttlSeconds: () => number) {}

  sign(email: string, now: number): string {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    // exp may carry fractions (RFC 7519 NumericDate): a shortened lifetime in tests is then exact.
    const payload = Buffer.from(JSON.stringify({ sub: email, iat: Math.floor(now / 1000), exp: (now + this.ttlSeconds() * 1000) / 1000, jti: randomUUID() })).toString('base64url');
    const sig = createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${sig}`;
  }

  verify(token: string, now: number): { sub: string } | 'expired' | 'invalid' {
    const [h, p, s] = token.split('.');
    if (!h || !p || !s) return 'invalid';
    const header = this.json(h);
    if (!header || header.alg !== 'HS256') return 'invalid'; // no alg:none, no algorithm switching
    const expected = createHmac('sha256', SECRET).update(`${h}.${p}`).digest();
    const given = Buffer.from(s, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    const claims = this.json(p);
    if (!claims) return 'invalid';
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return 'expired';
    return typeof claims.sub === 'string' ? { sub: claims.sub } : 'invalid';
  }

  private json(part: string): Record<string, unknown> | undefined {
    try {
      const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
}
