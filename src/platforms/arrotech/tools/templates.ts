import { z } from 'zod';
import { jsonObject, READ, WRITE } from './fields.js';
import { defineEndpoint } from './types.js';
import { idOf, itemsOf, listLine, named, payloadOf, textOf } from '../../../core/hints.js';
import { workflowFollowUps } from './follow-ups.js';

const templateId = z.string().trim().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be a template id from arrotech_templates_list').describe('Template id from arrotech_templates_list.');
const filter = (what: string) => z.string().min(1).optional().describe(what);

export const templatesEndpoints = [
  defineEndpoint({
    name: 'arrotech_templates_list',
    title: 'List workflow templates',
    description: 'Workflow templates, filtered by category, difficulty, search term or required connection.',
    toolset: 'arrotech_templates',
    method: 'GET', origin: 'api', path: '/templates/', auth: 'none',
    query: ['category', 'difficulty', 'search', 'connection'],
    input: () => ({ category: filter('Category (arrotech_templates_categories).'), difficulty: filter('beginner, intermediate or advanced.'), search: filter('Search term.'), connection: filter("Required connection, e.g. 'slack'.") }),
    summary: (data) => listLine(itemsOf(data, 'templates'), 'templates', (t) => named(t, ['name'], ['id'])),
    next: (data) => {
      const id = idOf(itemsOf(data, 'templates')[0], 'id');
      return id === undefined ? [] : [{ tool: 'arrotech_templates_get', arguments: { template_id: id }, why: 'its steps and the connections it needs' }, { tool: 'arrotech_templates_use', arguments: { template_id: id }, why: 'create a workflow from it in the account' }];
    },
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_templates_categories',
    title: 'Template categories',
    description: 'The template categories.',
    toolset: 'arrotech_templates',
    method: 'GET', origin: 'api', path: '/templates/categories', auth: 'none',
    input: () => ({}),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_templates_get',
    title: 'Get a template',
    description: 'A template with its steps and required connections.',
    toolset: 'arrotech_templates',
    method: 'GET', origin: 'api', path: '/templates/{template_id}', auth: 'none',
    input: () => ({ template_id: templateId }),
    summary: (data) => `Template ${named(payloadOf(data), ['name'], ['id']) ?? '?'}${Array.isArray(payloadOf(data).connections) ? `; needs: ${(payloadOf(data).connections as unknown[]).join(', ') || 'no connection'}` : ''}.`,
    next: (_data, args) => [{ tool: 'arrotech_templates_use', arguments: { template_id: args.template_id }, why: 'create a workflow from it in the account' }],
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_templates_use',
    title: 'Create a workflow from a template',
    description: 'Create a workflow in the account from a template; returns the new workflow.',
    toolset: 'arrotech_templates',
    method: 'POST', origin: 'api', path: '/templates/{template_id}/use', auth: 'bearer',
    input: () => ({ template_id: templateId, config: jsonObject('Optional template settings.').optional() }),
    body: (rest) => (rest.config as Record<string, unknown> | undefined) ?? {},
    summary: (data) => `Created workflow ${textOf(payloadOf(data), 'workflow_id') ?? '?'} from the template.`,
    next: (data) => workflowFollowUps({ id: idOf(payloadOf(data), 'workflow_id') }),
    annotations: WRITE,
  }),
  defineEndpoint({
    name: 'arrotech_templates_featured',
    title: 'Featured templates',
    description: 'The featured templates.',
    toolset: 'arrotech_templates',
    method: 'GET', origin: 'api', path: '/templates/featured/list', auth: 'none',
    input: () => ({}),
    annotations: READ,
  }),
  defineEndpoint({
    name: 'arrotech_templates_popular',
    title: 'Popular templates',
    description: 'The most used templates.',
    toolset: 'arrotech_templates',
    method: 'GET', origin: 'api', path: '/templates/stats/popular', auth: 'none',
    input: () => ({}),
    annotations: READ,
  }),
];
