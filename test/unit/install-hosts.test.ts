import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInstallCommand } from '../../src/install/cli.js';
import { HOST_IDS, HOSTS, type HostId } from '../../src/install/hosts.js';
import { captured, knownSecrets } from '../helpers.js';

const FIXTURES = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/install');
const TOKEN = 'apmt_installTestToken_9f8e7d6c5b4a';
const ROUTER_TOKEN = 'apmt_routerFixtureToken_1a2b3c4d5e';
knownSecrets.add(TOKEN);
knownSecrets.add(ROUTER_TOKEN);
const OTHER_SECRETS = ['ghp_fixtureOtherServerSecret0001', 'sntrys_fixtureOtherServerSecret0002', 'BSA_fixtureOtherServerSecret0003', 'ctx7_fixtureOtherServerSecret0004'];
for (const s of OTHER_SECRETS) knownSecrets.add(s);

const FIXTURE_FILE: Record<HostId, string> = {
  'claude-desktop': 'claude-desktop.json',
  'claude-code': 'claude-code.json',
  cursor: 'cursor.json',
  vscode: 'vscode.json',
  windsurf: 'windsurf.json',
  gemini: 'gemini.json',
  codex: 'codex.toml',
};

/** The other servers each fixture holds, with a line of each that must survive untouched. */
const OTHERS: Record<HostId, string[]> = {
  'claude-desktop': ['"filesystem": {', '"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_fixtureOtherServerSecret0001"', '"preferences": { "menuBarEnabled": false }'],
  'claude-code': ['"Authorization": "Bearer sntrys_fixtureOtherServerSecret0002"', '"hasTrustDialogAccepted": true', '"numStartups": 42'],
  cursor: ['        "postgres": {', '                "postgresql://localhost/mydb"'],
  vscode: ['\t// My MCP servers', '\t\t\t"args": ["@playwright/mcp@latest"],\n\t\t},', '"id": "perplexity-key"'],
  windsurf: ['"BRAVE_API_KEY": "BSA_fixtureOtherServerSecret0003"\r\n'],
  gemini: ['  // servers', '"timeout": 5000', '"selectedAuthType": "gemini-api-key"'],
  codex: ['# Codex configuration', 'CONTEXT7_API_KEY = "ctx7_fixtureOtherServerSecret0004"  # a comment', '[profiles.fast]\nmodel = "gpt-5-mini"'],
};

interface Run {
  code: number;
  out: string;
  err: string;
}

function sandboxHome(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'install-home-'));
}

/** The host's documented file under a scratch HOME (Linux layout), seeded with `content` when given. */
function hostFile(host: HostId, home: string, content?: string): string {
  const file = HOSTS[host].file({ env: { HOME: home }, platform: 'linux', fallbackHome: home });
  if (content !== undefined) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content, { mode: 0o644 });
  }
  return file;
}

let tick = 0;
async function run(command: 'install' | 'uninstall', args: string[], home: string, env: Record<string, string> = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  // Distinct, increasing timestamps: two runs in one millisecond must still get ordered backups.
  const now = new Date(Date.UTC(2026, 10, 27, 12, 0, 0) + ++tick * 1000);
  const code = await runInstallCommand(command, args, { env: { HOME: home, ...env }, out: (l) => out.push(l), err: (l) => err.push(l), platform: 'linux', now, script: '/opt/agentpmt-mcp/dist/cli.js' });
  const r = { code, out: out.join('\n'), err: err.join('\n') };
  captured.push(r.out, r.err);
  return r;
}

function backups(file: string): string[] {
  return readdirSync(path.dirname(file)).filter((n) => n.startsWith(`${path.basename(file)}.agentpmt-`));
}

const fixture = (host: HostId): string => readFileSync(path.join(FIXTURES, FIXTURE_FILE[host]), 'utf8');

/** Whether `after` is `before` with text inserted at one place only (every other byte where it was). */
function singleInsertion(before: string, after: string): boolean {
  let p = 0;
  while (p < before.length && before[p] === after[p]) p++;
  let s = 0;
  while (s < before.length - p && before[before.length - 1 - s] === after[after.length - 1 - s]) s++;
  return p + s === before.length;
}

/** A router entry as @agentpmt/mcp-router's setup writes it, in each host's syntax. */
function routerFixture(host: HostId, name: string): string {
  const env = { AGENTPMT_BEARER_TOKEN: ROUTER_TOKEN, X_INSTANCE_METADATA: '{"client":"x","platform":"linux"}' };
  if (host === 'codex') {
    return `model = "gpt-5-codex"\n\n[mcp_servers.${name}]\ncommand = "npx"\nargs = ["--package=@agentpmt/mcp-router@latest", "agentpmt-router"]\ndescription = "298+ AI-powered tools from AgentPMT"\n\n[mcp_servers.${name}.env]\nAGENTPMT_BEARER_TOKEN = "${ROUTER_TOKEN}"\nX_INSTANCE_METADATA = ${JSON.stringify(env.X_INSTANCE_METADATA)}\n\n[mcp_servers.other]\ncommand = "other"\nargs = []\n`;
  }
  // The router writes mcpServers everywhere, VS Code included, with JSON.stringify(…, null, 2).
  const doc = { theme: 'dark', mcpServers: { [name]: { command: 'npx', args: ['--package=@agentpmt/mcp-router@latest', 'agentpmt-router'], env }, other: { command: 'other', args: [] } } };
  return JSON.stringify(doc, null, 2);
}

describe.each(HOST_IDS)('installer: %s', (host) => {
  const format = HOSTS[host].format;

  it('adds our entry, keeps every other byte, keeps a 0600 backup of the original; uninstall puts the original bytes back', async () => {
    const home = sandboxHome();
    const original = fixture(host);
    const file = hostFile(host, home, original);
    const r = await run('install', [host, '--bearer-token', TOKEN], home);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const after = readFileSync(file, 'utf8');
    expect(after).not.toBe(original);
    for (const kept of OTHERS[host]) expect(after).toContain(kept);
    // Removing our entry textually gives back the original exactly: nothing else moved.
    expect(format.uninstall(file, after)).toBe(original);
    if (host !== 'vscode') expect(singleInsertion(original, after)).toBe(true);
    const entry = format.inspect(file, after).ours;
    expect(entry?.args).toEqual(['-y', 'agentpmt-mcp']);
    if (host === 'vscode') {
      expect(after).not.toContain(TOKEN);
      expect(entry?.env.AGENTPMT_BEARER_TOKEN).toBe('${input:agentpmt-token}');
      expect(after).toMatch(/"id": "agentpmt-token",\s+"description": "[^"]+",\s+"password": true/);
    } else {
      expect(entry?.env.AGENTPMT_BEARER_TOKEN).toBe(TOKEN);
      expect(r.out).toMatch(/plain text/);
      // A file that now holds a token is private to the user.
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(r.out).not.toContain(TOKEN);
    const [backup, ...more] = backups(file);
    expect(more).toEqual([]);
    expect(readFileSync(path.join(path.dirname(file), backup as string), 'utf8')).toBe(original);
    expect(statSync(path.join(path.dirname(file), backup as string)).mode & 0o777).toBe(0o600);

    const u = await run('uninstall', [host], home);
    expect(u.code).toBe(0);
    expect(u.out).toMatch(/restored the content it had before the install/);
    expect(readFileSync(file, 'utf8')).toBe(original);
  });

  it('a second install with the same settings changes nothing; uninstall after it still restores the original', async () => {
    const home = sandboxHome();
    const original = fixture(host);
    const file = hostFile(host, home, original);
    await run('install', [host, '--bearer-token', TOKEN], home);
    const once = readFileSync(file, 'utf8');
    const again = await run('install', [host], home); // the token is already in the entry: kept
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/nothing to change/);
    expect(readFileSync(file, 'utf8')).toBe(once);
    // A re-install with another launcher replaces our entry; uninstall walks back through both backups.
    expect((await run('install', [host, '--launch', 'local'], home)).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('/opt/agentpmt-mcp/dist/cli.js');
    await run('uninstall', [host], home);
    expect(readFileSync(file, 'utf8')).toBe(original);
  });

  it('--dry-run prints the diff (secrets masked) and changes nothing', async () => {
    const home = sandboxHome();
    const original = fixture(host);
    const file = hostFile(host, home, original);
    const before = statSync(file).mtimeMs;
    const r = await run('install', [host, '--dry-run', '--bearer-token', TOKEN], home);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\+.*agentpmt-mcp/m);
    expect(r.out).toMatch(/dry run/);
    expect(r.out).not.toContain(TOKEN);
    for (const s of OTHER_SECRETS) expect(r.out).not.toContain(s);
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(statSync(file).mtimeMs).toBe(before);
    expect(backups(file)).toEqual([]);
    // And for uninstall.
    await run('install', [host, '--bearer-token', TOKEN], home);
    const installed = readFileSync(file, 'utf8');
    const u = await run('uninstall', [host, '--dry-run'], home);
    expect(u.out).toMatch(/^-.*agentpmt-mcp/m);
    expect(u.out).not.toContain(TOKEN);
    expect(readFileSync(file, 'utf8')).toBe(installed);
  });

  it('refuses an invalid file, saying where, and writes nothing', async () => {
    const home = sandboxHome();
    const broken = host === 'codex' ? 'model = "x"\n[mcp_servers.a\ncommand = "y"\n' : '{\n  "mcpServers": {\n    "a": { "command": "x" }\n    "b": {}\n  }\n}\n';
    const file = hostFile(host, home, broken);
    const r = await run('install', [host, '--bearer-token', TOKEN], home);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:${host === 'codex' ? 2 : 4}:`);
    expect(r.err).toMatch(/Nothing was changed/);
    expect(readFileSync(file, 'utf8')).toBe(broken);
    expect(backups(file)).toEqual([]);
  });

  it('creates the file when the host has none; uninstall removes it again', async () => {
    const home = sandboxHome();
    const file = hostFile(host, home);
    const r = await run('install', [host], home);
    expect(r.code).toBe(0);
    const created = readFileSync(file, 'utf8');
    expect(format.inspect(file, created).ours?.command).toBe('npx');
    if (host !== 'vscode') expect(r.out).toMatch(/No AgentPMT credentials/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await run('uninstall', [host], home);
    expect(existsSync(file)).toBe(false);
  });

  it('when the file changed after the install, uninstall removes only our entry', async () => {
    const home = sandboxHome();
    const original = fixture(host);
    const file = hostFile(host, home, original);
    await run('install', [host, '--bearer-token', TOKEN], home);
    // The user (or the host) edits the file afterwards: an extra setting at the top.
    const edited = host === 'codex' ? `extra = true\n${readFileSync(file, 'utf8')}` : readFileSync(file, 'utf8').replace('{', '{\n  "extra": true,');
    writeFileSync(file, edited);
    const u = await run('uninstall', [host], home);
    expect(u.err).toBe('');
    expect(u.code).toBe(0);
    expect(u.out).toMatch(/only our entry/);
    const expected = host === 'codex' ? `extra = true\n${original}` : original.replace('{', '{\n  "extra": true,');
    expect(readFileSync(file, 'utf8')).toBe(expected);
  });

  it('--from-router replaces an @agentpmt/mcp-router entry and keeps its token; uninstall brings the router entry back', async () => {
    for (const name of ['agentpmt', 'agentpmt-router']) {
      const home = sandboxHome();
      const original = routerFixture(host, name);
      const file = hostFile(host, home, original);
      if (name === 'agentpmt') {
        // Without --from-router the router's entry (same name as ours) is not overwritten.
        const refused = await run('install', [host], home);
        expect(refused.code).toBe(1);
        expect(refused.err).toMatch(/--from-router/);
        expect(readFileSync(file, 'utf8')).toBe(original);
      }
      const r = await run('install', [host, '--from-router'], home);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/replaced the @agentpmt\/mcp-router entry/);
      const after = readFileSync(file, 'utf8');
      const found = format.inspect(file, after);
      expect(found.routers).toEqual([]);
      expect(after).not.toContain('mcp-router');
      expect(after).not.toContain('X_INSTANCE_METADATA');
      expect(after).toContain('"other"'.replace(/"/g, host === 'codex' ? '' : '"'));
      if (host === 'vscode') {
        // VS Code asks for the token and keeps it as a secret: the plain-text copy is gone from the file.
        expect(after).not.toContain(ROUTER_TOKEN);
        expect(found.ours?.env.AGENTPMT_BEARER_TOKEN).toBe('${input:agentpmt-token}');
      } else {
        expect(found.ours?.env.AGENTPMT_BEARER_TOKEN).toBe(ROUTER_TOKEN);
      }
      expect(r.out).not.toContain(ROUTER_TOKEN);
      await run('uninstall', [host], home);
      expect(readFileSync(file, 'utf8')).toBe(original);
    }
  });
});

describe('installer: command line', () => {
  it('--config points at another file; unknown hosts and flags are usage errors (exit 2)', async () => {
    const home = sandboxHome();
    const file = path.join(home, 'elsewhere', 'mcp.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{"mcpServers":{"a":{"command":"x"}}}');
    expect((await run('install', ['cursor', '--config', file], home)).code).toBe(0);
    // A one-line file gets a one-line edit.
    expect(readFileSync(file, 'utf8')).toBe('{"mcpServers":{"a":{"command":"x"},"agentpmt":{"command":"npx","args":["-y","agentpmt-mcp"]}}}');
    expect(existsSync(hostFile('cursor', home))).toBe(false);
    expect((await run('install', ['zed'], home)).code).toBe(2);
    expect((await run('install', ['cursor', '--bogus'], home)).code).toBe(2);
    expect((await run('uninstall', ['cursor', '--from-router'], home)).code).toBe(2);
    expect((await run('install', [], home)).code).toBe(2);
  });

  it('--from-router without a router entry says so and writes nothing', async () => {
    const home = sandboxHome();
    const file = hostFile('cursor', home, fixture('cursor'));
    const r = await run('install', ['cursor', '--from-router'], home);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no @agentpmt\/mcp-router entry/);
    expect(readFileSync(file, 'utf8')).toBe(fixture('cursor'));
  });

  it('takes the token from AGENTPMT_BEARER_TOKEN when no flag is given', async () => {
    const home = sandboxHome();
    const file = hostFile('gemini', home, fixture('gemini'));
    await run('install', ['gemini'], home, { AGENTPMT_BEARER_TOKEN: TOKEN });
    expect(HOSTS.gemini.format.inspect(file, readFileSync(file, 'utf8')).ours?.env.AGENTPMT_BEARER_TOKEN).toBe(TOKEN);
  });
});
