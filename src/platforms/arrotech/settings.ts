import { z } from 'zod';
import { httpUrl, intInRange, optionalSecret, type SettingSpec } from '../../core/settings.js';

/** Arrotech Hub's settings (prefix ARROTECH_): the origin and one of two credentials. */
export const ARROTECH_SETTINGS = {
  arrotechApiUrl: { env: 'ARROTECH_API_URL', flag: 'arrotech-api-url', doc: 'Arrotech Hub API origin (default https://prod.api.arrotechsolutions.com)' },
  arrotechApiKey: { env: 'ARROTECH_API_KEY', flag: 'arrotech-api-key', doc: 'Arrotech Hub API key from the developer dashboard, sent as the bearer token (serves Arrotech Hub)', secret: true },
  arrotechEmail: { env: 'ARROTECH_EMAIL', flag: 'arrotech-email', doc: 'Arrotech Hub account email, with ARROTECH_PASSWORD: a managed login instead of an API key' },
  arrotechPassword: { env: 'ARROTECH_PASSWORD', flag: 'arrotech-password', doc: 'Arrotech Hub account password (with ARROTECH_EMAIL); used only to log in, never shown', secret: true },
  arrotechWaitSeconds: { env: 'ARROTECH_WAIT_SECONDS', flag: 'arrotech-wait-seconds', doc: 'how long arrotech_workflows_run and streamed calls wait before handing back (default 45, max 55: hosts cancel calls after ~60 s)' },
} as const satisfies Record<string, SettingSpec>;

export const arrotechShape = {
  arrotechApiUrl: httpUrl('ARROTECH_API_URL').default('https://prod.api.arrotechsolutions.com'),
  arrotechApiKey: optionalSecret,
  arrotechEmail: optionalSecret,
  // A password may legitimately start or end with spaces: only an empty one counts as unset.
  arrotechPassword: z.string().optional().transform((v) => (v === '' ? undefined : v)),
  arrotechWaitSeconds: intInRange(1, 55).default(45),
};

export type ArrotechSettings = z.output<z.ZodObject<typeof arrotechShape>>;

export function checkArrotech(c: ArrotechSettings, ctx: z.RefinementCtx): void {
  if ((c.arrotechEmail === undefined) !== (c.arrotechPassword === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [c.arrotechEmail === undefined ? 'arrotechEmail' : 'arrotechPassword'],
      message: 'ARROTECH_EMAIL and ARROTECH_PASSWORD go together: set both, or use ARROTECH_API_KEY instead',
    });
  }
}

/** Which credential the platform uses: the API key when set (it needs no login round trip), else the managed login. */
export function authMode(c: ArrotechSettings): 'api_key' | 'login' | 'none' {
  if (c.arrotechApiKey) return 'api_key';
  if (c.arrotechEmail && c.arrotechPassword) return 'login';
  return 'none';
}
