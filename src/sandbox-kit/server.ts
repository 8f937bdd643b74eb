import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { HttpError, type KitRequest, type SandboxResponse } from "./http.js";

/** A canned answer (or delay) for matching requests: how tests make a sandbox misbehave. */
export interface SandboxFault {
  method?: string;
  /** Exact path, or a prefix ending in '*'. Query strings are not part of the match. */
  path: string;
  delayMs?: number;
  status?: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** How many requests the fault applies to. Default: unlimited. */
  times?: number;
}

export interface SandboxRequestRecord {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | undefined>;
  body: string;
  status: number;
  at: number;
}

export interface KitOptions<Tag extends string> {
  /** For log lines: "agentpmt sandbox". */
  name: string;
  host?: string;
  now?: () => number;
  maxBodyBytes?: number;
  /** The platform's dispatcher: route, check auth, run the handler. */
  dispatch(req: KitRequest, tag: Tag): Promise<SandboxResponse>;
  /** The platform's wording of a generic failure for this path (413, 500). */
  errorFor(path: string, status: 413 | 500, message: string): SandboxResponse;
  /** The body a fault answers with when it names none. */
  defaultFaultBody?: string;
}

/** The generic half of a platform sandbox: listeners, body reading, request log, faults, late answers, close. */
export interface SandboxHttp<Tag extends string> {
  /** Starts a listener; requests on it reach dispatch with `tag`. Returns its origin. */
  listen(tag: Tag, port: number): Promise<{ url: string; port: number }>;
  readonly requests: SandboxRequestRecord[];
  addFault(f: SandboxFault): void;
  clearFaults(): void;
  /** A wait that close() cuts short. */
  sleep(ms: number): Promise<void>;
  readonly closed: boolean;
  close(): Promise<void>;
}

/** Past this we stop draining an oversized upload and drop the connection. */
const HARD_BODY_CAP_BYTES = 32 * 1024 * 1024;

function lowercaseHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}

type BodyResult = { kind: "ok"; body: Buffer } | { kind: "too_large" } | { kind: "aborted" };

/** Keeps at most `max` bytes; an oversized body is drained rather than cut off, so the client sees a clean 413. */
function readBody(req: IncomingMessage, max: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyResult) => {
      if (!done) {
        done = true;
        resolve(r);
      }
    };
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
      else if (size > HARD_BODY_CAP_BYTES) {
        req.destroy();
        finish({ kind: "aborted" });
      }
    });
    req.on("end", () => finish(size > max ? { kind: "too_large" } : { kind: "ok", body: Buffer.concat(chunks) }));
    req.on("error", () => finish({ kind: "aborted" }));
    req.on("close", () => finish({ kind: "aborted" }));
  });
}

function splitUrl(rawUrl: string): { path: string; query: string } {
  // Split by hand: `new URL("//x", base)` would read "//x" as a host.
  const withoutFragment = rawUrl.split("#")[0]!;
  const q = withoutFragment.indexOf("?");
  return q === -1 ? { path: withoutFragment, query: "" } : { path: withoutFragment.slice(0, q), query: withoutFragment.slice(q + 1) };
}

function faultMatches(f: SandboxFault, method: string, path: string): boolean {
  if (f.method !== undefined && f.method.toUpperCase() !== method.toUpperCase()) return false;
  return f.path.endsWith("*") ? path.startsWith(f.path.slice(0, -1)) : path === f.path;
}

export function createSandboxHttp<Tag extends string>(opts: KitOptions<Tag>): SandboxHttp<Tag> {
  const host = opts.host ?? "127.0.0.1";
  const now = opts.now ?? Date.now;
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const requests: SandboxRequestRecord[] = [];
  let faults: SandboxFault[] = [];
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  const streams = new Set<AbortController>();
  let closed = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      timers.add(entry);
    });

  const send = async (res: ServerResponse, record: SandboxRequestRecord, r: SandboxResponse, extraHeaders?: Record<string, string>) => {
    if (res.headersSent || res.destroyed) return;
    if (r.destroySocket) {
      res.destroy(); // record.status stays 0: no answer was given
      return;
    }
    if (r.stream) {
      record.status = r.status;
      res.writeHead(r.status, { "content-type": r.contentType ?? "text/event-stream", "cache-control": "no-cache", ...r.headers, ...extraHeaders });
      res.flushHeaders();
      const gone = new AbortController();
      streams.add(gone);
      res.on("close", () => gone.abort());
      try {
        await r.stream((chunk) => (res.destroyed ? false : res.write(chunk)), gone.signal);
      } finally {
        streams.delete(gone);
        if (!res.destroyed) res.end();
      }
      return;
    }
    // 204 and 304 carry no body: a "null" payload would make the length header lie.
    const payload = r.status === 204 || r.status === 304 ? "" : (r.raw ?? JSON.stringify(r.json ?? null));
    const headers: Record<string, string> = {
      "content-type": r.contentType ?? (r.raw !== undefined ? "text/plain; charset=utf-8" : "application/json"),
      ...r.headers,
      ...extraHeaders,
      "content-length": String(Buffer.byteLength(payload)),
    };
    // Set before writing: tests read the record as soon as their fetch resolves.
    record.status = r.status;
    res.writeHead(r.status, headers);
    res.end(payload);
  };

  const takeFault = (method: string, path: string): SandboxFault | undefined => {
    const f = faults.find((x) => faultMatches(x, method, path));
    if (!f) return undefined;
    if (f.times !== undefined) {
      f.times -= 1;
      if (f.times <= 0) faults = faults.filter((x) => x !== f);
    }
    return f;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, tag: Tag, baseUrl: string) => {
    const method = (req.method ?? "GET").toUpperCase();
    const { path, query } = splitUrl(req.url ?? "/");
    const headers = lowercaseHeaders(req);
    const record: SandboxRequestRecord = { method, path, query, headers, body: "", status: 0, at: now() };
    requests.push(record);
    res.on("finish", () => {
      if (record.status === 0) record.status = res.statusCode;
    });
    const body = await readBody(req, maxBody);
    if (body.kind === "aborted" || closed) return;
    if (body.kind === "too_large") {
      await send(res, record, opts.errorFor(path, 413, `Request body exceeds ${maxBody} bytes.`));
      return;
    }
    record.body = body.body.toString("utf8");

    let faultHeaders: Record<string, string> | undefined;
    const fault = takeFault(method, path);
    if (fault) {
      if (fault.delayMs !== undefined && fault.delayMs > 0) await sleep(fault.delayMs);
      if (closed) return;
      if (fault.status !== undefined || fault.body !== undefined) {
        await send(res, record, {
          status: fault.status ?? 200,
          raw: fault.body ?? opts.defaultFaultBody ?? JSON.stringify({ detail: "Sandbox injected fault" }),
          contentType: fault.contentType ?? "application/json",
          ...(fault.headers ? { headers: fault.headers } : {}),
        });
        return;
      }
      faultHeaders = fault.headers;
    }
    const request = { method, path, query: new URLSearchParams(query), headers, body: body.body, params: {}, baseUrl, remoteAddress: req.socket.remoteAddress ?? "unknown", now, sleep };
    let response: SandboxResponse;
    try {
      response = await opts.dispatch(request, tag);
    } catch (err) {
      if (err instanceof HttpError) response = err.response;
      else {
        process.stderr.write(`[${opts.name}] ${method} ${path} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        response = opts.errorFor(path, 500, "Unexpected sandbox error.");
      }
    }
    await send(res, record, response, faultHeaders);
  };

  return {
    async listen(tag, port) {
      let baseUrl = "";
      const srv = createServer((req, res) => {
        handle(req, res, tag, baseUrl).catch((err: unknown) => {
          process.stderr.write(`[${opts.name}] unhandled: ${String(err)}\n`);
          if (!res.headersSent && !res.destroyed) {
            res.writeHead(500, { "content-type": "application/json" });
            res.end(JSON.stringify({ detail: "Internal Server Error" }));
          }
        });
      });
      srv.on("connection", (socket: Socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      servers.push(srv);
      const bound = await new Promise<number>((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(port, host, () => {
          srv.off("error", reject);
          const address = srv.address();
          if (address === null || typeof address === "string") reject(new Error(`${opts.name}: unexpected server address`));
          else resolve(address.port);
        });
      });
      baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;
      return { url: baseUrl, port: bound };
    },
    requests,
    addFault(f) {
      if (typeof f.path !== "string" || f.path === "") throw new TypeError("addFault: path is required");
      if (f.times !== undefined && (!Number.isInteger(f.times) || f.times < 1)) throw new RangeError("addFault: times must be a positive integer");
      faults.push({ ...f, ...(f.headers ? { headers: { ...f.headers } } : {}) });
    },
    clearFaults() {
      faults = [];
    },
    sleep,
    get closed() {
      return closed;
    },
    close: (() => {
      let closing: Promise<void> | undefined;
      return () =>
        (closing ??= (async () => {
          closed = true;
          for (const t of timers) {
            clearTimeout(t.timer);
            t.wake();
          }
          timers.clear();
          for (const s of streams) s.abort();
          const stopped = servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve())));
          // Keep-alive and in-flight connections would otherwise hold close() open.
          for (const srv of servers) srv.closeAllConnections();
          for (const socket of sockets) socket.destroy();
          await Promise.all(stopped);
        })());
    })(),
  };
}
