import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ToolFailureError } from '../../../core/errors.js';
import { okResult } from '../../../core/results.js';
import { normalizePlatformError } from '../errors.js';
import { formatAmount } from '../payments/assets.js';
import { describeChoice, paymentSummary, unsettledFailure, type PaidOutcome } from '../payments/payer.js';

// The tool layer renders what the payments domain returns: data in, one MCP result out.

/**
 * The tool result of a paid call: the approval quote when one is pending, the
 * answer when no payment was asked, the answer plus its payment once settled;
 * an error for everything else (refused, failed, outcome unknown).
 */
export function paidCallResult(
  outcome: PaidOutcome,
  render: (json: Record<string, unknown>, payment?: Record<string, unknown>) => CallToolResult,
  /** The call to repeat with the quote once the user agrees. */
  again?: { tool: string; args: Record<string, unknown> },
): CallToolResult {
  if (outcome.approval) {
    const { quote, choice, buys, promptCancelled } = outcome.approval;
    const why = promptCancelled ? 'The approval prompt was dismissed or could not be shown (this host may cancel prompts), so nothing was paid. ' : '';
    return okResult(
      {
        approval_required: true,
        quote_id: quote.id,
        expires_at: new Date(quote.expires_at).toISOString(),
        price: { amount: formatAmount(choice.amount), currency: choice.asset.currency, asset: choice.asset.symbol, network: choice.requirement.network, pay_to: choice.payTo },
        buys,
        ...(promptCancelled ? { approval_prompt: 'cancelled' } : {}),
      },
      `Approval needed: this call costs ${describeChoice(choice)}, above the approval threshold. ${why}Nothing was paid. Ask the user in the conversation; only if they agree, call the same tool again with the same arguments plus quote_id "${quote.id}" (valid 5 minutes).`,
      again ? [{ tool: again.tool, arguments: { ...again.args, quote_id: quote.id }, why: 'only after the user agrees to this price in the conversation' }] : [],
    );
  }
  const res = outcome.res;
  if (!outcome.payment) {
    if (!res || res.status >= 400) throw new ToolFailureError(normalizePlatformError(res?.status ?? 502, res?.json ?? res?.text));
    return render((res.json ?? {}) as Record<string, unknown>);
  }
  if (outcome.payment.status !== 'settled') throw unsettledFailure(outcome.payment, res);
  if (!outcome.replayed) return render((res?.json ?? {}) as Record<string, unknown>, paymentSummary(outcome.payment));
  const p = outcome.payment;
  const rendered = render((res?.json ?? {}) as Record<string, unknown>, { ...paymentSummary(p), already_paid: true, paid_at: p.updated_at });
  const note = `Already paid at ${p.updated_at} (payment ${p.id}${p.tx_hash ? `, tx ${p.tx_hash}` : ''}): this identical call was paid moments ago, so it was not paid again${p.response === undefined ? '' : '; the recorded answer follows'}. To buy it again on purpose, the user must ask for it: call again with pay_again: true.`;
  const first = rendered.content[0];
  if (first?.type === 'text') first.text = `${note}\n${first.text}`;
  else rendered.content.unshift({ type: 'text', text: note });
  return rendered;
}

