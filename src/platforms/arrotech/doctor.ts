import type { Config } from '../../config.js';
import { ToolFailureError } from '../../core/errors.js';
import { HttpClient } from '../../core/http-client.js';
import { isLoopbackHost } from '../../core/shared/loopback.js';
import type { DoctorReport } from '../../core/platform.js';
import { VERSION } from '../../version.js';
import { ArrotechAuth } from './auth.js';
import { requestFor } from './executor.js';
import { connectionsEndpoints } from './tools/connections.js';

const connectionsList = connectionsEndpoints.find((t) => t.name === 'arrotech_connections_list')!;

/** `agentpmt-mcp doctor` for Arrotech Hub: which credential, and one authenticated read that proves it (through the platform's own executor). */
export const doctor = {
  async run(config: Config, report: DoctorReport): Promise<void> {
    const http = new HttpClient({ timeoutMs: Math.min(5000, config.timeoutMs), maxRetries: 0, userAgent: `agentpmt-mcp-doctor/${VERSION}` });
    const auth = new ArrotechAuth(config, http);
    try {
      if (auth.mode === 'none') {
        report.line('!', 'Arrotech Hub: no credential set (ARROTECH_API_KEY, or ARROTECH_EMAIL + ARROTECH_PASSWORD); its tools will fail until one is.');
        return;
      }
      report.line('✓', `Arrotech Hub: ${auth.mode === 'api_key' ? 'API key (ARROTECH_API_KEY) sent as the bearer' : 'managed login (ARROTECH_EMAIL + ARROTECH_PASSWORD)'} at ${config.arrotechApiUrl}`);
      const origin = new URL(config.arrotechApiUrl);
      if (origin.protocol === 'http:' && !isLoopbackHost(origin.hostname)) {
        report.line('!', `Arrotech Hub: ARROTECH_API_URL is plain http to ${origin.hostname}: the ${auth.mode === 'api_key' ? 'API key' : 'password and tokens'} would cross the network unencrypted. Use https.`);
      }
      if (auth.mode === 'login') {
        await auth.login();
        const left = Math.round(((auth.expiresAt ?? Date.now()) - Date.now()) / 60_000);
        report.line('✓', `Arrotech Hub: login accepted; the token lasts ${left} min and is renewed before it lapses.`);
      }
      const res = await requestFor(connectionsList, {}, { config, http, auth, progress: async () => undefined });
      const data = (res.json as { data?: unknown } | undefined)?.data;
      report.line('✓', `Arrotech Hub: credential accepted (${Array.isArray(data) ? `${data.length} connection(s)` : `HTTP ${res.status}`}).`);
    } catch (err) {
      if (err instanceof ToolFailureError) report.line('✗', `Arrotech Hub: ${err.failure.message} ${err.failure.next_step}`);
      else report.line('✗', `Arrotech Hub: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await http.destroy();
    }
  },
};
