import type { KitRequest, SandboxResponse } from "../../../sandbox-kit/http.js";
import { Router as KitRouter, type RouteDef as KitRouteDef } from "../../../sandbox-kit/router.js";
import { escapeHtml, html, json } from "../../../sandbox-kit/http.js";
import type { SandboxState } from "./state.js";

export { escapeHtml, html, HttpError, isPlainObject, javascript, json, parseJsonBody, type JsonBody, type SandboxResponse } from "../../../sandbox-kit/http.js";

/**
 * The two platform origins answer errors differently: the FastAPI account API with
 * `{detail}`, the Next.js web origin with `{success:false, error, message}`, embeds with HTML.
 * Every route declares which family it belongs to so generic failures (401, 405, 413, 500)
 * come back in the envelope the real origin would use.
 */
export type ErrorStyle = "fastapi" | "webhook" | "html";

/** Auth the dispatcher enforces before a handler runs. Signed/x402 routes use "none" and check in the handler. */
export type AuthKind = "none" | "bearer";

export interface RequestContext extends KitRequest {
  state: SandboxState;
}

export type Handler = (ctx: RequestContext) => SandboxResponse | Promise<SandboxResponse>;
export type RouteDef = KitRouteDef<Handler, ErrorStyle, AuthKind>;

export class Router extends KitRouter<Handler, ErrorStyle, AuthKind> {
  constructor() {
    super("fastapi");
  }
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
