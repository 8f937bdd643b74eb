import { createHash, randomUUID } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { fail } from '../../core/errors.js';
import { okResult } from '../../core/results.js';
import type { ElicitAnswer, ElicitSchema } from '../../core/platform.js';

export const CONFIRM_TTL_MS = 5 * 60_000;

interface Pending {
  call_key: string;
  expires_at: number;
}

/**
 * Money moves only with the user's say-so (the same idea as AgentPMT's payment
 * approval): an MCP elicitation when the client can ask, otherwise a short-lived
 * confirm token bound to this exact call, handed back with what it will do, so
 * the model must show the user and call again. A token serves once.
 */
export class ConsentBook {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(callKey: string): { confirm_token: string; expires_at: string } {
    this.sweep();
    const token = `confirm_${randomUUID()}`;
    const expires = this.now() + CONFIRM_TTL_MS;
    this.pending.set(token, { call_key: callKey, expires_at: expires });
    return { confirm_token: token, expires_at: new Date(expires).toISOString() };
  }

  /** Why the token does not cover this call, or undefined when it does (and it is then used up). */
  redeem(token: string, callKey: string): string | undefined {
    this.sweep();
    const p = this.pending.get(token);
    if (!p) return 'the confirm_token is unknown, expired (tokens last 5 minutes) or already used';
    if (p.call_key !== callKey) return 'the confirm_token was issued for a different call (other tool or arguments)';
    this.pending.delete(token);
    return undefined;
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, p] of this.pending) if (p.expires_at <= now) this.pending.delete(k);
  }
}

/** A stable key for a call: the tool and its arguments without the confirm token. */
export function callKey(tool: string, args: Record<string, unknown>): string {
  const { confirm_token: _ignored, ...rest } = args;
  const sorted = Object.keys(rest).sort().map((k) => [k, rest[k]]);
  return createHash('sha256').update(JSON.stringify([tool, sorted])).digest('hex');
}

/**
 * Gets the user's consent for `what` (one sentence naming the amount and plan),
 * then runs `act`. Without elicitation the first call returns a confirm token
 * and the second, with it, acts.
 */
export async function withConsent(
  tool: string,
  args: Record<string, unknown> & { confirm_token?: string | undefined },
  what: string,
  details: Record<string, unknown>,
  ctx: { consent: ConsentBook; elicit?: ((message: string, schema: ElicitSchema) => Promise<ElicitAnswer>) | undefined },
  act: () => Promise<CallToolResult>,
): Promise<CallToolResult> {
  const key = callKey(tool, args);
  if (args.confirm_token !== undefined) {
    const why = ctx.consent.redeem(args.confirm_token, key);
    if (why) fail({ code: 'confirmation_invalid', message: `Not done: ${why}.`, next_step: `Call ${tool} again without confirm_token to get a new one, show the user what it will do, and repeat the call with it once they agree.` });
    return act();
  }
  if (ctx.elicit) {
    const answer = await ctx.elicit(`${what} Do you approve?`, { type: 'object', properties: { approve: { type: 'boolean', title: 'Approve', description: what } }, required: ['approve'] });
    if (answer.action !== 'accept' || answer.content?.approve !== true) {
      fail({ code: 'declined', message: `The user did not approve: ${what}`, next_step: 'Nothing was changed. Do not retry unless the user asks for it.' });
    }
    return act();
  }
  const { confirm_token, expires_at } = ctx.consent.issue(key);
  return okResult(
    { done: false, needs_confirmation: true, what, ...details, confirm_token, expires_at },
    `Not done yet: ${what} This needs the user's approval. Show them exactly this, and only if they agree call ${tool} again with the same arguments plus confirm_token "${confirm_token}" (valid 5 minutes, once).`,
  );
}
