import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ArSandbox } from '../../src/platforms/agentruntime/sandbox/index.js';
import { captured } from '../helpers.js';

/** The settings that point a server at the AgentRuntime sandbox (AgentRuntime only, every toolset, no retries). */
export function arEnv(sandbox: ArSandbox, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    AGENTRUNTIME_API_URL: sandbox.url,
    AGENTRUNTIME_TOKEN: sandbox.tokens.admin,
    AGENTRUNTIME_TENANT_ID: sandbox.tenant,
    AGENTRUNTIME_PROJECT_ID: sandbox.project,
    AGENTPMT_PLATFORMS: 'agentruntime',
    AGENTPMT_HOME: mkdtempSync(path.join(os.tmpdir(), 'agentruntime-home-')),
    AGENTPMT_TIMEOUT_MS: '3000',
    AGENTPMT_MAX_RETRIES: '0',
    AGENTPMT_LOG_LEVEL: 'debug',
    AGENTPMT_TOOLSETS: 'all',
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export interface ToolError {
  code: string;
  status?: number;
  message: string;
  next_step: string;
  details?: unknown;
}

export const errorOf = (r: { data: Record<string, unknown> }) => r.data.error as ToolError;

/** A tools/call that records progress notifications (and can be cancelled). */
export async function callWithProgress(client: Client, name: string, args: Record<string, unknown>, signal?: AbortSignal) {
  const progress: { progress: number; total?: number; message?: string }[] = [];
  const res = (await client.request({ method: 'tools/call', params: { name, arguments: args } }, CallToolResultSchema, {
    onprogress: (p) => progress.push(p),
    timeout: 70_000,
    ...(signal ? { signal } : {}),
  })) as CallToolResult;
  const text = res.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  captured.push(text, JSON.stringify(res.structuredContent ?? {}));
  return { res, text, progress, data: (res.structuredContent ?? {}) as Record<string, unknown> };
}
