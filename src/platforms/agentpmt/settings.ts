import { z } from 'zod';
import { httpUrl, intInRange, optionalSecret, type SettingSpec } from '../../core/settings.js';
import { CHAIN_NAMES, parseAmount } from './payments/assets.js';

/** A stablecoin amount like "1.50", kept exact as base units (6 decimals). */
const money = z
  .string()
  .trim()
  .refine((v) => /^\d+(\.\d{1,6})?$/.test(v), 'must be an amount like 1.50 (at most 6 decimals)')
  .transform((v) => parseAmount(v));

const NETWORK_NAMES: Record<string, number> = { base: 8453, arbitrum: 42161, optimism: 10, polygon: 137, avalanche: 43114, 'base-sepolia': 84532 };

function networkFromName(raw: string): string | undefined {
  const chainId = NETWORK_NAMES[raw] ?? (/^\d+$/.test(raw) ? Number(raw) : /^eip155:(\d+)$/.exec(raw) ? Number(raw.slice(7)) : undefined);
  return chainId !== undefined && CHAIN_NAMES[chainId] ? `eip155:${chainId}` : undefined;
}

/** AgentPMT's settings (prefix AGENTPMT_): origins, credentials, the wallet, the spend policy and ledger, workflows, pins. */
export const AGENTPMT_SETTINGS = {
  apiUrl: { env: 'AGENTPMT_API_URL', flag: 'api-url', doc: 'account API origin (default https://api.agentpmt.com)' },
  webUrl: { env: 'AGENTPMT_WEB_URL', flag: 'web-url', doc: 'web origin: webhooks, embeds, external API (default https://www.agentpmt.com)' },
  bearerToken: { env: 'AGENTPMT_BEARER_TOKEN', flag: 'bearer-token', doc: 'account bearer token (dashboard "Agent Group Bearer Token")', secret: true },
  apiKey: { env: 'AGENTPMT_API_KEY', flag: 'api-key', doc: 'legacy API key (with AGENTPMT_BUDGET_KEY, instead of a bearer token)', secret: true },
  budgetKey: { env: 'AGENTPMT_BUDGET_KEY', flag: 'budget-key', doc: 'legacy budget key (with AGENTPMT_API_KEY)', secret: true },
  privateKey: { env: 'AGENTPMT_PRIVATE_KEY', flag: 'private-key', doc: 'agent wallet private key (hex); prefer a keystore', secret: true },
  keystore: { env: 'AGENTPMT_KEYSTORE', flag: 'keystore', doc: 'Web3 Secret Storage (v3) keystore file (default: <AGENTPMT_HOME>/keystore.json)' },
  keystorePassword: { env: 'AGENTPMT_KEYSTORE_PASSWORD', flag: 'keystore-password', doc: 'passphrase that unlocks (and, for wallet_create, encrypts) the keystore', secret: true },
  maxPaymentUsd: { env: 'AGENTPMT_MAX_PAYMENT_USD', flag: 'max-payment-usd', doc: 'largest single payment in USD stablecoins (default 1.00)' },
  dailyBudgetUsd: { env: 'AGENTPMT_DAILY_BUDGET_USD', flag: 'daily-budget-usd', doc: 'USD stablecoin spend allowed per calendar day, UTC (default 5.00)' },
  approvalThresholdUsd: { env: 'AGENTPMT_APPROVAL_THRESHOLD_USD', flag: 'approval-threshold-usd', doc: 'USD payments above this need the user\'s approval (default 0.50)' },
  maxPaymentEur: { env: 'AGENTPMT_MAX_PAYMENT_EUR', flag: 'max-payment-eur', doc: 'largest single payment in EUR stablecoins (default 0: EURC off)' },
  dailyBudgetEur: { env: 'AGENTPMT_DAILY_BUDGET_EUR', flag: 'daily-budget-eur', doc: 'EUR stablecoin spend allowed per calendar day, UTC (default 0)' },
  approvalThresholdEur: { env: 'AGENTPMT_APPROVAL_THRESHOLD_EUR', flag: 'approval-threshold-eur', doc: 'EUR payments above this need the user\'s approval (default 0)' },
  allowedNetworks: { env: 'AGENTPMT_ALLOWED_NETWORKS', flag: 'allowed-networks', doc: 'networks payments may use: CAIP-2 ids, chain ids or names (default eip155:8453, Base)' },
  allowedAssets: { env: 'AGENTPMT_ALLOWED_ASSETS', flag: 'allowed-assets', doc: 'stablecoins payments may use: USDC, EURC (default USDC)' },
  allowedPayees: { env: 'AGENTPMT_ALLOWED_PAYEES', flag: 'allowed-payees', doc: 'if set, the only addresses payments may go to (comma separated)' },
  ledgerUrl: { env: 'AGENTPMT_LEDGER_URL', flag: 'ledger-url', doc: 'postgres://… to keep the payment ledger and quotes in PostgreSQL, shared by several server instances (default: the file in the state directory)', secret: true },
  paymentDedupeSeconds: { env: 'AGENTPMT_PAYMENT_DEDUPE_SECONDS', flag: 'payment-dedupe-seconds', doc: 'an identical paid call repeated within this many seconds returns the recorded payment instead of paying again (default 600; 0 turns it off)' },
  workflowWaitSeconds: { env: 'AGENTPMT_WORKFLOW_WAIT_SECONDS', flag: 'workflow-wait-seconds', doc: 'how long workflow_run / workflow_run_wait wait before handing back a run id (default 45, max 55: hosts cancel calls after ~60 s)' },
  pin: { env: 'AGENTPMT_PIN', flag: 'pin', doc: 'marketplace actions to expose as their own tools: product/action, comma separated' },
  hostedMcp: { env: 'AGENTPMT_HOSTED_MCP', flag: 'hosted-mcp', doc: 'also serve the tools of AgentPMT\'s hosted MCP endpoint, as hosted_* in the "hosted" toolset (true/false; default true when AGENTPMT_BEARER_TOKEN is set)' },
  hostedMcpUrl: { env: 'AGENTPMT_HOSTED_MCP_URL', flag: 'hosted-mcp-url', doc: 'the hosted MCP endpoint (Streamable HTTP); it alone receives the bearer token for hosted tools (default <AGENTPMT_API_URL>/mcp)' },
} as const satisfies Record<string, SettingSpec>;

export const agentpmtShape = {
    apiUrl: httpUrl('AGENTPMT_API_URL').default('https://api.agentpmt.com'),
    webUrl: httpUrl('AGENTPMT_WEB_URL').default('https://www.agentpmt.com'),
    bearerToken: optionalSecret,
    apiKey: optionalSecret,
    budgetKey: optionalSecret,
    // The wallet settings are checked when the wallet is first used, not here: a bad key
    // must not stop the server, only the wallet tools, with an error naming the setting.
    privateKey: optionalSecret,
    keystore: z.string().trim().min(1).optional(),
    keystorePassword: z.string().optional().transform((v) => (v === '' ? undefined : v)),
    maxPaymentUsd: money.prefault('1.00'),
    dailyBudgetUsd: money.prefault('5.00'),
    approvalThresholdUsd: money.prefault('0.50'),
    maxPaymentEur: money.prefault('0'),
    dailyBudgetEur: money.prefault('0'),
    approvalThresholdEur: money.prefault('0'),
    allowedNetworks: z
      .string()
      .default('eip155:8453')
      .transform((v, ctx) => {
        const out: string[] = [];
        for (const raw of v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean)) {
          const network = networkFromName(raw);
          if (!network) ctx.addIssue({ code: 'custom', message: `unknown network "${raw}"; use eip155:<chainId> or one of ${Object.keys(NETWORK_NAMES).join(', ')}` });
          else out.push(network);
        }
        return out;
      }),
    allowedAssets: z
      .string()
      .default('USDC')
      .transform((v) => v.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean))
      .refine((list) => list.every((a) => a === 'USDC' || a === 'EURC'), 'only USDC and EURC are supported')
      .transform((list) => list as ('USDC' | 'EURC')[]),
    allowedPayees: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean))
      .refine((list) => list.every((a) => /^0x[0-9a-f]{40}$/.test(a)), 'must be 0x-prefixed 40-hex-digit addresses, comma separated'),
    ledgerUrl: optionalSecret.refine((v) => v === undefined || /^postgres(ql)?:\/\/\S+$/.test(v), 'AGENTPMT_LEDGER_URL must be a postgres:// or postgresql:// connection URL'),
    paymentDedupeSeconds: intInRange(0, 7 * 86_400).default(600),
    workflowWaitSeconds: intInRange(1, 55).default(45),
    pin: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((t) => t.trim()).filter(Boolean))
      .refine((list) => list.every((p) => /^[^/\s]+\/[^/\s]+$/.test(p)), 'each pin must look like product/action (slugs), comma separated'),
    // Unset means "on when there is a bearer token", decided where the token is known.
    hostedMcp: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim().toLowerCase()))
      .refine((v) => v === undefined || ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'must be true or false')
      .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1' || v === 'yes')),
    hostedMcpUrl: z
      .string()
      .trim()
      .optional()
      .refine((v) => {
        if (v === undefined || v === '') return true;
        try {
          const u = new URL(v);
          return (u.protocol === 'https:' || u.protocol === 'http:') && !u.hash;
        } catch {
          return false;
        }
      }, 'AGENTPMT_HOSTED_MCP_URL must be an http(s) URL such as https://api.agentpmt.com/mcp')
      .transform((v) => (v === '' ? undefined : v)),
};

export function checkAgentpmt(c: z.output<z.ZodObject<typeof agentpmtShape>>, ctx: z.RefinementCtx): void {
  if ((c.apiKey === undefined) !== (c.budgetKey === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [c.apiKey === undefined ? 'apiKey' : 'budgetKey'],
      message: 'AGENTPMT_API_KEY and AGENTPMT_BUDGET_KEY go together: set both, or use AGENTPMT_BEARER_TOKEN instead',
    });
  }
}
