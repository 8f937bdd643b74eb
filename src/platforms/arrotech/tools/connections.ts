import { z } from 'zod';
import { DESTROY, idArg, jsonObject, READ, UPDATE, WRITE } from './fields.js';
import { defineEndpoint } from './types.js';
import { idOf, itemsOf, listLine, named, textOf } from '../../../core/hints.js';

const connectionId = idArg('Connection id from arrotech_connections_list.');
const config = jsonObject('Platform-specific credentials and settings (API keys, workspace ids…); each platform has its own schema. Stored encrypted, never shown back.');

export const connectionsEndpoints = [
  defineEndpoint({
    name: 'arrotech_connections_list',
    title: 'List connections',
    description: 'List the external platforms this Arrotech Hub account has connected (Slack, HubSpot, WhatsApp…) with their status: active, error (see error_message) or expired.',
    toolset: 'arrotech_connections',
    method: 'GET', origin: 'api', path: '/connections/', auth: 'bearer',
    input: () => ({}),
    summary: (data) => listLine(itemsOf(data, 'connections'), 'connections', (c) => named(c, ['name', 'platform'], ['platform'], textOf(c, 'status'))),
    next: (data) => {
      // A broken one first: that is the one worth testing.
      const all = itemsOf(data, 'connections');
      const connection_id = idOf(all.find((c) => c.status !== 'active') ?? all[0], 'id');
      return connection_id === undefined ? [] : [{ tool: 'arrotech_connections_test', arguments: { connection_id }, why: 'check that its credentials still work' }];
    },
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_connections_create',
    title: 'Connect a platform',
    description: 'Connect an external platform so its tools become available (e.g. slack enables slack_send_message). Get platform ids from arrotech_connections_platforms; check the config first with arrotech_connections_test_new.',
    toolset: 'arrotech_connections',
    method: 'POST', origin: 'api', path: '/connections/', auth: 'bearer',
    input: () => ({ platform: z.string().min(1).describe("Platform id, e.g. 'slack'."), name: z.string().min(1).describe('A friendly name for the connection.'), config }),
    annotations: WRITE,
  }),
  defineEndpoint({
    name: 'arrotech_connections_update',
    title: 'Update a connection',
    description: 'Replace a connection\'s name, status and config (all three are required by the platform).',
    toolset: 'arrotech_connections',
    method: 'PUT', origin: 'api', path: '/connections/{connection_id}', auth: 'bearer',
    input: () => ({ connection_id: connectionId, name: z.string().min(1), status: z.string().min(1).describe('active, error or expired.'), config }),
    annotations: UPDATE,
  }),
  defineEndpoint({
    name: 'arrotech_connections_delete',
    title: 'Delete a connection',
    description: 'Delete a connection; the tools it enabled stop working. Cannot be undone.',
    toolset: 'arrotech_connections',
    method: 'DELETE', origin: 'api', path: '/connections/{connection_id}', auth: 'bearer',
    input: () => ({ connection_id: connectionId }),
    annotations: DESTROY,
  }),
  defineEndpoint({
    name: 'arrotech_connections_test',
    title: 'Test a connection',
    description: 'Check that a saved connection still authenticates with its platform.',
    toolset: 'arrotech_connections',
    method: 'POST', origin: 'api', path: '/connections/{connection_id}/test', auth: 'bearer',
    input: () => ({ connection_id: connectionId }),
    onReportedFailure: 'The connection does not work: fix its config with arrotech_connections_update, then test again.',
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_connections_test_new',
    title: 'Test a new connection config',
    description: 'Check a platform config before saving it with arrotech_connections_create.',
    toolset: 'arrotech_connections',
    method: 'POST', origin: 'api', path: '/connections/test', auth: 'bearer',
    input: () => ({ platform: z.string().min(1).describe("Platform id, e.g. 'slack'."), config }),
    onReportedFailure: 'The config does not work with this platform: fix the credentials it names and test again before creating the connection.',
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_connections_platforms',
    title: 'List connectable platforms',
    description: 'List the platforms Arrotech Hub can connect to, with their ids for arrotech_connections_create.',
    toolset: 'arrotech_connections',
    method: 'GET', origin: 'api', path: '/connections/platforms', auth: 'none',
    input: () => ({}),
    annotations: READ,
  }),
];
