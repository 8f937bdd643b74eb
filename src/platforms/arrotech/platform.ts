import type { Config } from '../../config.js';
import { HttpClient } from '../../core/http-client.js';
import type { Platform, PlatformRuntime, ToolSurface } from '../../core/platform.js';
import { VERSION } from '../../version.js';
import { ARROTECH } from './identity.js';
import { ArrotechAuth } from './auth.js';
import { execute } from './executor.js';
import { ARROTECH_SETTINGS, authMode } from './settings.js';
import { catalog } from './tools/index.js';
import type { AnyTool } from './tools/types.js';

function createRuntime(config: Config, tools: readonly ToolSurface[]): PlatformRuntime {
  const http = new HttpClient({
    timeoutMs: config.timeoutMs,
    maxRetries: config.maxRetries,
    userAgent: `agentpmt-mcp/${VERSION}`,
    networkHint: 'Check the network and the ARROTECH_API_URL setting, then retry.',
  });
  // One credential holder per process: every session shares the login and its renewals.
  const auth = new ArrotechAuth(config, http);
  const routes = {};
  return {
    tools,
    session: () => ({ call: (tool, args, scope) => execute(tool as AnyTool, args, { config, http, auth, routes, ...scope }) }),
    close: () => http.destroy(),
  };
}

export const arrotech: Platform<Config> = {
  ...ARROTECH,
  settings: ARROTECH_SETTINGS,
  catalog,
  createRuntime,
  doctor: async () => (await import('./doctor.js')).doctor,
  sandbox: async () => (await import('./sandbox/launch.js')).launcher,
};
