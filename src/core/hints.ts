/**
 * Small readers for declared summaries and next hints (see `next`/`summary` on a
 * declaration). Platform answers are JSON whose shape the docs only sketch, so every
 * reader tolerates a missing or odd field: a hint is lost, never the answer.
 */

export type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The payload: `data` when the answer wraps one (`{success, data}`), else the answer itself. */
export function payloadOf(body: Json): Json {
  return isRecord(body.data) ? body.data : body;
}

/** The items of a listing: the first of `keys` holding an array (in the payload or at the top), or a bare array under `data`. */
export function itemsOf(body: Json, ...keys: string[]): Json[] {
  const payload = payloadOf(body);
  for (const k of keys) {
    const v = payload[k] ?? body[k];
    if (Array.isArray(v)) return v.filter(isRecord);
  }
  return Array.isArray(body.data) ? body.data.filter(isRecord) : [];
}

/** A field as an argument value: a non-empty string, or a number (ids are either). */
export function idOf(item: Json | undefined, ...keys: string[]): string | number | undefined {
  for (const k of keys) {
    const v = item?.[k];
    if ((typeof v === 'string' && v !== '') || typeof v === 'number') return v;
  }
  return undefined;
}

/** A field as short text, for a summary. */
export function textOf(item: Json | undefined, ...keys: string[]): string | undefined {
  const v = idOf(item, ...keys);
  return v === undefined ? undefined : String(v).replace(/\s+/g, ' ').slice(0, 80);
}

/**
 * One line about a listing: "4 workflows: Daily digest (wf_1), Lead sync, Inbox and 1 more". The first
 * `shown` items are named by `label`; `total` (when the platform says it) follows the count.
 */
export function listLine(items: readonly Json[], noun: string, label: (item: Json) => string | undefined, opts: { total?: unknown; shown?: number } = {}): string {
  const shown = opts.shown ?? 3;
  const total = typeof opts.total === 'number' && opts.total > items.length ? ` of ${opts.total}` : '';
  if (items.length === 0) return `No ${noun}${total ? ` on this page${total}` : ''}.`;
  const names = items.slice(0, shown).map(label).filter((n): n is string => !!n);
  const more = items.length > names.length ? ` and ${items.length - names.length} more` : '';
  return `${items.length}${total} ${noun}${names.length ? `: ${names.join(', ')}${more}` : ''}.`;
}

/** "Name (id)" for a summary, or whichever of the two exists. */
export function named(item: Json, nameKeys: readonly string[], idKeys: readonly string[], extra?: string): string | undefined {
  const name = textOf(item, ...nameKeys);
  const id = textOf(item, ...idKeys);
  const inner = [id, extra].filter(Boolean).join(', ');
  return name ? `${name}${inner ? ` (${inner})` : ''}` : inner || undefined;
}
