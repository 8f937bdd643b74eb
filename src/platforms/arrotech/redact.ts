/** Keys whose values are credentials or previews of them (whatsapp_token_preview, api_key, …); `_set` flags stay. */
const SECRET_KEY = /(token|secret|password|passwd|api[_-]?key|access[_-]?key|private[_-]?key|credential|authorization|bearer|preview)/i;
/** Blocks of environment variables: any of them may hold a credential, so only the names are kept. */
const ENV_BLOCK = /(env_vars|environment_variables|^env$)/i;
export const REDACTED = '[redacted by agentpmt-mcp]';

/**
 * The vendor diagnostics echo credential previews ("EAAG…x9f") and environment variables:
 * a preview is still part of a secret, so none of it reaches the model.
 */
export function redactCredentials(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactCredentials(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (ENV_BLOCK.test(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.keys(v).map((name) => [name, REDACTED]));
    } else if (SECRET_KEY.test(k) && (typeof v === 'string' || typeof v === 'number') && String(v) !== '' && !/_set$|^has_/i.test(k)) {
      out[k] = REDACTED;
    } else {
      out[k] = redactCredentials(v, depth + 1);
    }
  }
  return out;
}
