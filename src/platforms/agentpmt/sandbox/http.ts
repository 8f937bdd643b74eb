import type { SandboxState } from "./state.js";

/**
 * The two platform origins answer errors differently: the FastAPI account API with
 * `{detail}`, the Next.js web origin with `{success:false, error, message}`, embeds with HTML.
 * Every route declares which family it belongs to so generic failures (401, 405, 413, 500)
 * come back in the envelope the real origin would use.
 */
export type ErrorStyle = "fastapi" | "webhook" | "html";

/** Auth the dispatcher enforces before a handler runs. Signed/x402 routes use "none" and check in the handler. */
export type AuthKind = "none" | "bearer";

export interface SandboxResponse {
  status: number;
  /** Serialised as JSON unless `raw` is given. */
  json?: unknown;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Answer nothing: destroy the connection (x402 fault mode dropAfterSettle). */
  destroySocket?: boolean;
}

export interface RequestContext {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Lowercased names; repeated headers joined with ", ". */
  headers: Record<string, string | undefined>;
  body: Buffer;
  params: Record<string, string>;
  /** Absolute origin of this sandbox, used for status_url and example calls. */
  baseUrl: string;
  /** The TCP peer's address (per-IP pacing). */
  remoteAddress: string;
  state: SandboxState;
  now: () => number;
  /** A wait that close() cuts short (handlers that answer late). Falls back to setTimeout when absent. */
  sleep?: (ms: number) => Promise<void>;
}

export type Handler = (ctx: RequestContext) => SandboxResponse | Promise<SandboxResponse>;

export interface RouteDef {
  method: string;
  pattern: string;
  style: ErrorStyle;
  auth: AuthKind;
  handler: Handler;
}

/** Thrown by handlers and helpers to short-circuit with a fully formed response. */
export class HttpError extends Error {
  constructor(readonly response: SandboxResponse) {
    super(`HTTP ${response.status}`);
  }
}

export function json(status: number, body: unknown, headers?: Record<string, string>): SandboxResponse {
  return headers ? { status, json: body, headers } : { status, json: body };
}

export function html(status: number, document: string, headers?: Record<string, string>): SandboxResponse {
  return { status, raw: document, contentType: "text/html; charset=utf-8", ...(headers ? { headers } : {}) };
}

export function javascript(status: number, source: string): SandboxResponse {
  return { status, raw: source, contentType: "application/javascript; charset=utf-8" };
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function htmlErrorPage(status: number, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${status} | AgentPMT</title></head>` +
    `<body><h1>${status}</h1><p>${escapeHtml(message)}</p></body></html>`;
}

/** One place that knows each family's error envelope. */
export function errorResponse(style: ErrorStyle, status: number, code: string, message: string, headers?: Record<string, string>): SandboxResponse {
  switch (style) {
    case "webhook":
      return json(status, { success: false, error: code, message }, headers);
    case "html":
      return html(status, htmlErrorPage(status, message), headers);
    case "fastapi":
      return json(status, { detail: message }, headers);
  }
}

interface CompiledRoute extends RouteDef {
  segments: string[];
  staticCount: number;
}

export type RouteMatch =
  | { kind: "found"; route: RouteDef; params: Record<string, string> }
  | { kind: "method_not_allowed"; allow: string[]; style: ErrorStyle }
  | { kind: "not_found" };

/**
 * Minimal path router: `:name` segments capture one decoded path segment. When several
 * patterns match, the one with more literal segments wins, so `/runs/:id` beats `/:workflowId/...`.
 */
export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(def: RouteDef): void {
    const segments = splitPath(def.pattern);
    this.routes.push({
      ...def,
      method: def.method.toUpperCase(),
      segments,
      staticCount: segments.filter((s) => !s.startsWith(":")).length,
    });
  }

  resolve(method: string, path: string): RouteMatch {
    const candidates = this.pathMatches(path);
    if (candidates.length === 0) return { kind: "not_found" };
    const wanted = method.toUpperCase();
    const byMethod = candidates.filter(
      ({ route }) => route.method === wanted || (wanted === "HEAD" && route.method === "GET"),
    );
    const best = byMethod[0];
    if (best) return { kind: "found", route: best.route, params: best.params };
    const allow = [...new Set(candidates.map(({ route }) => route.method))];
    if (allow.includes("GET")) allow.push("HEAD");
    return { kind: "method_not_allowed", allow, style: candidates[0]!.route.style };
  }

  /** Error family for a path regardless of method, for failures that happen before routing. */
  styleFor(path: string): ErrorStyle {
    return this.pathMatches(path)[0]?.route.style ?? "fastapi";
  }

  private pathMatches(path: string): Array<{ route: CompiledRoute; params: Record<string, string> }> {
    const parts = splitPath(path);
    const out: Array<{ route: CompiledRoute; params: Record<string, string> }> = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (params) out.push({ route, params });
    }
    // Stable sort keeps registration order between equally specific routes.
    return out.sort((a, b) => b.route.staticCount - a.route.staticCount);
  }
}

function splitPath(path: string): string[] {
  return path.split("/").slice(1);
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = parts[i]!;
    if (expected.startsWith(":")) {
      if (actual === "") return undefined;
      let decoded: string;
      try {
        decoded = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
      params[expected.slice(1)] = decoded;
    } else if (expected !== actual) {
      return undefined;
    }
  }
  return params;
}

export type JsonBody =
  | { kind: "empty" }
  | { kind: "json"; value: unknown }
  | { kind: "invalid"; position: number; reason: string }
  /** A non-empty body sent with a content type that is not JSON. */
  | { kind: "not_json"; text: string };

/**
 * Mirrors FastAPI: a body is parsed as JSON when there is no content type or an
 * `application/json` / `application/*+json` one; otherwise it is handed over as raw text.
 */
export function parseJsonBody(body: Buffer, contentType: string | undefined): JsonBody {
  if (body.length === 0) return { kind: "empty" };
  const text = body.toString("utf8");
  if (contentType !== undefined && contentType.trim() !== "") {
    const mime = contentType.split(";")[0]!.trim().toLowerCase();
    const isJson = mime === "application/json" || (mime.startsWith("application/") && mime.endsWith("+json"));
    if (!isJson) return { kind: "not_json", text };
  }
  try {
    return { kind: "json", value: JSON.parse(text) as unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(message);
    return { kind: "invalid", position: pos ? Number(pos[1]) : 0, reason: message };
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
