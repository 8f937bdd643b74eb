import type { Config } from '../../config.js';
import { HttpClient } from '../../core/http-client.js';
import type { Platform, PlatformRuntime, ToolSurface } from '../../core/platform.js';
import { VERSION } from '../../version.js';
import { AGENTRUNTIME } from './identity.js';
import { ConsentBook } from './consent.js';
import type { ArContext } from './context.js';
import { execute } from './executor.js';
import { SecretStore } from './secrets.js';
import { AGENTRUNTIME_SETTINGS } from './settings.js';
import { catalog } from './tools/index.js';
import type { AnyArTool } from './tools/types.js';

function createRuntime(config: Config, tools: readonly ToolSurface[]): PlatformRuntime {
  const http = new HttpClient({
    timeoutMs: config.timeoutMs,
    maxRetries: config.maxRetries,
    userAgent: `agentpmt-mcp/${VERSION}`,
    networkHint: 'Check the network and AGENTRUNTIME_API_URL, then retry.',
  });
  // One consent book per process: a confirm token is honoured only by the server that issued it.
  const shared: Omit<ArContext, 'signal' | 'progress' | 'elicit'> = { config, http, secrets: new SecretStore(config.home), consent: new ConsentBook() };
  // Stored secrets join the log scrubber before any tool runs, but the first tools/list does not wait for the files.
  let scrubbed: Promise<void> | undefined;
  const scrubOnce = () => (scrubbed ??= shared.secrets.scrubAll().catch(() => undefined));
  return {
    tools,
    start: () => {
      void scrubOnce();
      return Promise.resolve();
    },
    session: () => ({
      // The assembly hands back our own catalog entries.
      call: async (tool, args, scope) => {
        await scrubOnce();
        return execute(tool as AnyArTool, args, { ...shared, ...scope });
      },
    }),
    close: () => http.destroy(),
  };
}

export const agentruntime: Platform<Config> = {
  ...AGENTRUNTIME,
  settings: AGENTRUNTIME_SETTINGS,
  catalog,
  createRuntime,
  doctor: async () => (await import('./doctor.js')).doctor,
  sandbox: async () => (await import('./sandbox/launch.js')).launcher,
};
