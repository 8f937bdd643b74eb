import { z } from 'zod';
import { fail } from '../../../core/errors.js';
import { okResult } from '../../../core/results.js';
import { withConsent } from '../consent.js';
import type { ArContext } from '../context.js';
import { requestFor } from '../executor.js';
import { defineEndpoint, defineTool, READ, WRITE, type ArToolset } from './types.js';

const billingRead = (name: string, path: string, title: string, description: string) =>
  defineEndpoint({ name, title, description, toolset: 'agentruntime_billing' satisfies ArToolset, method: 'GET', origin: 'api', path, auth: 'tenant', input: () => ({}), annotations: READ });

export const billingUsage = billingRead('agentruntime_billing_usage', '/v1/billing/usage', 'Credit balances', 'Remaining credits (trial, included, pay-as-you-go; microcredits).');
export const billingPlans = billingRead('agentruntime_billing_plans', '/v1/billing/plans', 'Plan catalog', 'Plans for this deployment (plan_code, stripe_price_id, amount, currency, interval, trial). Use a stripe_price_id with agentruntime_billing_subscribe.');
export const billingSummary = billingRead('agentruntime_billing_summary', '/v1/billing/summary', 'Billing summary', 'Tenant/project billing summary.');
export const billingStatus = billingRead('agentruntime_billing_status', '/v1/billing/status', 'Subscription status', 'Subscription and trial status.');
export const billingUsageHistory = billingRead('agentruntime_billing_usage_history', '/v1/billing/usage-history', 'Usage history', 'The metered usage ledger.');
export const billingPaymentHistory = billingRead('agentruntime_billing_payment_history', '/v1/billing/payment-history', 'Payment history', 'Payments and top-ups.');
export const billingUsageDimensions = billingRead('agentruntime_billing_usage_dimensions', '/v1/billing/usage-dimensions', 'Usage dimensions', 'The dimensions usage can be broken down by.');
export const billingActionPricing = billingRead('agentruntime_billing_action_pricing', '/v1/billing/action-pricing', 'Action pricing', 'Resolved per-action prices.');

interface Plan {
  plan_code?: string;
  stripe_price_id?: string;
  amount?: number;
  currency?: string;
  interval?: string;
  interval_count?: number;
  product_name?: string;
}

/** The plan a price id names, read from the catalog so the user approves an amount, not an opaque id. */
async function planFor(priceId: string, ctx: ArContext, tool: string): Promise<Plan> {
  const plans = ((await requestFor(billingPlans, {}, ctx)).json as { plans?: Plan[] }).plans ?? [];
  const plan = plans.find((p) => p.stripe_price_id === priceId);
  if (!plan) fail({ code: 'invalid_argument', message: `stripe_price_id "${priceId}" is not in this deployment's plan catalog.`, next_step: `List plans with agentruntime_billing_plans and call ${tool} with one of their stripe_price_id values.` });
  return plan;
}

function priceText(p: Plan): string {
  const amount = typeof p.amount === 'number' ? (p.amount / 100).toFixed(2) : '?';
  const every = p.interval ? ` per ${p.interval_count && p.interval_count > 1 ? `${p.interval_count} ${p.interval}s` : p.interval}` : '';
  return `${amount} ${(p.currency ?? '').toUpperCase()}${every}`;
}

const priceId = z.string().trim().min(1).max(200).describe('stripe_price_id from agentruntime_billing_plans.');
const confirmToken = z.string().min(1).max(100).optional().describe('Only after the user approved: the confirm_token the first call returned.');

const subscribeRequest = defineEndpoint({ name: 'agentruntime_billing_subscribe', title: 'Subscribe', description: '', toolset: 'agentruntime_billing', method: 'POST', origin: 'api', path: '/v1/billing/subscription', auth: 'tenant', input: () => ({ stripe_price_id: priceId }), annotations: WRITE });
const changePlanRequest = defineEndpoint({ name: 'agentruntime_billing_change_plan', title: 'Change plan', description: '', toolset: 'agentruntime_billing', method: 'POST', origin: 'api', path: '/v1/billing/subscription/change-plan', auth: 'tenant', input: () => ({ stripe_price_id: priceId }), annotations: WRITE });
const cancelRequest = defineEndpoint({ name: 'agentruntime_billing_cancel', title: 'Cancel subscription', description: '', toolset: 'agentruntime_billing', method: 'POST', origin: 'api', path: '/v1/billing/subscription/cancel', auth: 'tenant', input: () => ({}), annotations: WRITE });

const CONSENT = 'Needs the user\'s approval: asked through the client when it can, otherwise the first call returns a confirm_token to repeat the call with once the user agrees. Needs the tenant admin role.';

export const billingSubscribe = defineTool({
  name: 'agentruntime_billing_subscribe',
  title: 'Subscribe to an AgentRuntime plan',
  description: `Start a paid subscription to a plan (charges the tenant's card on file). ${CONSENT}`,
  toolset: 'agentruntime_billing',
  input: () => ({ stripe_price_id: priceId, confirm_token: confirmToken }),
  annotations: WRITE,
  async run(args, ctx) {
    const plan = await planFor(args.stripe_price_id, ctx, 'agentruntime_billing_subscribe');
    const what = `Subscribe the AgentRuntime tenant ${ctx.config.agentruntimeTenantId ?? ''} to ${plan.product_name ?? plan.plan_code ?? 'a plan'} (${plan.plan_code ?? args.stripe_price_id}) at ${priceText(plan)}.`;
    return withConsent('agentruntime_billing_subscribe', args, what, { plan }, ctx, async () => {
      const res = await requestFor(subscribeRequest, { stripe_price_id: args.stripe_price_id }, ctx);
      return okResult({ done: true, ...(res.json as Record<string, unknown>) }, `Subscribed: ${what}`);
    });
  },
});

export const billingChangePlan = defineTool({
  name: 'agentruntime_billing_change_plan',
  title: 'Change the AgentRuntime plan',
  description: `Move the subscription to another plan (price changes from the next period or prorated). ${CONSENT}`,
  toolset: 'agentruntime_billing',
  input: () => ({ stripe_price_id: priceId, confirm_token: confirmToken }),
  annotations: WRITE,
  async run(args, ctx) {
    const plan = await planFor(args.stripe_price_id, ctx, 'agentruntime_billing_change_plan');
    const what = `Change the AgentRuntime subscription to ${plan.product_name ?? plan.plan_code ?? 'a plan'} (${plan.plan_code ?? args.stripe_price_id}) at ${priceText(plan)}.`;
    return withConsent('agentruntime_billing_change_plan', args, what, { plan }, ctx, async () => {
      const res = await requestFor(changePlanRequest, { stripe_price_id: args.stripe_price_id }, ctx);
      return okResult({ done: true, ...(res.json as Record<string, unknown>) }, `Plan changed: ${what}`);
    });
  },
});

export const billingCancel = defineTool({
  name: 'agentruntime_billing_cancel',
  title: 'Cancel the AgentRuntime subscription',
  description: `Cancel the subscription at the end of the current period. ${CONSENT}`,
  toolset: 'agentruntime_billing',
  input: () => ({ confirm_token: confirmToken }),
  annotations: { ...WRITE, destructiveHint: true },
  async run(args, ctx) {
    const what = `Cancel the AgentRuntime subscription of tenant ${ctx.config.agentruntimeTenantId ?? ''} at the end of the current period.`;
    return withConsent('agentruntime_billing_cancel', args, what, {}, ctx, async () => {
      const res = await requestFor(cancelRequest, {}, ctx);
      return okResult({ done: true, ...(res.json as Record<string, unknown>) }, `Cancelled: ${what}`);
    });
  },
});

const trialRequest = defineEndpoint({ name: 'agentruntime_billing_start_trial', title: 'Start trial', description: '', toolset: 'agentruntime_billing', method: 'POST', origin: 'api', path: '/v1/billing/trial', auth: 'tenant', input: () => ({ stripe_price_id: priceId }), annotations: WRITE });
const convertRequest = defineEndpoint({ name: 'agentruntime_billing_convert_trial', title: 'End trial now', description: '', toolset: 'agentruntime_billing', method: 'POST', origin: 'api', path: '/v1/billing/subscription/convert-trial-now', auth: 'tenant', input: () => ({}), annotations: WRITE });
const codeRequest = defineEndpoint({ name: 'agentruntime_billing_apply_code', title: 'Apply billing code', description: '', toolset: 'agentruntime_billing', method: 'POST', origin: 'api', path: '/v1/billing/codes/apply', auth: 'tenant', input: () => ({ code: z.string() }), annotations: WRITE });

export const billingStartTrial = defineTool({
  name: 'agentruntime_billing_start_trial',
  title: 'Start an AgentRuntime trial',
  description: `Start the trial of a plan that offers one (no card needed when the plan says so; it converts to paid at its end unless cancelled). ${CONSENT}`,
  toolset: 'agentruntime_billing',
  input: () => ({ stripe_price_id: priceId, confirm_token: confirmToken }),
  annotations: WRITE,
  async run(args, ctx) {
    const plan = await planFor(args.stripe_price_id, ctx, 'agentruntime_billing_start_trial');
    const what = `Start a trial of ${plan.product_name ?? plan.plan_code ?? 'a plan'} (${plan.plan_code ?? args.stripe_price_id}), which then costs ${priceText(plan)}.`;
    return withConsent('agentruntime_billing_start_trial', args, what, { plan }, ctx, async () => {
      const res = await requestFor(trialRequest, { stripe_price_id: args.stripe_price_id }, ctx);
      return okResult({ done: true, ...(res.json as Record<string, unknown>) }, `Trial started: ${what}`);
    });
  },
});

export const billingConvertTrial = defineTool({
  name: 'agentruntime_billing_convert_trial',
  title: 'End the AgentRuntime trial now',
  description: `End the trial early and start paying for the plan now. ${CONSENT}`,
  toolset: 'agentruntime_billing',
  input: () => ({ confirm_token: confirmToken }),
  annotations: WRITE,
  async run(args, ctx) {
    const what = `End the AgentRuntime trial of tenant ${ctx.config.agentruntimeTenantId ?? ''} now and start the paid subscription.`;
    return withConsent('agentruntime_billing_convert_trial', args, what, {}, ctx, async () => {
      const res = await requestFor(convertRequest, {}, ctx);
      return okResult({ done: true, ...(res.json as Record<string, unknown>) }, `Trial converted: ${what}`);
    });
  },
});

const billingCode = z.string().trim().min(1).max(100).describe('The billing or discount code.');

export const billingApplyCode = defineTool({
  name: 'agentruntime_billing_apply_code',
  title: 'Apply a billing code',
  description: `Apply a billing code (credits, discount) to the tenant. Check it first with agentruntime_billing_validate_discount. ${CONSENT}`,
  toolset: 'agentruntime_billing',
  input: () => ({ code: billingCode, confirm_token: confirmToken }),
  annotations: WRITE,
  async run(args, ctx) {
    const what = `Apply the billing code "${args.code}" to the AgentRuntime tenant ${ctx.config.agentruntimeTenantId ?? ''}.`;
    return withConsent('agentruntime_billing_apply_code', args, what, {}, ctx, async () => {
      const res = await requestFor(codeRequest, { code: args.code }, ctx);
      return okResult({ done: true, ...(res.json as Record<string, unknown>) }, `Applied: ${what}`);
    });
  },
});

export const billingValidateDiscount = defineEndpoint({
  name: 'agentruntime_billing_validate_discount',
  title: 'Check a discount code',
  description: 'Check whether a discount code is valid and what it gives. Changes nothing.',
  toolset: 'agentruntime_billing',
  method: 'POST',
  origin: 'api',
  path: '/v1/billing/discounts/validate',
  auth: 'tenant',
  input: () => ({ code: billingCode }),
  annotations: READ,
});

export const billingEndpoints = [billingUsage, billingPlans, billingSummary, billingStatus, billingUsageHistory, billingPaymentHistory, billingActionPricing, billingUsageDimensions, billingSubscribe, billingChangePlan, billingCancel, billingStartTrial, billingConvertTrial, billingApplyCode, billingValidateDiscount];
