import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { CatalogAction, CatalogProduct } from "./catalog.js";
import { InsufficientCreditsError } from "./credits.js";
import {
  httpException,
  intParam,
  Issues,
  lastQueryValue,
  objectField,
  readJsonObjectBody,
  stringField,
  validationError,
  type ValidationIssue,
} from "./fastapi.js";
import { json, isPlainObject, type RequestContext, type Router, type SandboxResponse } from "./http.js";
import { isObjectId } from "./ids.js";
import { sampleValue, validateValue } from "./schema.js";
import type { IssueRecord, SandboxState } from "./state.js";

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
const DEFAULT_HISTORY_LIMIT = 50;

let jwtPublicKeyPem: string | undefined;

/** One RSA key per process: generating it costs ~100 ms and tests start many sandboxes. */
function jwtPublicKey(): string {
  jwtPublicKeyPem ??= generateKeyPairSync("rsa", { modulusLength: 2048 })
    .publicKey.export({ type: "spki", format: "pem" })
    .toString();
  return jwtPublicKeyPem;
}

export function registerAccountRoutes(router: Router): void {
  const route = (method: string, pattern: string, auth: "none" | "bearer", handler: (ctx: RequestContext) => SandboxResponse) =>
    router.add({ method, pattern, auth, style: "fastapi", handler });

  route("GET", "/health", "none", () => json(200, { status: "ok" }));
  route("GET", "/public/jwt-public-key", "none", () =>
    json(200, {
      success: true,
      public_key: jwtPublicKey(),
      algorithm: "RS256",
      message: "Use this RS256 public key to verify access tokens issued by the AgentPMT API (sandbox key).",
    }),
  );
  route("GET", "/credits/balance", "bearer", creditsBalance);
  route("GET", "/credits/history", "bearer", creditsHistory);
  route("POST", "/issues/report", "bearer", reportIssue);
  route("GET", "/products/fetch", "bearer", fetchProducts);
  route("POST", "/products/purchase", "bearer", purchaseProduct);
}

function creditsBalance(ctx: RequestContext): SandboxResponse {
  const ledger = ctx.state.credits;
  return json(200, {
    success: true,
    message: "Credit balance retrieved successfully",
    data: { balance: ledger.balance(), ...ledger.nextExpiration() },
  });
}

function creditsHistory(ctx: RequestContext): SandboxResponse {
  const issues = new Issues();
  const limit = intParam(lastQueryValue(ctx.query, "limit"), ["query", "limit"], issues, { ge: 1 });
  issues.throwIfAny();
  return json(200, {
    success: true,
    message: "Credit history retrieved successfully",
    data: ctx.state.credits.history(limit ?? DEFAULT_HISTORY_LIMIT),
  });
}

function lookupProduct(
  state: SandboxState,
  identifier: string,
): { product: CatalogProduct | undefined; method: IssueRecord["lookup_method"] } {
  const products = state.catalog.products;
  if (isObjectId(identifier)) {
    const byId = state.catalog.productsById.get(identifier.toLowerCase());
    if (byId) return { product: byId, method: "object_id" };
  }
  const bySlug = products.find((p) => p.slug === identifier);
  if (bySlug) return { product: bySlug, method: "slug" };
  const byName = products.find((p) => p.name === identifier || p.display_name === identifier);
  if (byName) return { product: byName, method: "exact_name" };
  return { product: undefined, method: "not_found" };
}

function reportIssue(ctx: RequestContext): SandboxResponse {
  const body = readJsonObjectBody(ctx);
  const issues = new Issues();
  const productId = stringField(body, "product_id", ["body"], issues, true);
  const errorMessage = stringField(body, "error_message", ["body"], issues, true);
  const improvements = stringField(body, "recommended_improvements", ["body"], issues, false);
  issues.throwIfAny();
  const { product, method } = lookupProduct(ctx.state, productId!);
  const record: IssueRecord = {
    issue_id: ctx.state.ids.next(),
    product_id: productId!,
    product_found: product !== undefined,
    lookup_method: method,
    product_name: product?.display_name ?? null,
    error_message: errorMessage!,
    recommended_improvements: improvements ?? null,
    instance_id: ctx.headers["x-instance-id"] ?? null,
    status: "open",
    created_at: new Date(ctx.now()).toISOString(),
  };
  ctx.state.issues.push(record);
  return json(200, {
    success: true,
    message: product ? "Issue reported successfully" : "Issue recorded; the product identifier did not match a known product",
    data: {
      issue_id: record.issue_id,
      product_found: record.product_found,
      lookup_method: record.lookup_method,
      product_id: record.product_id,
      ...(product ? { product_name: product.display_name } : {}),
      status: record.status,
    },
  });
}

interface InstanceHeaders {
  sentId: string | undefined;
  metadata: Record<string, unknown> | null;
}

/** `x-instance-metadata` is documented as a JSON string describing the agent, so anything else is rejected. */
function readInstanceHeaders(ctx: RequestContext, issues: Issues): InstanceHeaders {
  const rawMeta = ctx.headers["x-instance-metadata"];
  let metadata: Record<string, unknown> | null = null;
  if (rawMeta !== undefined) {
    try {
      const parsed: unknown = JSON.parse(rawMeta);
      if (isPlainObject(parsed)) metadata = parsed;
      else issues.add({ type: "dict_type", loc: ["header", "x-instance-metadata"], msg: "Input should be a JSON object", input: rawMeta });
    } catch (err) {
      issues.add({
        type: "json_invalid",
        loc: ["header", "x-instance-metadata"],
        msg: "Invalid JSON",
        input: rawMeta,
        ctx: { error: err instanceof Error ? err.message : String(err) },
      });
    }
  }
  const sent = ctx.headers["x-instance-id"]?.trim();
  return { sentId: sent ? sent : undefined, metadata };
}

/** Echo the caller's instance id, or mint one the caller can persist and send back. */
function rememberInstance(ctx: RequestContext, headers: InstanceHeaders): string {
  const instanceId = headers.sentId ?? `inst_${randomBytes(12).toString("hex")}`;
  const at = new Date(ctx.now()).toISOString();
  const known = ctx.state.instances.get(instanceId);
  ctx.state.instances.set(instanceId, {
    instance_id: instanceId,
    metadata: headers.metadata ?? known?.metadata ?? null,
    first_seen_at: known?.first_seen_at ?? at,
    last_seen_at: at,
  });
  return instanceId;
}

function toolJson(p: CatalogProduct): Record<string, unknown> {
  return {
    product_id: p.product_id,
    name: p.name,
    slug: p.slug,
    display_name: p.display_name,
    description: p.description,
    category: p.category,
    actions: p.actions.map((a) => ({ ...a })),
  };
}

function exampleArguments(action: CatalogAction): Record<string, unknown> {
  const sample = sampleValue(action.parameters);
  return { action: action.name, ...(isPlainObject(sample) ? sample : {}) };
}

function exampleToolCall(baseUrl: string, tool: CatalogProduct | undefined): string {
  const product = tool;
  const action = product?.actions[0];
  const body = product && action
    ? { product_id: product.product_id, parameters: exampleArguments(action) }
    : { product_id: "<product_id>", parameters: { action: "<action_name>" } };
  return [
    `curl -X POST "${baseUrl}/products/purchase"`,
    `  -H "Authorization: Bearer <token>"`,
    `  -H "Content-Type: application/json"`,
    `  -d '${JSON.stringify(body)}'`,
  ].join(" \\\n");
}

function preprompt(tools: CatalogProduct[], total: number): string {
  if (tools.length === 0) {
    return total === 0
      ? "No tools are available in this budget yet. Ask the account owner to add tools to the budget in the AgentPMT dashboard."
      : `This page contains no tools; ${total} tools are available on earlier pages.`;
  }
  return (
    `You can use ${total} AgentPMT tools. Each tool lists its actions, their JSON Schema parameters and their price in credits. ` +
    `To call one, POST /products/purchase with {"product_id": <tool product_id>, "parameters": {"action": <action name>, ...arguments}}. ` +
    `The price is debited from the account's credit balance (100 credits = 1 USD). If a tool fails, report it with POST /issues/report.`
  );
}

function fetchProducts(ctx: RequestContext): SandboxResponse {
  const issues = new Issues();
  const headerPage = ctx.headers["x-page"];
  const headerSize = ctx.headers["x-page-size"];
  // Headers take precedence; the query value is then ignored entirely (not even validated).
  const page =
    headerPage !== undefined
      ? intParam(headerPage, ["header", "x-page"], issues, { ge: 1 })
      : intParam(lastQueryValue(ctx.query, "page"), ["query", "page"], issues, { ge: 1 });
  const pageSize =
    headerSize !== undefined
      ? intParam(headerSize, ["header", "x-page-size"], issues, { ge: 1, le: MAX_PAGE_SIZE })
      : intParam(lastQueryValue(ctx.query, "page_size"), ["query", "page_size"], issues, { ge: 1, le: MAX_PAGE_SIZE });
  const instance = readInstanceHeaders(ctx, issues);
  issues.throwIfAny();
  const instanceId = rememberInstance(ctx, instance);

  const pageNo = page ?? 1;
  const size = pageSize ?? DEFAULT_PAGE_SIZE;
  const all = ctx.state.catalog.products;
  const total = all.length;
  const totalPages = Math.ceil(total / size);
  const tools = all.slice((pageNo - 1) * size, pageNo * size);
  const hasNext = pageNo < totalPages;
  const hasPrev = pageNo > 1;
  return json(200, {
    success: true,
    instance_id: instanceId,
    details: {
      tools_on_this_page: tools.length,
      total_qualified_tools: total,
      page_returned: pageNo,
      page_size_requested: size,
      page_source: headerPage !== undefined ? "header" : "query",
      page_size_source: headerSize !== undefined ? "header" : "query",
      total_pages: totalPages,
      has_next_page: hasNext,
      has_previous_page: hasPrev,
    },
    preprompt: preprompt(tools, total),
    tools: tools.map(toolJson),
    pagination: { page: pageNo, page_size: size, total_count: total, total_pages: totalPages, has_next: hasNext, has_prev: hasPrev },
    example_tool_call: exampleToolCall(ctx.baseUrl, tools[0] ?? all[0]),
  });
}

/** Deterministic stand-in for the tool's own output. */
export function simulateResult(product: CatalogProduct, action: CatalogAction, args: Record<string, unknown>): Record<string, unknown> {
  if (product.name === "sandbox_echo" && action.name === "echo") {
    const repeat = typeof args.repeat === "number" ? args.repeat : 1;
    const message = typeof args.message === "string" ? args.message : "hello from the sandbox";
    return { message: Array.from({ length: repeat }, () => message).join(" ") };
  }
  if (product.name === "sandbox_echo" && action.name === "ping") return { pong: true };
  return { summary: `Sandbox executed ${product.name}.${action.name}; no real work was performed.`, arguments: args };
}

function purchaseProduct(ctx: RequestContext): SandboxResponse {
  const body = readJsonObjectBody(ctx);
  const issues = new Issues();
  const productId = stringField(body, "product_id", ["body"], issues, true);
  const parameters = objectField(body, "parameters", ["body"], issues, false);
  const instance = readInstanceHeaders(ctx, issues);
  issues.throwIfAny();

  const product = isObjectId(productId!) ? ctx.state.catalog.productsById.get(productId!.toLowerCase()) : undefined;
  if (!product) throw httpException(404, `Product not found: '${productId}'. Use a product_id returned by GET /products/fetch.`);

  const params = parameters ?? {};
  const actionValue = params.action;
  if (actionValue === undefined || actionValue === null) {
    throw validationError([
      { type: "missing", loc: ["body", "parameters", "action"], msg: "Field required", input: params },
    ]);
  }
  if (typeof actionValue !== "string") {
    throw validationError([
      { type: "string_type", loc: ["body", "parameters", "action"], msg: "Input should be a valid string", input: actionValue },
    ]);
  }
  const action = product.actions.find((a) => a.name === actionValue);
  if (!action) {
    const bySlug = product.actions.find((a) => a.slug === actionValue);
    const hint = bySlug ? ` Did you mean '${bySlug.name}'? Actions are addressed by name, not slug.` : "";
    throw httpException(
      400,
      `Unknown action '${actionValue}' for product '${product.name}'. Available actions: ${product.actions.map((a) => a.name).join(", ")}.${hint}`,
    );
  }

  const { action: _omit, ...args } = params;
  const problems: ValidationIssue[] = [];
  validateValue(args, action.parameters, ["body", "parameters"], problems);
  if (problems.length > 0) throw validationError(problems);

  const ledger = ctx.state.credits;
  try {
    ledger.debit(action.price_credits);
  } catch (err) {
    if (err instanceof InsufficientCreditsError) {
      throw httpException(
        402,
        `Insufficient credits: your balance is ${err.balance} credits but ${product.name}.${action.name} costs ${err.price} credits. ` +
          `Add credits and retry.`,
      );
    }
    throw err;
  }
  const instanceId = rememberInstance(ctx, instance);
  const orderId = `ord_${ctx.state.ids.next()}`;
  ctx.state.orders.push({
    order_id: orderId,
    product_id: product.product_id,
    action: action.name,
    price_credits: action.price_credits,
    instance_id: instanceId,
    created_at: new Date(ctx.now()).toISOString(),
  });
  return json(200, {
    success: true,
    data: {
      product_id: product.product_id,
      product_name: product.name,
      action: action.name,
      credits_charged: action.price_credits,
      balance_after: ledger.balance(),
      result: simulateResult(product, action, args),
    },
    order_id: orderId,
    instance_id: instanceId,
  });
}
