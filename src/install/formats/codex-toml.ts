import { parse as parseToml, TomlError } from 'smol-toml';
import { InstallError, InvalidConfigError } from '../errors.js';
import { routerEntries } from '../router.js';
import { ENTRY_NAME, isRecord, plain, specOf, type HostFormat, type RouterEntry, type ServerSpec } from '../types.js';

const CONTAINER = 'mcp_servers';

/** A table header's key path, or undefined for a line that is not one (`[[…]]` headers included, as path "[["). */
function headerPath(line: string): string[] | undefined {
  const t = line.trim();
  if (t.startsWith('[[')) return ['[['];
  if (!t.startsWith('[')) return undefined;
  const keys: string[] = [];
  let i = 1;
  for (;;) {
    while (t[i] === ' ' || t[i] === '\t') i++;
    let key: string;
    if (t[i] === '"' || t[i] === "'") {
      const q = t[i] as string;
      let j = i + 1;
      let raw = '';
      while (j < t.length && t[j] !== q) {
        if (q === '"' && t[j] === '\\') {
          raw += t.slice(j, j + 2);
          j += 2;
        } else raw += t[j++];
      }
      if (t[j] !== q) return undefined;
      try {
        key = q === '"' ? (JSON.parse(`"${raw}"`) as string) : raw;
      } catch {
        return undefined;
      }
      i = j + 1;
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(t.slice(i));
      if (!m) return undefined;
      key = m[0];
      i += key.length;
    }
    keys.push(key);
    while (t[i] === ' ' || t[i] === '\t') i++;
    if (t[i] === '.') {
      i++;
      continue;
    }
    if (t[i] === ']') return keys;
    return undefined;
  }
}

interface Section {
  path: string[];
  start: number;
  /** Exclusive; blank and comment lines before the next header are not part of the section. */
  end: number;
}

/** Table sections by line; lines inside multi-line strings are never headers. */
function sections(lines: string[]): Section[] {
  const out: Section[] = [];
  let open: '"""' | "'''" | undefined;
  let current: Section | undefined;
  let lastContent = -1;
  lines.forEach((line, n) => {
    if (!open) {
      const p = headerPath(line);
      if (p) {
        if (current) out.push({ ...current, end: lastContent + 1 });
        current = { path: p, start: n, end: n + 1 };
        lastContent = n;
        return;
      }
    }
    const t = line.trim();
    if (open || (t !== '' && !t.startsWith('#'))) lastContent = n;
    for (const delim of ['"""', "'''"] as const) {
      const count = line.split(delim).length - 1;
      if (count % 2 === 1 && (!open || open === delim)) open = open ? undefined : delim;
    }
  });
  if (current) out.push({ ...current, end: lastContent + 1 });
  return out;
}

const isEntrySection = (s: Section, name: string): boolean => s.path[0] === CONTAINER && s.path[1] === name;

const tomlString = (s: string): string => JSON.stringify(s); // a JSON string is a valid TOML basic string
const tomlKey = (k: string): string => (/^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k));

export function codexBlock(spec: ServerSpec): string[] {
  const lines = [`[${CONTAINER}.${ENTRY_NAME}]`, `command = ${tomlString(spec.command)}`, `args = [${spec.args.map(tomlString).join(', ')}]`];
  const env = Object.entries(spec.env);
  if (env.length) lines.push(`[${CONTAINER}.${ENTRY_NAME}.env]`, ...env.map(([k, v]) => `${tomlKey(k)} = ${tomlString(v)}`));
  return lines;
}

function parseDoc(file: string, text: string): Record<string, unknown> {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) throw new InvalidConfigError(file, { line: err.line, column: err.column }, err.message.split('\n')[0] ?? 'invalid TOML');
    throw err;
  }
  const servers = doc[CONTAINER];
  if (servers !== undefined && !isRecord(servers)) throw new InvalidConfigError(file, undefined, `"${CONTAINER}" must be a table`);
  if (isRecord(servers) && servers[ENTRY_NAME] !== undefined && !isRecord(servers[ENTRY_NAME])) throw new InvalidConfigError(file, undefined, `"${CONTAINER}.${ENTRY_NAME}" must be a table`);
  return doc;
}

function splitLines(text: string): { lines: string[]; eol: string } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return { lines: text.split(eol), eol };
}

/** Removes every section of entry `name`; returns the lines and where the first one was. */
function cut(file: string, text: string, name: string): { lines: string[]; at: number | undefined; eol: string } {
  const { lines, eol } = splitLines(text);
  const found = sections(lines).filter((s) => isEntrySection(s, name));
  const servers = parseDoc(file, text)[CONTAINER];
  if (!found.length && isRecord(servers) && servers[name] !== undefined) {
    throw new InstallError(`${file}: the "${CONTAINER}.${name}" entry is written inline (not as a [${CONTAINER}.${name}] table), which this installer does not rewrite. Edit it by hand, or remove it and run the command again.`);
  }
  // An entry's tables (the server, then its env) separated only by blank lines go as one block.
  const spans: { start: number; end: number }[] = [];
  for (const s of found) {
    const prev = spans.at(-1);
    if (prev && lines.slice(prev.end, s.start).every((l) => l.trim() === '')) prev.end = s.end;
    else spans.push({ start: s.start, end: s.end });
  }
  for (const s of [...spans].reverse()) lines.splice(s.start, s.end - s.start);
  return { lines, at: found[0]?.start, eol };
}

/** Codex: `~/.codex/config.toml`, `[mcp_servers.agentpmt]` with an `[mcp_servers.agentpmt.env]` table. */
export function codexFormat(): HostFormat {
  return {
    secretStore: false,
    inspect(file, text) {
      const servers = parseDoc(file, text)[CONTAINER];
      return { ours: specOf(isRecord(servers) ? servers[ENTRY_NAME] : undefined), routers: routerEntries(CONTAINER, servers) };
    },
    install(file, text, spec, drop) {
      let current = text ?? '';
      let at: number | undefined;
      let eol = '\n';
      // Ours goes where the migrated router entry was, or where ours already is.
      for (const name of [...drop.filter((r) => r.name !== ENTRY_NAME).map((r) => r.name), ENTRY_NAME]) {
        const res = cut(file, current, name);
        if (res.at !== undefined) at = Math.min(at ?? Infinity, res.at);
        current = res.lines.join(res.eol);
        eol = res.eol;
      }
      const lines = current === '' ? [] : current.split(eol);
      const block = codexBlock(spec);
      if (at !== undefined) {
        lines.splice(at, 0, ...block);
        return lines.join(eol);
      }
      // Appended after a blank line, and the file ends with a newline.
      if (lines.length && lines.at(-1) === '') lines.pop();
      if (lines.length && lines.at(-1)?.trim() !== '') lines.push('');
      return [...lines, ...block, ''].join(eol);
    },
    uninstall(file, text) {
      const { lines, at, eol } = cut(file, text, ENTRY_NAME);
      // What install appended (a blank separator line, the block, a final newline) goes entirely.
      if (at !== undefined && at === lines.length - 1 && lines[at] === '' && at > 0 && lines[at - 1] === '') lines.splice(at - 1, 1);
      return lines.join(eol);
    },
    rest(file, text, drop) {
      const doc = plain(parseDoc(file, text)) as Record<string, unknown>;
      const servers = doc[CONTAINER];
      if (isRecord(servers)) {
        for (const name of [ENTRY_NAME, ...drop.map((r) => r.name)]) delete servers[name];
        if (Object.keys(servers).length === 0) delete doc[CONTAINER];
      }
      return doc;
    },
    expected(spec) {
      return plain({ command: spec.command, args: spec.args, ...(Object.keys(spec.env).length ? { env: spec.env } : {}) });
    },
    actual(file, text) {
      const servers = parseDoc(file, text)[CONTAINER];
      return plain(isRecord(servers) ? servers[ENTRY_NAME] : undefined);
    },
  };
}
