import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { CallOptions, HostedTool } from './bridge.js';

/** What registration needs of the bridge (a lazily loaded one included). */
export interface HostedSource {
  list(): readonly HostedTool[];
  onToolsChanged(fn: (tools: readonly HostedTool[]) => void): () => void;
  call(name: string, args: Record<string, unknown>, options?: CallOptions): Promise<CallToolResult>;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** The toolset hosted tools belong to (AGENTPMT_TOOLSETS=hosted,…). */
export const HOSTED_TOOLSET = 'hosted';

/**
 * Upstream validates its own arguments; locally the schema is only what tools/list shows. A
 * loose object carrying upstream's JSON Schema as metadata lists exactly that schema and lets
 * every argument through unchanged (a converted schema could reject what upstream accepts).
 */
function listedSchema(tool: HostedTool): z.ZodObject {
  const { $schema: _drop, ...schema } = tool.tool.inputSchema as Record<string, unknown>;
  return z.looseObject({}).meta(schema);
}

/**
 * For a plain McpServer (the SDK's own tools/list and tools/call: the bridge's tests, or a
 * program embedding the bridge); our server serves the same tools as extra tools (runtime.ts).
 * Re-exports the bridge's tools on `server` and keeps them in step with upstream: each change
 * of the hosted catalog (first connection, upstream tools/list_changed) updates the registered
 * tools, and the SDK tells the client with notifications/tools/list_changed.
 */
export function registerHostedTools(server: McpServer, bridge: HostedSource, options: { readOnly?: boolean } = {}): () => void {
  const registered = new Map<string, { tool: HostedTool; handle: RegisteredTool }>();
  const direct = (name: string) => async (args: Record<string, unknown>, extra: Extra): Promise<CallToolResult> => {
    const token = extra._meta?.progressToken;
    return bridge.call(name, args, {
      signal: extra.signal,
      ...(token !== undefined
        ? {
            onProgress: (p) =>
              extra
                .sendNotification({ method: 'notifications/progress', params: { ...p, progressToken: token } })
                .catch(() => undefined), // a client that went away must not fail the call
          }
        : {}),
    });
  };
  const sync = (tools: readonly HostedTool[]) => {
    const wanted = new Map(tools.filter((t) => !options.readOnly || t.tool.annotations?.readOnlyHint === true).map((t) => [t.name, t]));
    for (const [name, entry] of registered) {
      const next = wanted.get(name);
      if (next && JSON.stringify(next.tool) === JSON.stringify(entry.tool.tool)) continue;
      entry.handle.remove();
      registered.delete(name);
    }
    for (const [name, tool] of wanted) {
      if (registered.has(name)) continue;
      const handle = server.registerTool(
        name,
        {
          title: tool.tool.title ?? tool.tool.annotations?.title ?? tool.upstream,
          description: `${tool.tool.description ?? ''} (AgentPMT hosted tool ${tool.upstream}, called through AgentPMT's hosted MCP endpoint.)`.trim(),
          inputSchema: listedSchema(tool),
          ...(tool.tool.annotations ? { annotations: tool.tool.annotations } : {}),
        },
        (args, extra) => direct(name)(args as Record<string, unknown>, extra),
      );
      registered.set(name, { tool, handle });
    }
  };
  sync(bridge.list());
  const unsubscribe = bridge.onToolsChanged(sync);
  // A closed session (an HTTP client gone) stops following the catalog; whoever set onclose first keeps theirs.
  const previous = server.server.onclose;
  server.server.onclose = () => {
    previous?.();
    unsubscribe();
  };
  return unsubscribe;
}
