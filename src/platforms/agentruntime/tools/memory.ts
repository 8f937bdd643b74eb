import { z } from 'zod';
import { fail } from '../../../core/errors.js';
import type { ArContext } from '../context.js';
import { execute } from '../executor.js';
import { idArg } from './fields.js';
import { defineEndpoint, defineTool, READ, WRITE, type AnyArEndpoint } from './types.js';

/** The memory API takes the project in its body; it comes from AGENTRUNTIME_PROJECT_ID, not from the model. */
function withProject<T extends Record<string, unknown>>(args: T, ctx: ArContext, tool: string): T & { project_id: string } {
  const project = ctx.config.agentruntimeProjectId;
  if (!project) fail({ code: 'missing_setting', message: `${tool} is scoped to an AgentRuntime project, and AGENTRUNTIME_PROJECT_ID is not set.`, next_step: 'Ask the user to set AGENTRUNTIME_PROJECT_ID and restart the server.' });
  return { ...args, project_id: project };
}

const projectId = z.string().min(1).max(200);

const searchRequest = defineEndpoint({ name: 'agentruntime_memory_search', title: 'Search memory', description: '', toolset: 'agentruntime_memory', method: 'POST', origin: 'api', path: '/v1/memory/search', auth: 'project', input: () => ({ query: z.string(), limit: z.number().optional(), project_id: projectId }), annotations: READ });
const indexConversationRequest = defineEndpoint({ name: 'agentruntime_memory_index_conversation', title: 'Index a conversation', description: '', toolset: 'agentruntime_memory', method: 'POST', origin: 'api', path: '/v1/memory/index-conversation', auth: 'project', input: () => ({ conversation_id: z.string(), project_id: projectId }), annotations: WRITE });
const indexFileRequest = defineEndpoint({ name: 'agentruntime_memory_index_file', title: 'Index a file', description: '', toolset: 'agentruntime_memory', method: 'POST', origin: 'api', path: '/v1/memory/index-file', auth: 'project', input: () => ({ file_id: z.string(), project_id: projectId }), annotations: WRITE });

/** A memory tool whose request carries the configured project in its body. */
function projectBodyTool<S extends z.ZodRawShape>(request: AnyArEndpoint, d: { title: string; description: string; input: S; write: boolean }) {
  return defineTool({
    name: request.name,
    title: d.title,
    description: d.description,
    toolset: 'agentruntime_memory',
    input: d.input,
    annotations: d.write ? WRITE : READ,
    run: (args, ctx) => execute(request, withProject(args as Record<string, unknown>, ctx, request.name), ctx),
  });
}

export const memorySearch = projectBodyTool(searchRequest, {
  title: 'Search AgentRuntime memory',
  description: 'Semantic search over the project\'s memory (preview).',
  input: { query: z.string().trim().min(1).max(2000), limit: z.number().int().min(1).max(100).optional() },
  write: false,
});

export const memoryIndexConversation = projectBodyTool(indexConversationRequest, {
  title: 'Index a conversation into memory',
  description: 'Queue a chat episode for memory indexing; returns a job id for agentruntime_memory_extract_status.',
  input: { conversation_id: z.string().min(1).max(200) },
  write: true,
});

export const memoryIndexFile = projectBodyTool(indexFileRequest, {
  title: 'Index a file into memory',
  description: 'Queue a work file for memory indexing.',
  input: { file_id: z.string().min(1).max(200) },
  write: true,
});

export const memoryExtractStatus = defineEndpoint({
  name: 'agentruntime_memory_extract_status',
  title: 'Memory extract job status',
  description: 'Status of a memory indexing/extract job.',
  toolset: 'agentruntime_memory',
  method: 'GET',
  origin: 'api',
  path: '/v1/memory/extract/{job_id}',
  auth: 'project',
  input: () => ({ job_id: idArg('Job id from agentruntime_memory_index_conversation or _index_file.') }),
  annotations: READ,
});

export const memoryEpisodeGet = defineEndpoint({
  name: 'agentruntime_memory_episode_get',
  title: 'Get a memory episode',
  description: 'One memory episode bundle.',
  toolset: 'agentruntime_memory',
  method: 'GET',
  origin: 'api',
  path: '/v1/memory/episodes/{episode_id}',
  auth: 'project',
  input: () => ({ episode_id: idArg('Episode id from agentruntime_memory_search.') }),
  annotations: READ,
});

export const memoryEndpoints = [memorySearch, memoryIndexConversation, memoryIndexFile, memoryExtractStatus, memoryEpisodeGet];
