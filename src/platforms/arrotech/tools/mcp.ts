import { z } from 'zod';
import { fail } from '../../../core/errors.js';
import { okResult } from '../../../core/results.js';
import { execute } from '../executor.js';
import { followStream } from '../stream.js';
import { jsonObject, READ, WRITE } from './fields.js';
import { defineEndpoint } from './types.js';

const FAILED_CALL = 'Read the error. An unknown tool: list them with arrotech_mcp_tools_list. A missing or expired connection: fix it with the arrotech_connections tools. Then call again.';

const toolCallPlain = defineEndpoint({
  name: 'arrotech_mcp_tool_call',
  title: 'Call an Arrotech tool',
  description:
    "Run one of Arrotech Hub's integration tools (e.g. slack_send_message, hubspot_contact_create) with its arguments; names and schemas from arrotech_mcp_tools_list. With a progress token it is streamed as progress. Acts on connected platforms.",
  toolset: 'arrotech_mcp',
  method: 'POST', origin: 'api', path: '/mcp/call', auth: 'bearer',
  input: () => ({ name: z.string().min(1).describe('Tool name from arrotech_mcp_tools_list.'), arguments: jsonObject("The tool's arguments, per its schema.").default({}) }),
  onReportedFailure: FAILED_CALL,
  annotations: WRITE,
});

interface ToolEvent {
  type?: unknown;
  message?: unknown;
  status?: unknown;
  result?: unknown;
  error?: unknown;
  [k: string]: unknown;
}

export const mcpEndpoints = [
  defineEndpoint({
    name: 'arrotech_mcp_tools_list',
    title: 'List Arrotech tools',
    description: 'The integration tools this account can run with arrotech_mcp_tool_call, with their input schemas.',
    toolset: 'arrotech_mcp',
    method: 'GET', origin: 'api', path: '/mcp/tools', auth: 'bearer',
    query: ['include_all'],
    input: () => ({ include_all: z.boolean().optional().describe('Also list tools that still need a connection.') }),
    annotations: READ,
  }),
  defineEndpoint({
    ...toolCallPlain,
    run: (args, ctx) => {
      if (!ctx.progressRequested) return execute(toolCallPlain, args, ctx);
      const name = String(args.name);
      const what = `tool ${name}`;
      return followStream(ctx, {
        path: '/mcp/call/stream',
        body: { name, arguments: args.arguments ?? {} },
        what,
        waitSeconds: ctx.config.arrotechWaitSeconds,
        onEvent: ({ data }) => {
          const ev: ToolEvent = data !== null && typeof data === 'object' ? (data as ToolEvent) : { type: 'status', message: data };
          if (ev.type === 'error') fail({ status: 200, code: 'platform_reported_failure', message: `Tool ${name} failed on Arrotech Hub: ${String(ev.error ?? ev.message ?? 'no reason given')}`, next_step: FAILED_CALL, details: ev });
          if (ev.type === 'complete') {
            const result = ev.result;
            const structured = result !== null && typeof result === 'object' && !Array.isArray(result) ? { tool: name, result } : { tool: name, result: result ?? null };
            return { done: okResult(structured, `Tool ${name} completed.`) };
          }
          const say = typeof ev.message === 'string' ? ev.message : typeof ev.status === 'string' ? ev.status : String(ev.type ?? 'event');
          return { progress: `${name}: ${say}` };
        },
        onEnd: () => fail({ code: 'stream_incomplete', message: `The stream of tool ${name} ended without a result.`, next_step: 'The tool may or may not have run: check its effect before calling again.' }),
        onJson: (res) => okResult((res.json ?? {}) as Record<string, unknown>, `Tool ${name}.`),
        unstreamed: () => execute(toolCallPlain, args, ctx),
        timeoutStep: `The tool may still finish on the platform: check its effect (e.g. with a read tool) before calling ${name} again.`,
      });
    },
  }),
];
