import type http from 'node:http';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';

/**
 * Node's request and response to and from the SDK's web-standard Streamable HTTP transport,
 * without the framework adapter the SDK's Node transport builds for every request (profiled:
 * about a tenth of the server's time per call at 50 sessions). And one thing the SDK cannot
 * do per request: answer in plain JSON when nothing needs a stream. The SDK chooses SSE or
 * JSON once per transport; JSON mode would drop progress and elicitation, SSE costs every
 * client an event-stream parse per call. So the transport stays in SSE mode and a POST that
 * cannot produce anything but its answers (`streamable` false) has its stream read here and
 * sent as the JSON body the SDK's JSON mode would have sent. Anything else on that stream
 * (not expected) is passed on as the stream it was, only later. (Only initialize and batches
 * come here with a body: session-transport.ts answers a single request directly.)
 */
export async function bridgeToWebTransport(
  transport: WebStandardStreamableHTTPServerTransport,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  parsedBody: unknown,
  streamable: boolean,
): Promise<void> {
  // Only a client that leaves before its answer is finished cancels anything.
  const aborted = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) aborted.abort();
  });
  const response = await transport.handleRequest(requestView(req), parsedBody === undefined ? {} : { parsedBody });
  const outHeaders = Object.fromEntries(response.headers.entries());
  if (!response.body) {
    res.writeHead(response.status, outHeaders).end();
    return;
  }
  const isStream = response.headers.get('content-type')?.startsWith('text/event-stream') === true;
  if (isStream && !streamable) {
    const text = await response.text();
    const single = onlyMessage(text);
    if (single !== undefined) {
      delete outHeaders['cache-control'];
      delete outHeaders['connection'];
      delete outHeaders['x-accel-buffering'];
      res.writeHead(response.status, { ...outHeaders, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(single)) }).end(single);
    } else {
      res.writeHead(response.status, outHeaders).end(text);
    }
    return;
  }
  if (!isStream) {
    res.writeHead(response.status, outHeaders).end(Buffer.from(await response.arrayBuffer()));
    return;
  }
  res.writeHead(response.status, outHeaders);
  res.flushHeaders();
  const reader = response.body.getReader();
  aborted.signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
  } catch {
    // The client went away or the session closed: the stream ends here.
  } finally {
    res.end();
  }
}

/**
 * What the transport reads of a request: its method, URL and headers (the body arrives parsed,
 * so `json()` is never called). A web `Request` and its `Headers` cost about a tenth of a call's
 * server time at 50 sessions (profiled) for the same three things, read from Node's own objects.
 */
function requestView(req: http.IncomingMessage): Request {
  const one = (name: string): string | null => {
    const v = req.headers[name.toLowerCase()];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  };
  const entries = function* (): IterableIterator<[string, string]> {
    for (const name of Object.keys(req.headers)) yield [name, one(name)!];
  };
  const headers = { get: one, has: (name: string) => one(name) !== null, entries, [Symbol.iterator]: entries, forEach: (fn: (value: string, name: string) => void) => { for (const [k, v] of entries()) fn(v, k); } };
  return { method: req.method ?? 'GET', url: `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, headers } as unknown as Request;
}

/**
 * The data of an SSE text holding exactly one event and nothing else that matters (the
 * SDK may send a priming event with an id and empty data first); undefined otherwise.
 */
function onlyMessage(text: string): string | undefined {
  let found: string | undefined;
  for (const block of text.split('\n\n')) {
    const data = block
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(l.startsWith('data: ') ? 6 : 5));
    if (data.length === 0 || (data.length === 1 && data[0] === '')) continue;
    if (found !== undefined) return undefined;
    found = data.join('\n');
  }
  return found;
}
