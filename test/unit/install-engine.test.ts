import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactDiff, unifiedDiff } from '../../src/install/diff.js';
import { installEntry } from '../../src/install/engine.js';
import { InstallError } from '../../src/install/errors.js';
import { HOSTS } from '../../src/install/hosts.js';
import { parseJsonDoc, removeProperty, setProperty } from '../../src/install/json-text.js';
import { isRouterEntry, routerSettings } from '../../src/install/router.js';
import { captured, knownSecrets } from '../helpers.js';

const SECRET = 'apmt_engineTestToken_77aa88bb99cc';
knownSecrets.add(SECRET);

const doc = (text: string, jsonc = false) => parseJsonDoc('f.json', text, { jsonc });

describe('json-text: edits touch only the property they set', () => {
  it('inserts into an empty object, a missing container, and a compact object; removal is the exact inverse', () => {
    const cases = ['{}', '{\n}\n', '{\n  "a": 1\n}\n', '{\n    "mcpServers": {}\n}\n', '{"a":{"b":1}}', '{\r\n\t"mcpServers": {\r\n\t\t"x": {}\r\n\t}\r\n}'];
    for (const text of cases) {
      const after = setProperty(doc(text), ['mcpServers'], 'agentpmt', { command: 'npx', args: ['-y'] });
      const parsed = JSON.parse(after) as { mcpServers: Record<string, unknown> };
      expect(parsed.mcpServers.agentpmt).toEqual({ command: 'npx', args: ['-y'] });
      if (text.includes('mcpServers') && text.includes('"x"')) {
        // The file's own style: CRLF and tabs in what we add, too.
        expect(after).toContain('\r\n\t\t"agentpmt": {\r\n\t\t\t"command": "npx",');
        expect(removeProperty(doc(after), ['mcpServers'], 'agentpmt')).toBe(text);
      }
    }
  });

  it('keeps a JSONC trailing comma and comments; removes a first property with its comma', () => {
    const text = '{\n  // c\n  "servers": {\n    "a": 1, // one\n  },\n}\n';
    const after = setProperty(doc(text, true), ['servers'], 'agentpmt', { x: 1 });
    expect(after).toContain('"a": 1, // one');
    expect(removeProperty(doc(after, true), ['servers'], 'agentpmt')).toBe(text);
    const first = '{\n  "agentpmt": 1,\n  "b": 2\n}';
    expect(removeProperty(doc(first), [], 'agentpmt')).toBe('{\n  "b": 2\n}');
  });

  it('replacing an existing entry rewrites its value only', () => {
    const text = '{\n  "mcpServers": {\n    "agentpmt": {"command": "old"},\n    "z": 1\n  }\n}\n';
    const after = setProperty(doc(text), ['mcpServers'], 'agentpmt', { command: 'new' });
    expect(after).toBe('{\n  "mcpServers": {\n    "agentpmt": {\n      "command": "new"\n    },\n    "z": 1\n  }\n}\n');
  });

  it('refuses strict-JSON hosts\' files with comments, and says where', () => {
    expect(() => doc('{\n  // no\n  "a": 1\n}')).toThrow(/f\.json:2:3: comments are not allowed/);
    expect(() => doc('[1]')).toThrow(/must be a JSON object/);
    expect(() => doc('{"mcpServers": []}')).not.toThrow(); // shape is checked by the format
    expect(() => HOSTS.cursor.format.inspect('c.json', '{"mcpServers": []}')).toThrow(/"mcpServers" must be an object/);
  });
});

describe('codex TOML', () => {
  const format = HOSTS.codex.format;
  const spec = { command: 'npx', args: ['-y', 'agentpmt-mcp'], env: { AGENTPMT_BEARER_TOKEN: SECRET } };

  it('replaces our tables where they are, leaves the next table and its comments alone', () => {
    const text = 'a = 1\n\n[mcp_servers.agentpmt]\ncommand = "old"\n\n[mcp_servers.agentpmt.env]\nX = "1"\n\n# about b\n[b]\nc = 2\n';
    const after = format.install('c.toml', text, spec, []);
    expect(after).toBe(`a = 1\n\n[mcp_servers.agentpmt]\ncommand = "npx"\nargs = ["-y", "agentpmt-mcp"]\n[mcp_servers.agentpmt.env]\nAGENTPMT_BEARER_TOKEN = "${SECRET}"\n\n# about b\n[b]\nc = 2\n`);
  });

  it('a header inside a multi-line string is not a table', () => {
    const text = 'notes = """\n[mcp_servers.agentpmt]\n"""\n';
    const after = format.install('c.toml', text, spec, []);
    expect(after.startsWith(text)).toBe(true);
  });

  it('an inline entry of ours is refused (not rewritten blindly)', () => {
    const text = '[mcp_servers]\nagentpmt = { command = "x" }\n';
    expect(() => format.install('c.toml', text, spec, [])).toThrow(InstallError);
    expect(() => format.install('c.toml', text, spec, [])).toThrow(/inline/);
  });
});

describe('engine safety', () => {
  const ctx = (home: string) => ({ env: { HOME: home }, platform: 'linux' as const, fallbackHome: home });
  const base = (home: string, print: (l: string) => void) => ({
    host: 'cursor' as const,
    ctx: ctx(home),
    dryRun: false,
    fromRouter: false,
    settings: { AGENTPMT_BEARER_TOKEN: SECRET },
    launch: { command: 'npx', args: ['-y', 'agentpmt-mcp'] },
    print,
  });

  it('edits the target of a symlinked config in place (the link stays a link)', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'install-eng-'));
    const real = path.join(home, 'dotfiles', 'mcp.json');
    mkdirSync(path.dirname(real), { recursive: true });
    writeFileSync(real, '{\n  "mcpServers": {}\n}\n');
    mkdirSync(path.join(home, '.cursor'));
    symlinkSync(real, path.join(home, '.cursor', 'mcp.json'));
    const out: string[] = [];
    await installEntry({ ...base(home, (l) => out.push(l)) });
    captured.push(...out);
    expect(lstatSync(path.join(home, '.cursor', 'mcp.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toContain('"agentpmt"');
    expect(readdirSync(path.dirname(real)).some((n) => n.startsWith('mcp.json.agentpmt-install-'))).toBe(true);
  });

  it('keeps a UTF-8 byte order mark', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'install-eng-'));
    mkdirSync(path.join(home, '.cursor'));
    const file = path.join(home, '.cursor', 'mcp.json');
    writeFileSync(file, '\uFEFF{"mcpServers":{}}');
    await installEntry({ ...base(home, (l) => captured.push(l)) });
    expect(readFileSync(file, 'utf8').startsWith('\uFEFF{')).toBe(true);
  });

  it('documented locations per platform', () => {
    const win = { env: { USERPROFILE: 'C:\\Users\\me', APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, platform: 'win32' as const, fallbackHome: '/x' };
    const mac = { env: { HOME: '/Users/me' }, platform: 'darwin' as const, fallbackHome: '/x' };
    const linux = { env: { HOME: '/home/me', XDG_CONFIG_HOME: '/home/me/.cfg', CODEX_HOME: '/home/me/.cx' }, platform: 'linux' as const, fallbackHome: '/x' };
    expect(HOSTS['claude-desktop'].file(mac)).toBe('/Users/me/Library/Application Support/Claude/claude_desktop_config.json');
    expect(HOSTS['claude-desktop'].file(win)).toContain('Roaming');
    expect(HOSTS.vscode.file(linux)).toBe('/home/me/.cfg/Code/User/mcp.json');
    expect(HOSTS.vscode.file(mac)).toBe('/Users/me/Library/Application Support/Code/User/mcp.json');
    expect(HOSTS['claude-code'].file(mac)).toBe('/Users/me/.claude.json');
    expect(HOSTS.cursor.file(mac)).toBe('/Users/me/.cursor/mcp.json');
    expect(HOSTS.windsurf.file(mac)).toBe('/Users/me/.codeium/windsurf/mcp_config.json');
    expect(HOSTS.gemini.file(mac)).toBe('/Users/me/.gemini/settings.json');
    expect(HOSTS.codex.file(mac)).toBe('/Users/me/.codex/config.toml');
    expect(HOSTS.codex.file(linux)).toBe('/home/me/.cx/config.toml');
  });
});

describe('router entries and diffs', () => {
  it('recognises the router however it is launched, and maps every credential spelling it reads', () => {
    expect(isRouterEntry({ command: 'npx', args: ['--package=@agentpmt/mcp-router@latest', 'agentpmt-router'] })).toBe(true);
    expect(isRouterEntry({ command: '/usr/local/bin/agentpmt-router' })).toBe(true);
    expect(isRouterEntry({ command: 'npx', args: ['-y', 'agentpmt-mcp'] })).toBe(false);
    expect(routerSettings({ container: 'mcpServers', name: 'a', env: { 'AGENTPMT-BEARER-TOKEN': `Bearer ${SECRET}`, AGENTPMT_MCP_ENDPOINT: 'https://example.test/mcp' } })).toEqual({
      AGENTPMT_BEARER_TOKEN: SECRET,
      AGENTPMT_HOSTED_MCP_URL: 'https://example.test/mcp',
    });
    expect(routerSettings({ container: 'mcpServers', name: 'a', env: { X_API_KEY: 'k1234', X_BUDGET_KEY: 'b1234' } })).toEqual({ AGENTPMT_API_KEY: 'k1234', AGENTPMT_BUDGET_KEY: 'b1234' });
  });

  it('a diff masks our secret and any secret-looking value, JSON or TOML', () => {
    const before = '{\n  "a": {"env": {"GITHUB_TOKEN": "ghp_x1"}}\n}\n';
    const after = `{\n  "a": {"env": {"GITHUB_TOKEN": "ghp_x1"}},\n  "agentpmt": {"env": {"X": "${SECRET}"}}\n}\n`;
    const d = redactDiff(unifiedDiff(before, after, { from: 'f', to: 'f' }), [SECRET]);
    expect(d).not.toContain(SECRET);
    expect(d).not.toContain('ghp_x1');
    expect(d).toContain('"GITHUB_TOKEN": "[redacted]"');
    expect(redactDiff('+API_KEY = "v1"\n+plain = "ok"', [])).toBe('+API_KEY = "[redacted]"\n+plain = "ok"');
  });
});
