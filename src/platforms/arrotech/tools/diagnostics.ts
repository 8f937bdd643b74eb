import { z } from 'zod';
import { idArg, jsonObject, READ } from './fields.js';
import { defineEndpoint } from './types.js';

const conversationId = idArg('Conversation id from arrotech_conversations_list.');
const message = { content: z.string().min(1).describe('A user message to analyse.'), provider: z.string().min(1).optional().describe('LLM provider override.') };

/**
 * Vendor diagnostics the Public API exposes under its public tags. Off by default
 * (toolset arrotech_diagnostics); any credential or token preview they echo is redacted.
 */
export const diagnosticsEndpoints = [
  defineEndpoint({
    name: 'arrotech_diagnostics_ollama_status',
    title: 'Ollama status',
    description: "Whether Arrotech Hub's local LLM service (Ollama) is up, and its models.",
    toolset: 'arrotech_diagnostics',
    method: 'GET', origin: 'api', path: '/chat/ollama/status', auth: 'none',
    input: () => ({}),
    redact: true,
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_diagnostics_ollama_diagnostic',
    title: 'Ollama diagnostic',
    description: "A full diagnostic of Arrotech Hub's Ollama service with recommendations.",
    toolset: 'arrotech_diagnostics',
    method: 'GET', origin: 'api', path: '/chat/ollama/diagnostic', auth: 'none',
    input: () => ({}),
    redact: true,
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_diagnostics_whatsapp_token_test',
    title: 'Test the WhatsApp token',
    description: "Check that Arrotech Hub's WhatsApp token is valid (the token preview is redacted).",
    toolset: 'arrotech_diagnostics',
    method: 'GET', origin: 'api', path: '/mcp/test/whatsapp', auth: 'bearer',
    input: () => ({}),
    redact: true,
    onReportedFailure: 'The WhatsApp token is not valid: renew it in the WhatsApp connection (arrotech_connections_update).',
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_diagnostics_debug_settings',
    title: 'WhatsApp debug settings',
    description: 'The WhatsApp settings Arrotech Hub runs with (token previews and environment values are redacted).',
    toolset: 'arrotech_diagnostics',
    method: 'GET', origin: 'api', path: '/mcp/debug/settings', auth: 'bearer',
    input: () => ({}),
    redact: true,
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_diagnostics_direct_response',
    title: 'Test a direct response',
    description: 'Generate an AI reply without tools, to test the LLM provider.',
    toolset: 'arrotech_diagnostics',
    method: 'POST', origin: 'api', path: '/chat/test/direct-response', auth: 'bearer',
    input: message,
    redact: true,
    onReportedFailure: 'The LLM provider failed: try another provider (arrotech_conversations_providers) or check arrotech_diagnostics_ollama_status.',
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_conversations_explain_intent',
    title: 'Explain the intent of a message',
    description: 'How Arrotech Hub classifies a message (action or plain reply), without sending it.',
    toolset: 'arrotech_diagnostics',
    method: 'POST', origin: 'api', path: '/chat/conversations/{conversation_id}/explain-intent', auth: 'bearer',
    input: () => ({ conversation_id: conversationId, ...message }),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_conversations_explain_tools',
    title: 'Explain the relevant tools',
    description: 'Which tools Arrotech Hub would pick for a message, without sending it.',
    toolset: 'arrotech_diagnostics',
    method: 'POST', origin: 'api', path: '/chat/conversations/{conversation_id}/explain-tools', auth: 'bearer',
    input: () => ({ conversation_id: conversationId, ...message }),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_conversations_validate_tool',
    title: 'Validate a tool call',
    description: 'Check a tool call ({name, arguments}) against its schema before running it; returns errors and corrected arguments.',
    toolset: 'arrotech_diagnostics',
    method: 'POST', origin: 'api', path: '/chat/conversations/{conversation_id}/validate-tool', auth: 'bearer',
    input: () => ({ conversation_id: conversationId, tool_call: jsonObject('The call: {name, arguments}.') }),
    // The route takes the tool call as the whole JSON body.
    body: (rest) => rest.tool_call as Record<string, unknown>,
    annotations: READ,
  }),
];
