/** What a sandbox handler answers; serialised as JSON unless `raw` is given. */
export interface SandboxResponse {
  status: number;
  json?: unknown;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Answer nothing: destroy the connection (a fault that simulates a lost answer). */
  destroySocket?: boolean;
  /**
   * A streamed answer (Server-Sent Events, say): the kit writes the status and headers,
   * then hands the response over; `signal` aborts when the client goes away.
   */
  stream?: (write: (chunk: string) => boolean, signal: AbortSignal) => Promise<void>;
}

/** The request as every platform sandbox sees it, before platform state is attached. */
export interface KitRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Lowercased names; repeated headers joined with ", ". */
  headers: Record<string, string | undefined>;
  body: Buffer;
  params: Record<string, string>;
  /** Absolute origin of the listener that took the request. */
  baseUrl: string;
  /** The TCP peer's address (per-IP pacing). */
  remoteAddress: string;
  now: () => number;
  /** A wait that close() cuts short (handlers that answer late). */
  sleep?: (ms: number) => Promise<void>;
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
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
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

/** One Server-Sent Event as it goes on the wire. */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
