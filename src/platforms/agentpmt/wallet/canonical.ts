import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

// RFC 8785 (JCS) canonical JSON, the form the server hashes to verify `payload:`.
// The `canonicalize` package silently emits invalid text for some inputs (a function
// valued property becomes `"k":undefined`) and throws terse errors for others, so every
// value is checked first and rejected with the JSON path where it went wrong.
export function canonicalJson(value: unknown): string {
  if (value === undefined) {
    throw new Error('canonicalJson: cannot encode undefined at the top level');
  }
  assertEncodable(value, '$', new Set<object>());
  const text = canonicalize(value);
  if (text === undefined) {
    throw new Error('canonicalJson: value has no JSON representation');
  }
  return text;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

// `null` stands for the endpoints whose message carries an empty `payload:` line,
// which is different from hashing `{}`.
export function payloadHash(obj: Record<string, unknown> | null): string {
  return obj === null ? '' : sha256Hex(canonicalJson(obj));
}

function assertEncodable(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
      if (hasLoneSurrogate(value)) {
        throw new Error(`canonicalJson: string with a lone UTF-16 surrogate at ${path}`);
      }
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new Error(`canonicalJson: non-finite number (NaN or Infinity) at ${path}`);
      }
      return;
    case 'boolean':
      return;
    case 'bigint':
      throw new Error(`canonicalJson: BigInt is not JSON at ${path}; pass a number or a decimal string`);
    case 'function':
    case 'symbol':
      throw new Error(`canonicalJson: ${typeof value} is not JSON at ${path}`);
    case 'undefined':
      // Reached only inside arrays and objects, where JSON serialization already
      // drops it (object member) or writes null (array slot), and canonicalize agrees.
      return;
    case 'object':
      break;
  }
  if (value === null) return;
  const obj = value as object;
  if (ancestors.has(obj)) {
    throw new Error(`canonicalJson: circular reference at ${path}`);
  }
  ancestors.add(obj);
  try {
    const withToJson = obj as { toJSON?: unknown };
    if (typeof withToJson.toJSON === 'function') {
      const replaced: unknown = (withToJson.toJSON as () => unknown).call(obj);
      if (replaced === undefined) {
        throw new Error(`canonicalJson: toJSON() returned undefined at ${path}`);
      }
      assertEncodable(replaced, path, ancestors);
    } else if (Array.isArray(obj)) {
      obj.forEach((item: unknown, i) => assertEncodable(item, `${path}[${i}]`, ancestors));
    } else {
      for (const [key, item] of Object.entries(obj)) {
        if (hasLoneSurrogate(key)) {
          throw new Error(`canonicalJson: key with a lone UTF-16 surrogate at ${path}`);
        }
        assertEncodable(item, `${path}.${key}`, ancestors);
      }
    }
  } finally {
    ancestors.delete(obj);
  }
}

function hasLoneSurrogate(text: string): boolean {
  return /(?:[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF])/.test(text);
}
