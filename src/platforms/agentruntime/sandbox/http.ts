import type { KitRequest, SandboxResponse } from "../../../sandbox-kit/http.js";
import { HttpError, json } from "../../../sandbox-kit/http.js";
import { Router as KitRouter } from "../../../sandbox-kit/router.js";
import type { ArState, Pat, Role, Scope } from "./state.js";

export { HttpError, isPlainObject, json, parseJsonBody, type SandboxResponse } from "../../../sandbox-kit/http.js";

/** What a route requires before its handler runs: the headers it is scoped by, the least project role, the PAT scope. */
export interface Access {
  /** project: X-Tenant-Id + X-Project-Id; tenant: X-Tenant-Id; ingress: the handler checks PAT + HMAC itself. */
  scope: "project" | "tenant" | "ingress";
  role: Role;
  patScope: Scope;
}

export interface ArRequest extends KitRequest {
  state: ArState;
  /** The caller's PAT (absent on the ingress, which checks its own). */
  pat?: Pat;
}

export type Handler = (req: ArRequest) => SandboxResponse | Promise<SandboxResponse>;

export class Router extends KitRouter<Handler, "json", string> {
  readonly access = new Map<string, Access>();

  constructor() {
    super("json");
  }

  on(method: string, pattern: string, access: Access, handler: Handler): void {
    const key = `${method.toUpperCase()} ${pattern}`;
    this.access.set(key, access);
    this.add({ method, pattern, style: "json", auth: key, handler });
  }
}

/** AgentRuntime's error envelope (most endpoints): `{error: <code>, message, data?}`. */
export function arError(status: number, code: string, message: string, data?: Record<string, unknown>, headers?: Record<string, string>): SandboxResponse {
  return json(status, { error: code, message, ...(data ? { data } : {}) }, headers);
}

/** Reads a JSON object body, or throws the 400/415 the platform would answer. */
export function objectBody(req: KitRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  const ct = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  if (ct !== "application/json") throw new HttpError(arError(415, "unsupported_media_type", "Content-Type must be application/json"));
  let v: unknown;
  try {
    v = JSON.parse(req.body.toString("utf8"));
  } catch {
    throw new HttpError(arError(400, "validation_error", "body is not valid JSON"));
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new HttpError(arError(400, "validation_error", "body must be a JSON object"));
  return v as Record<string, unknown>;
}

/** Answers 400 naming the field, as the platform's validation does. */
export function invalid(field: string, message: string): never {
  throw new HttpError(arError(400, "validation_error", `${field}: ${message}`, { field }));
}

export function notFound(code: string, message: string): never {
  throw new HttpError(arError(404, code, message));
}

export const str = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";
