import type { Config } from '../../config.js';
import { fail } from '../../core/errors.js';

/**
 * The account bearer token. The legacy form is built from the API key and the
 * budget key as contracts §1 decides: standard base64 of "<api_key>:<budget_key>".
 * Keep that choice here and nowhere else.
 */
export function accountBearerToken(config: Pick<Config, 'bearerToken' | 'apiKey' | 'budgetKey'>, prefer: 'opaque_first' | 'legacy_first' = 'opaque_first'): string | undefined {
  const legacy = config.apiKey && config.budgetKey ? Buffer.from(`${config.apiKey}:${config.budgetKey}`, 'utf8').toString('base64') : undefined;
  if (prefer === 'legacy_first' && legacy) return legacy;
  return config.bearerToken || legacy;
}

export function requireAccountBearer(config: Pick<Config, 'bearerToken' | 'apiKey' | 'budgetKey'>, toolName: string, prefer: 'opaque_first' | 'legacy_first' = 'opaque_first'): string {
  const token = accountBearerToken(config, prefer);
  if (token) return token;
  return fail({
    code: 'missing_credential',
    message: `${toolName} needs an AgentPMT account token, and none is configured.`,
    next_step:
      'Ask the user to set AGENTPMT_BEARER_TOKEN (the "Agent Group Bearer Token" from the AgentPMT dashboard), or AGENTPMT_API_KEY and AGENTPMT_BUDGET_KEY, in the server settings and restart it. Public tools (platform_health, embeds) work without it.',
  });
}
