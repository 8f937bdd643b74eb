import { HOST_IDS } from './host-ids.js';

/** The installer's lines of `agentpmt-mcp --help` (kept apart so --help does not load the installer). */
export const INSTALL_USAGE = [
  `  agentpmt-mcp install <host>           add this server to a host's MCP configuration (hosts: ${HOST_IDS.join(', ')})`,
  '      [--dry-run] [--from-router] [--bearer-token T] [--launch npx|local] [--config FILE]',
  '  agentpmt-mcp uninstall <host>         remove it again (restores the file as it was when nothing else changed it)',
  '      [--dry-run] [--config FILE]',
];
