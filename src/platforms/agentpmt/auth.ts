import type { Config } from '../../config.js';
import { fail } from '../../core/errors.js';

/**
 * The account bearer token. The legacy form is built from the API key and the
 * budget key as contracts §1 decides: standard base64 of "<api_key>:<budget_key>".
 * Keep that choice here and nowhere else.
 */
export function accountBearerToken(config: Pick<Config, 'bearerToken' | 'apiKey' | 'budgetKey'>): string | undefined {
  if (config.bearerToken) return config.bearerToken;
  if (config.apiKey && config.budgetKey) return Buffer.from(`${config.apiKey}:${config.budgetKey}`, 'utf8').toString('base64');
  return undefined;
}

export function requireAccountBearer(config: Pick<Config, 'bearerToken' | 'apiKey' | 'budgetKey'>, toolName: string): string {
  const token = accountBearerToken(config);
  if (token) return token;
  return fail({
    code: 'missing_credential',
    message: `${toolName} needs an AgentPMT account token, and none is configured.`,
    next_step:
      'Ask the user to set AGENTPMT_BEARER_TOKEN (the "Agent Group Bearer Token" from the AgentPMT dashboard), or AGENTPMT_API_KEY and AGENTPMT_BUDGET_KEY, in the server settings and restart it. Public tools (platform_health, embeds) work without it.',
  });
}
