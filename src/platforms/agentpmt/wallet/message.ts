import { payloadHash } from './canonical.js';
import type { SigningScope } from './scope.js';

export const SIGNED_MESSAGE_HEADER = 'agentpmt-external';

export interface SignedMessageInput {
  wallet: string;
  sessionNonce: string;
  requestId: string;
  scope: SigningScope;
  /** How the payload hash is written: lowercase hex (contracts §2, default) or uppercase hex, when the platform showed it wants that. */
  hashEncoding?: 'hex' | 'HEX';
}

// Exact text of contracts §2: lines joined by '\n' and no trailing newline, because the
// server rebuilds the same string byte for byte and one stray byte fails verification.
export function buildSignedMessage({ wallet, sessionNonce, requestId, scope, hashEncoding = 'hex' }: SignedMessageInput): string {
  if (typeof wallet !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(wallet)) {
    throw new Error('wallet must be a 0x-prefixed 40-hex-digit address');
  }
  assertSingleLineField(sessionNonce, 'session nonce');
  assertSingleLineField(requestId, 'request id');
  return [
    SIGNED_MESSAGE_HEADER,
    `wallet:${wallet.toLowerCase()}`,
    `session:${sessionNonce}`,
    `request:${requestId}`,
    ...scopeLines(scope),
    `payload:${hashEncoding === 'HEX' ? payloadLineValue(scope).toUpperCase() : payloadLineValue(scope)}`,
  ].join('\n');
}

function scopeLines(scope: SigningScope): [string, string] {
  switch (scope.shape) {
    case 'scoped':
      assertSingleLineField(scope.action, 'scope action');
      assertSingleLineField(scope.product, "scope product (id or '-')");
      return [`action:${scope.action}`, `product:${scope.product}`];
    case 'path':
      if (scope.method !== 'POST') {
        throw new Error('path scope method must be POST');
      }
      assertSignedPath(scope.path);
      return [`method:${scope.method}`, `path:${scope.path}`];
    default: {
      const unknownShape: never = scope;
      throw new Error(`unknown signing scope shape: ${String((unknownShape as { shape?: unknown }).shape)}`);
    }
  }
}

function payloadLineValue(scope: SigningScope): string {
  const { payload } = scope;
  if (payload === null && scope.shape === 'scoped') return '';
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new Error(
      scope.shape === 'path'
        ? 'path scope payload must be an object (the invoke parameters)'
        : 'scoped payload must be an object or null',
    );
  }
  return payloadHash(payload);
}

// A line break inside any field would let a caller-controlled value forge further lines
// (e.g. a second `payload:`). Besides C0/DEL, reject C1, U+2028 and U+2029, which
// line-splitting routines such as Python's str.splitlines() also treat as breaks.
function assertSingleLineField(value: unknown, label: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`${label} must be a non-empty string`);
  }
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) {
    throw new Error(`${label} must not contain newlines or control characters`);
  }
}

// Contracts §2: origin-relative, no query, no trailing slash.
function assertSignedPath(path: unknown): void {
  assertSingleLineField(path, 'scope path');
  const text = path as string;
  if (!text.startsWith('/')) {
    throw new Error("scope path must start with '/' (no scheme or host)");
  }
  if (/[?#\s]/.test(text)) {
    throw new Error('scope path must not contain a query, fragment or whitespace');
  }
  if (text.length > 1 && text.endsWith('/')) {
    throw new Error('scope path must not end with a slash');
  }
}
