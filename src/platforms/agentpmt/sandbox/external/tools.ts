import { simulateResult } from "../account.js";
import type { CatalogAction, CatalogProduct } from "../catalog.js";
import { Issues, intParam, lastQueryValue, readJsonObjectBody, type ValidationIssue } from "../fastapi.js";
import { isPlainObject, json, type RequestContext, type SandboxResponse } from "../http.js";
import { validateValue } from "../schema.js";
import { creditsToUsd, externalError } from "./common.js";
import { debitWallet } from "./credits.js";
import { signedFieldsOf, verifySignedRequest } from "./verify.js";
import {
  BASE_UNITS_PER_CREDIT,
  buildChallenge,
  challengeStyleOf,
  handlePayment,
  hasPaymentHeader,
  offerFor,
  paymentRequired,
  requestKeyOf,
  SANDBOX_PAYEE,
  tokenFor,
  type X402Token,
} from "./x402.js";

export { SANDBOX_PAYEE } from "./x402.js";

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

/** What a direct x402 invoke accepts, in challenge order: USDC on Base, Base Sepolia and Arbitrum, EURC on Base. */
const TOOL_TOKENS: readonly X402Token[] = [tokenFor(8453, "USDC")!, tokenFor(84532, "USDC")!, tokenFor(42161, "USDC")!, tokenFor(8453, "EURC")!];

const SIGNED_KEYS = ["wallet_address", "session_nonce", "request_id", "signature"] as const;
const CREDIT_BODY_KEYS = new Set<string>([...SIGNED_KEYS, "parameters"]);

function actionJson(a: CatalogAction): Record<string, unknown> {
  return { slug: a.slug, name: a.name, description: a.description, parameters: a.parameters, price_credits: a.price_credits, price_usd: creditsToUsd(a.price_credits) };
}

function toolItem(p: CatalogProduct): Record<string, unknown> {
  const x402 = p.actions.some((a) => a.price_credits > 0);
  return {
    product_id: p.product_id,
    slug: p.slug,
    name: p.name,
    display_name: p.display_name,
    description: p.description,
    category: p.category,
    actions: p.actions.map(actionJson),
    payment_options: x402 ? ["agentpmt_credits", "x402"] : ["agentpmt_credits"],
  };
}

/** The 'alternate' listing variant: other keys for the same facts (no slug, no parameters, USD prices only). */
function alternateItem(p: CatalogProduct): Record<string, unknown> {
  return {
    id: p.product_id,
    product_slug: p.slug,
    name: p.name,
    title: p.display_name,
    summary: p.description,
    category_name: p.category,
    functions: p.actions.map((a) => ({ action_slug: a.slug, title: a.name, summary: a.description, input_schema: a.parameters, price_usd: creditsToUsd(a.price_credits) })),
  };
}

/** Relevance of one product for the search tokens; 0 = no match. */
function relevance(p: CatalogProduct, tokens: string[]): number {
  let score = 0;
  for (const t of tokens) {
    if (p.slug.includes(t) || p.name.toLowerCase().includes(t)) score += 5;
    if (p.display_name.toLowerCase().includes(t)) score += 4;
    if (p.category.toLowerCase().includes(t)) score += 3;
    if (p.actions.some((a) => a.slug.includes(t) || a.name.includes(t))) score += 2;
    if (p.description.toLowerCase().includes(t) || p.actions.some((a) => a.description.toLowerCase().includes(t))) score += 1;
  }
  return score;
}

/** GET /api/external/tools?query=&categories=&page=&page_size= (public). */
export function listTools(ctx: RequestContext): SandboxResponse {
  const issues = new Issues();
  const page = intParam(lastQueryValue(ctx.query, "page"), ["query", "page"], issues, { ge: 1 }) ?? 1;
  const pageSize = intParam(lastQueryValue(ctx.query, "page_size"), ["query", "page_size"], issues, { ge: 1, le: MAX_PAGE_SIZE }) ?? DEFAULT_PAGE_SIZE;
  issues.throwIfAny();
  const tokens = (lastQueryValue(ctx.query, "query") ?? "").toLowerCase().split(/[\s,]+/).filter((t) => t !== "");
  const categories = (lastQueryValue(ctx.query, "categories") ?? "").split(",").map((c) => c.trim().toLowerCase()).filter((c) => c !== "");

  let products = ctx.state.catalog.products.filter((p) => categories.length === 0 || categories.includes(p.category.toLowerCase()));
  if (tokens.length > 0) {
    products = products
      .map((p, order) => ({ p, order, score: relevance(p, tokens) }))
      .filter((x) => x.score > 0)
      .sort((a, b) => b.score - a.score || a.order - b.order)
      .map((x) => x.p);
  }
  const total = products.length;
  const totalPages = Math.ceil(total / pageSize);
  const hasMore = page < totalPages;
  const pageItems = products.slice((page - 1) * pageSize, page * pageSize);
  if (ctx.state.external.config.variant.listing === "alternate") {
    return json(200, { success: true, data: { items: pageItems.map(alternateItem) }, meta: { page, per_page: pageSize, total: total, pages: totalPages } });
  }
  return json(200, {
    success: true,
    tools: pageItems.map(toolItem),
    pagination: {
      page,
      page_size: pageSize,
      total_count: total,
      total_pages: totalPages,
      has_more: hasMore,
      next_page: hasMore ? page + 1 : null,
      default_page_size: DEFAULT_PAGE_SIZE,
      max_page_size: MAX_PAGE_SIZE,
    },
  });
}

function findTarget(ctx: RequestContext, productSlug: string, actionSlug: string): { product: CatalogProduct; action: CatalogAction } {
  const product = ctx.state.catalog.products.find((p) => p.slug === productSlug);
  if (!product) throw externalError(404, "TOOL_NOT_FOUND", `No tool with slug '${productSlug}'. List tools with GET /api/external/tools.`);
  const action = product.actions.find((a) => a.slug === actionSlug);
  if (!action) {
    throw externalError(404, "ACTION_NOT_FOUND", `Tool '${productSlug}' has no action with slug '${actionSlug}'.`, {
      available_actions: product.actions.map((a) => a.slug),
    });
  }
  return { product, action };
}

/** The flaky product's behaviour: a vendor failure before anything is charged, or a slow vendor. */
async function vendorBehaviour(ctx: RequestContext, product: CatalogProduct, action: CatalogAction, params: Record<string, unknown>): Promise<void> {
  if (product.name !== "sandbox_flaky") return;
  if (action.name === "vendor_error") {
    throw externalError(502, "VENDOR_ERROR", `The vendor behind ${product.slug} failed to answer (upstream HTTP 500). Nothing was charged; try again later or use another tool.`);
  }
  if (action.name === "slow") {
    const ms = (typeof params.seconds === "number" ? params.seconds : 40) * 1000;
    await (ctx.sleep ? ctx.sleep(ms) : new Promise((r) => setTimeout(r, ms)));
  }
}

function checkParameters(action: CatalogAction, params: Record<string, unknown>, root: string): void {
  const problems: ValidationIssue[] = [];
  validateValue(params, action.parameters, [root], problems);
  if (problems.length === 0) return;
  const summary = problems.map((p) => `${p.loc.join(".")}: ${p.msg}`).join("; ");
  throw externalError(400, "INVALID_PARAMETERS", `Invalid parameters for ${action.slug}: ${summary}`, {
    errors: problems.map(({ loc, msg, type }) => ({ loc, msg, type })),
  });
}

/** POST /api/external/tools/{productSlug}/actions/{actionSlug}/invoke: signed credits or direct x402. */
export async function invokeTool(ctx: RequestContext): Promise<SandboxResponse> {
  const productSlug = ctx.params.productSlug ?? "";
  const actionSlug = ctx.params.actionSlug ?? "";
  const body = readJsonObjectBody(ctx);
  const signedMode = SIGNED_KEYS.some((k) => Object.hasOwn(body, k));
  if (signedMode && hasPaymentHeader(ctx)) {
    throw externalError(400, "MIXED_PAYMENT_MODES", "The request carries both signed AgentPMT credit fields and an x402 payment header. Use one payment mode per request.");
  }
  return signedMode ? invokeWithCredits(ctx, body, productSlug, actionSlug) : invokeDirect(ctx, body, productSlug, actionSlug);
}

async function invokeWithCredits(ctx: RequestContext, body: Record<string, unknown>, productSlug: string, actionSlug: string): Promise<SandboxResponse> {
  const issues = new Issues();
  const signed = signedFieldsOf(body, issues);
  const parameters = body.parameters;
  if (parameters === undefined) issues.add({ type: "missing", loc: ["body", "parameters"], msg: "Field required", input: body });
  else if (!isPlainObject(parameters)) issues.add({ type: "dict_type", loc: ["body", "parameters"], msg: "Input should be a valid dictionary", input: parameters });
  issues.throwIfAny();
  const extra = Object.keys(body).filter((k) => !CREDIT_BODY_KEYS.has(k));
  if (extra.length > 0) {
    throw externalError(400, "BODY_MISMATCH", `Signed credit requests carry the action's arguments under 'parameters'; unexpected top-level field(s): ${extra.join(", ")}.`, {
      unexpected_fields: extra,
    });
  }
  const params = parameters as Record<string, unknown>;
  const wallet = await verifySignedRequest(ctx, signed!, { shape: "invoke", productSlug, actionSlug, payload: params });
  const { product, action } = findTarget(ctx, productSlug, actionSlug);
  checkParameters(action, params, "parameters");
  await vendorBehaviour(ctx, product, action, params);
  const ext = ctx.state.external;
  const balanceAfter = debitWallet(ext, wallet, action.price_credits, `${product.slug}/${action.slug}`);
  ext.counters.invocations += 1;
  return json(200, {
    success: true,
    response: simulateResult(product, action, params),
    credits_charged: action.price_credits,
    balance_after: balanceAfter,
  });
}

/**
 * Direct x402 mode: the body is the action's parameters. Without a payment → 402 challenge;
 * with one → verify, settle, run the action once. The sandbox cannot know the body that was
 * priced, so the paid request's parameters are simply validated again.
 */
async function invokeDirect(ctx: RequestContext, body: Record<string, unknown>, productSlug: string, actionSlug: string): Promise<SandboxResponse> {
  const { product, action } = findTarget(ctx, productSlug, actionSlug);
  if (action.price_credits === 0) {
    throw externalError(404, "X402_NOT_AVAILABLE", `${product.slug}/${action.slug} is free, so it cannot be bought with x402; call it with a signed credit request.`);
  }
  checkParameters(action, body, "body");
  if (action.name === "vendor_error") await vendorBehaviour(ctx, product, action, body);
  const usdBaseUnits = BigInt(action.price_credits) * BASE_UNITS_PER_CREDIT;
  const offers = TOOL_TOKENS.map((t) => offerFor(t, usdBaseUnits, SANDBOX_PAYEE));
  const challenge = buildChallenge(
    challengeStyleOf(ctx),
    {
      url: `${ctx.baseUrl}/api/external/tools/${encodeURIComponent(product.slug)}/actions/${encodeURIComponent(action.slug)}/invoke`,
      description: `${product.display_name}: ${action.slug}`,
      mimeType: "application/json",
    },
    offers,
  );
  if (!hasPaymentHeader(ctx)) return paymentRequired(challenge);
  return handlePayment(ctx, {
    challenge,
    offers,
    requestKey: requestKeyOf(ctx, body),
    fulfil: () => {
      ctx.state.external.counters.invocations += 1;
      return { response: simulateResult(product, action, body) };
    },
  });
}
