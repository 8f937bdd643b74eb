import { z } from 'zod';

/** An Arrotech id: an integer in the Public API 1.0.0 reference, a UUID on newer deployments; either is accepted. */
export const idArg = (what: string) => z.union([z.number().int().nonnegative(), z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id as returned by the platform (letters, digits, - or _)')]).describe(what);

/** A body id goes out as a number when it is one, as the reference's integer ids expect. */
export const bodyId = (v: unknown): unknown => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v);

export const jsonObject = (what: string) => z.record(z.string(), z.unknown()).describe(what);

export const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;
export const WRITE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;
export const UPDATE = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;
export const DESTROY = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true } as const;
