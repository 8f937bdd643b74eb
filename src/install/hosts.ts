import path from 'node:path';
import { codexFormat } from './formats/codex-toml.js';
import { mcpServersJson } from './formats/mcp-servers-json.js';
import { vscodeFormat } from './formats/vscode.js';
import type { HostFormat } from './types.js';

import type { HostId } from './host-ids.js';

export { HOST_IDS, isHostId, type HostId } from './host-ids.js';

/** Where a host's files live: taken from the environment so tests (and unusual setups) can point elsewhere. */
export interface PathContext {
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  /** The home directory when HOME / USERPROFILE are unset. */
  fallbackHome: string;
}

export function homeOf(ctx: PathContext): string {
  return (ctx.platform === 'win32' ? ctx.env.USERPROFILE : undefined) ?? ctx.env.HOME ?? ctx.fallbackHome;
}

/** The per-user application-data folder: %APPDATA%, ~/Library/Application Support, or $XDG_CONFIG_HOME. */
function appData(ctx: PathContext): string {
  const home = homeOf(ctx);
  if (ctx.platform === 'win32') return ctx.env.APPDATA ?? path.join(home, 'AppData', 'Roaming');
  if (ctx.platform === 'darwin') return path.join(home, 'Library', 'Application Support');
  return ctx.env.XDG_CONFIG_HOME ?? path.join(home, '.config');
}

export interface Host {
  id: HostId;
  name: string;
  format: HostFormat;
  /** The user-scope file the host documents. */
  file(ctx: PathContext): string;
  /** What to do after a change for the host to see it. */
  restart: string;
  /** Where this host can keep a secret instead of the file, if it has such a place; shown with the plain-text warning. */
  secretHint?: string;
}

export const HOSTS: Record<HostId, Host> = {
  'claude-desktop': {
    id: 'claude-desktop',
    name: 'Claude Desktop',
    format: mcpServersJson({ container: 'mcpServers', jsonc: false, typeField: false }),
    file: (ctx) => path.join(appData(ctx), 'Claude', 'claude_desktop_config.json'),
    restart: 'Quit and reopen Claude Desktop.',
    secretHint: 'the .mcpb bundle (npm run pack, then open the file in Claude Desktop) keeps the token in the operating system keychain instead',
  },
  'claude-code': {
    id: 'claude-code',
    name: 'Claude Code',
    // User scope lives in ~/.claude.json (or $CLAUDE_CONFIG_DIR/.claude.json), beside Claude Code's own state.
    format: mcpServersJson({ container: 'mcpServers', jsonc: false, typeField: true }),
    file: (ctx) => path.join(ctx.env.CLAUDE_CONFIG_DIR ?? homeOf(ctx), '.claude.json'),
    restart: 'Start a new Claude Code session (claude mcp list shows the server).',
  },
  cursor: {
    id: 'cursor',
    name: 'Cursor',
    format: mcpServersJson({ container: 'mcpServers', jsonc: false, typeField: false }),
    file: (ctx) => path.join(homeOf(ctx), '.cursor', 'mcp.json'),
    restart: 'Reload Cursor (or toggle the server in Settings → MCP).',
  },
  vscode: {
    id: 'vscode',
    name: 'VS Code',
    format: vscodeFormat(),
    file: (ctx) => path.join(appData(ctx), 'Code', 'User', 'mcp.json'),
    restart: 'VS Code picks the change up by itself; it asks for the token the first time the server starts and keeps it in its secret storage.',
  },
  windsurf: {
    id: 'windsurf',
    name: 'Windsurf',
    format: mcpServersJson({ container: 'mcpServers', jsonc: false, typeField: false }),
    file: (ctx) => path.join(homeOf(ctx), '.codeium', 'windsurf', 'mcp_config.json'),
    restart: 'Press Refresh in Windsurf\'s MCP panel (or restart Windsurf).',
  },
  gemini: {
    id: 'gemini',
    name: 'Gemini CLI',
    // Gemini CLI strips comments from its settings files before parsing.
    format: mcpServersJson({ container: 'mcpServers', jsonc: true, typeField: false }),
    file: (ctx) => path.join(homeOf(ctx), '.gemini', 'settings.json'),
    restart: 'Start a new Gemini CLI session (/mcp lists the server).',
  },
  codex: {
    id: 'codex',
    name: 'Codex',
    format: codexFormat(),
    file: (ctx) => path.join(ctx.env.CODEX_HOME ?? path.join(homeOf(ctx), '.codex'), 'config.toml'),
    restart: 'Start a new Codex session (codex mcp list shows the server).',
  },
};
