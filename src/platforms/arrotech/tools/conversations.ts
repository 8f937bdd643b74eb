import { z } from 'zod';
import { fail } from '../../../core/errors.js';
import { okResult } from '../../../core/results.js';
import { execute } from '../executor.js';
import { followStream } from '../stream.js';
import { DESTROY, idArg, READ, UPDATE, WRITE } from './fields.js';
import { defineEndpoint } from './types.js';
import { idOf, itemsOf, listLine, named, payloadOf } from '../../../core/hints.js';

const conversationId = idArg('Conversation id from arrotech_conversations_list or _create.');
const messageId = idArg('Message id from arrotech_conversations_messages_list.');
const provider = z.string().min(1).optional().describe("LLM provider override ('openai', 'anthropic', 'ollama'); see arrotech_conversations_providers. Default: the account's.");

const sendMessagePlain = defineEndpoint({
  name: 'arrotech_conversations_send_message',
  title: 'Send a message',
  description:
    "Send a message to Arrotech Hub's AI in a conversation; it may call connected tools (Slack, HubSpot…) until the goal is reached, then answers. With a progress token the reply is streamed as progress. Runs actions on connected platforms.",
  toolset: 'arrotech_conversations',
  method: 'POST', origin: 'api', path: '/chat/conversations/{conversation_id}/messages', auth: 'bearer',
  input: () => ({ conversation_id: conversationId, content: z.string().min(1).describe('The message (markdown).'), provider }),
  annotations: WRITE,
});

interface ChatEvent {
  type?: string;
  content?: unknown;
  token?: unknown;
  message?: unknown;
  error?: unknown;
  tool?: unknown;
  [k: string]: unknown;
}

export const conversationsEndpoints = [
  defineEndpoint({
    name: 'arrotech_conversations_list',
    title: 'List conversations',
    description: 'List the conversation threads (ids and titles, most recent first). Read messages with arrotech_conversations_messages_list.',
    toolset: 'arrotech_conversations',
    method: 'GET', origin: 'api', path: '/chat/conversations', auth: 'bearer',
    input: () => ({}),
    summary: (data) => listLine(itemsOf(data, 'conversations'), 'conversations, most recent first', (c) => named(c, ['title'], ['id'])),
    next: (data) => {
      const conversation_id = idOf(itemsOf(data, 'conversations')[0], 'id');
      return conversation_id === undefined ? [] : [{ tool: 'arrotech_conversations_messages_list', arguments: { conversation_id }, why: 'the messages of the most recent one' }];
    },
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_conversations_create',
    title: 'Create a conversation',
    description: 'Start a conversation thread; then talk in it with arrotech_conversations_send_message.',
    toolset: 'arrotech_conversations',
    method: 'POST', origin: 'api', path: '/chat/conversations', auth: 'bearer',
    input: () => ({ title: z.string().min(1).optional().describe('Optional title; generated from the first message if omitted.') }),
    body: (rest) => ({ title: rest.title ?? null }),
    summary: (data) => `Conversation ${idOf(payloadOf(data), 'id') ?? '?'} created.`,
    next: (data) => {
      const conversation_id = idOf(payloadOf(data), 'id');
      return conversation_id === undefined ? [] : [{ tool: 'arrotech_conversations_send_message', arguments: { conversation_id }, why: 'say what you need (add content)' }];
    },
    annotations: WRITE,
  }),
  defineEndpoint({
    name: 'arrotech_conversations_get',
    title: 'Get a conversation',
    description: 'A conversation with its title, state and messages.',
    toolset: 'arrotech_conversations',
    method: 'GET', origin: 'api', path: '/chat/conversations/{conversation_id}', auth: 'bearer',
    input: () => ({ conversation_id: conversationId }),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_conversations_update',
    title: 'Rename a conversation',
    description: 'Change a conversation title.',
    toolset: 'arrotech_conversations',
    method: 'PUT', origin: 'api', path: '/chat/conversations/{conversation_id}', auth: 'bearer',
    input: () => ({ conversation_id: conversationId, title: z.string().min(1) }),
    annotations: UPDATE,
  }),
  defineEndpoint({
    name: 'arrotech_conversations_delete',
    title: 'Delete a conversation',
    description: 'Delete a conversation and all its messages. Cannot be undone.',
    toolset: 'arrotech_conversations',
    method: 'DELETE', origin: 'api', path: '/chat/conversations/{conversation_id}', auth: 'bearer',
    input: () => ({ conversation_id: conversationId }),
    annotations: DESTROY,
  }),
  defineEndpoint({
    ...sendMessagePlain,
    run: (args, ctx) => {
      if (!ctx.progressRequested) return execute(sendMessagePlain, args, ctx);
      let reply = '';
      let tokens = 0;
      const id = String(args.conversation_id);
      return followStream(ctx, {
        path: `/chat/conversations/${encodeURIComponent(id)}/messages/stream`,
        body: { content: args.content, ...(args.provider ? { provider: args.provider } : {}) },
        what: `the reply in conversation ${id}`,
        waitSeconds: ctx.config.arrotechWaitSeconds,
        onEvent: ({ data }) => {
          const ev: ChatEvent = data !== null && typeof data === 'object' ? (data as ChatEvent) : { type: 'token', content: data };
          const text = typeof ev.content === 'string' ? ev.content : typeof ev.token === 'string' ? ev.token : undefined;
          if (ev.type === 'error') fail({ code: 'chat_failed', message: `The reply failed on Arrotech Hub: ${String(ev.error ?? ev.message ?? 'no reason given')}`, next_step: 'Read the error; if a connection is missing or expired, fix it with the arrotech_connections tools, then send again.', details: ev });
          if (ev.type === 'message_saved' && ev.message && typeof ev.message === 'object') {
            return { done: okResult({ conversation_id: args.conversation_id, message: ev.message, streamed_tokens: tokens }, `Reply in conversation ${id}.\n\n${String((ev.message as { content?: unknown }).content ?? reply)}`) };
          }
          if (text !== undefined && (ev.type === undefined || ev.type === 'token' || ev.type === 'content' || ev.type === 'delta')) {
            reply += text;
            tokens++;
            return { progress: `Reply: ${tokens} tokens so far` };
          }
          return { progress: ev.type === 'tool_call' || ev.type === 'tool_start' ? `Calling ${String(ev.tool ?? 'a tool')}` : `Reply: ${String(ev.type ?? 'event')}` };
        },
        onEnd: () => okResult({ conversation_id: args.conversation_id, message: { role: 'assistant', content: reply }, streamed_tokens: tokens }, `Reply in conversation ${id}.\n\n${reply}`),
        onJson: (res) => okResult((res.json ?? {}) as Record<string, unknown>, `Reply in conversation ${id}.`),
        unstreamed: () => execute(sendMessagePlain, args, ctx),
        timeoutStep: `The reply is still being written; it is saved when done: read it later with arrotech_conversations_messages_list (conversation_id ${id}) instead of sending again.`,
      });
    },
  }),
  defineEndpoint({
    name: 'arrotech_conversations_messages_list',
    title: 'Message history',
    description: 'Every message of a conversation in order: user, assistant, tool (raw integration results) and system.',
    toolset: 'arrotech_conversations',
    method: 'GET', origin: 'api', path: '/chat/conversations/{conversation_id}/messages', auth: 'bearer',
    input: () => ({ conversation_id: conversationId }),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_conversations_providers',
    title: 'List LLM providers',
    description: 'The LLM providers available for arrotech_conversations_send_message, and the default.',
    toolset: 'arrotech_conversations',
    method: 'GET', origin: 'api', path: '/chat/providers', auth: 'bearer',
    input: () => ({}),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_conversations_tools_list',
    title: 'Tools the chat can use',
    description: 'The MCP tools the chat AI may call for this account.',
    toolset: 'arrotech_conversations',
    method: 'GET', origin: 'api', path: '/chat/tools', auth: 'bearer',
    query: ['include_all'],
    input: () => ({ include_all: z.boolean().optional().describe('Also list tools that still need a connection (default true).') }),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_conversations_file_info',
    title: 'Files of a message',
    description: 'The files attached to a message (names for arrotech_conversations_file_download).',
    toolset: 'arrotech_conversations',
    method: 'GET', origin: 'api', path: '/chat/files/{conversation_id}/{message_id}', auth: 'bearer',
    input: () => ({ conversation_id: conversationId, message_id: messageId }),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_conversations_file_download',
    title: 'Download a message file',
    description: 'Read a file attached to a message: text files (and JSON) come back as text; for other types only the type and size.',
    toolset: 'arrotech_conversations',
    method: 'GET', origin: 'api', path: '/chat/download/{conversation_id}/{message_id}/{filename}', auth: 'bearer',
    input: () => ({ conversation_id: conversationId, message_id: messageId, filename: z.string().min(1).max(255).regex(/^[^/\\]+$/, 'a file name, no path').describe('File name from arrotech_conversations_file_info.') }),
    present: (res, args) => {
      const type = res.contentType.split(';')[0]!.trim().toLowerCase();
      // The HTTP client reads bodies as UTF-8: a binary file would arrive mangled, so only its description is returned.
      if (type.startsWith('text/') || type.includes('json') || type.includes('xml') || type === '') {
        return okResult({ filename: args.filename, content_type: res.contentType, content: res.text }, `File ${String(args.filename)} (${res.text.length} characters):\n\n${res.text}`);
      }
      const size = Number(res.headers['content-length'] ?? Buffer.byteLength(res.text));
      return okResult({ filename: args.filename, content_type: res.contentType, size_bytes: size }, `File ${String(args.filename)} is ${res.contentType} (${size} bytes): not text, so it is not shown; the user can download it from Arrotech Hub.`);
    },
    annotations: READ,
  }),
];
