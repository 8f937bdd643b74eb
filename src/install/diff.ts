/**
 * A unified diff of two texts by lines, for --dry-run. Installer edits are local, so the
 * common head and tail are trimmed first and the quadratic LCS only sees the changed middle.
 */
export function unifiedDiff(before: string, after: string, labels: { from: string; to: string }, context = 3): string {
  if (before === after) return '';
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const ops = lcsOps(am, bm);
  const lines: { tag: ' ' | '-' | '+'; text: string }[] = [];
  for (let i = Math.max(0, head - context); i < head; i++) lines.push({ tag: ' ', text: a[i] ?? '' });
  lines.push(...ops);
  for (let i = a.length - tail; i < Math.min(a.length, a.length - tail + context); i++) lines.push({ tag: ' ', text: a[i] ?? '' });
  const fromStart = Math.max(0, head - context);
  const fromCount = lines.filter((l) => l.tag !== '+').length;
  const toCount = lines.filter((l) => l.tag !== '-').length;
  return [`--- ${labels.from}`, `+++ ${labels.to}`, `@@ -${fromStart + 1},${fromCount} +${fromStart + 1},${toCount} @@`, ...lines.map((l) => `${l.tag}${l.text.replace(/\r$/, '')}`)].join('\n') + '\n';
}

function lcsOps(a: string[], b: string[]): { tag: ' ' | '-' | '+'; text: string }[] {
  const n = a.length;
  const m = b.length;
  const table: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = table[i] as number[];
      row[j] = a[i] === b[j] ? (table[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(table[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const out: { tag: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ tag: ' ', text: a[i++] as string });
      j++;
    } else if (j < m && (i === n || (table[i]?.[j + 1] ?? 0) >= (table[i + 1]?.[j] ?? 0))) out.push({ tag: '+', text: b[j++] as string });
    else out.push({ tag: '-', text: a[i++] as string });
  }
  return out;
}

const SECRET_NAME = /(token|secret|password|passphrase|private[_-]?key|api[_-]?key|budget[_-]?key|authorization|bearer|credential)/i;

/**
 * Masks what a diff line may reveal: the values we write (known secrets), and any value whose
 * key looks secret — other servers' tokens sit in the same file and a diff's context can show them.
 */
export function redactLine(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  // JSON `"KEY": "value"` and TOML `KEY = "value"`; the key name decides.
  out = out.replace(/("([^"\\]|\\.)*"\s*:\s*)"(?:[^"\\]|\\.)*"/g, (whole: string, head: string) => (SECRET_NAME.test(head) ? `${head}"[redacted]"` : whole));
  out = out.replace(/^([+\- ]?\s*([A-Za-z0-9_.-]+|"(?:[^"\\]|\\.)*")\s*=\s*)("(?:[^"\\]|\\.)*"|'[^']*')/, (whole: string, head: string) => (SECRET_NAME.test(head) ? `${head}"[redacted]"` : whole));
  return out;
}

export function redactDiff(diff: string, secrets: readonly string[]): string {
  return diff
    .split('\n')
    .map((l) => redactLine(l, secrets))
    .join('\n');
}
