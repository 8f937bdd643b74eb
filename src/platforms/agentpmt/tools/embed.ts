import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { HttpResponse } from '../../../core/http-client.js';
import type { RuntimeContext } from '../context.js';
import { okResult, type NextCall } from '../../../core/results.js';
import { pathSegment } from './fields.js';
import { defineEndpoint } from './types.js';

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** What a site owner pastes: the iframe snippet for the URL, plus whether the target exists. */
/** Where to find a valid id when the one given does not exist. */
const FIND_ID: Record<string, NextCall> = {
  workflow: { tool: 'workflows_list', why: 'find the workflow id to embed' },
  product: { tool: 'marketplace_search', why: 'find the product to embed (its product_id is in marketplace_describe)' },
};

function iframeResult(kind: string, id: string, urlPath: string, res: HttpResponse, ctx: RuntimeContext): CallToolResult {
  const url = `${ctx.config.webUrl}${urlPath}`;
  const exists = res.status === 200;
  const snippet = `<iframe src="${escapeAttr(url)}" title="AgentPMT chat" style="width:100%;height:640px;border:0" allow="clipboard-write"></iframe>`;
  return okResult(
    { kind, id, url, exists, status: res.status, iframe_snippet: snippet },
    exists
      ? `Paste this into the page where the ${kind} chat should appear:\n${snippet}`
      : `No ${kind} with id "${id}" was found (HTTP ${res.status}); the snippet would show a not-found page. Check the id in the AgentPMT dashboard.`,
    !exists && FIND_ID[kind] ? [FIND_ID[kind]] : [],
  );
}

const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true } as const;

export const embedEndpoints = [
  defineEndpoint({
    name: 'embed_loader',
    title: 'Chat widget loader script',
    description: 'The <script> tag that adds the AgentPMT chat widget to any web page, and whether the loader is being served. Use it when a site owner wants the floating chat widget. No credentials needed.',
    toolset: 'embed',
    method: 'GET',
    origin: 'web',
    path: '/embed.js',
    auth: 'none',
    input: () => ({}),
    acceptStatus: [404],
    present: (res, _args, ctx) => {
      const url = `${ctx.config.webUrl}/embed.js`;
      const scriptTag = `<script src="${escapeAttr(url)}" async></script>`;
      const exists = res.status === 200 && res.kind === 'javascript';
      return okResult(
        { url, exists, status: res.status, content_type: res.contentType, bytes: Buffer.byteLength(res.text), script_tag: scriptTag },
        exists ? `Paste this before </body>:\n${scriptTag}` : `The loader is not being served (HTTP ${res.status}, ${res.contentType || 'no content type'}).`,
      );
    },
    annotations: readOnly,
  }),
  defineEndpoint({
    name: 'embed_workflow',
    title: 'Embed a workflow chat',
    description: 'An iframe snippet that embeds the AgentPMT chat scoped to one workflow, its URL, and whether the workflow exists. End users sign in with their own AgentPMT account. No credentials needed.',
    toolset: 'embed',
    method: 'GET',
    origin: 'web',
    path: '/embed/{workflow_id}',
    auth: 'none',
    input: () => ({ workflow_id: pathSegment('The workflow id to embed.') }),
    acceptStatus: [404],
    present: (res, args, ctx) => iframeResult('workflow', args.workflow_id, `/embed/${encodeURIComponent(args.workflow_id)}`, res, ctx),
    annotations: readOnly,
  }),
  defineEndpoint({
    name: 'embed_bundle',
    title: 'Embed a bundle chat',
    description: 'An iframe snippet that embeds the AgentPMT chat scoped to a bundle of tools and workflows, its URL, and whether the bundle exists. No credentials needed.',
    toolset: 'embed',
    method: 'GET',
    origin: 'web',
    path: '/embed/bundle/{bundle_id}',
    auth: 'none',
    input: () => ({ bundle_id: pathSegment('The bundle id to embed.') }),
    acceptStatus: [404],
    present: (res, args, ctx) => iframeResult('bundle', args.bundle_id, `/embed/bundle/${encodeURIComponent(args.bundle_id)}`, res, ctx),
    annotations: readOnly,
  }),
  defineEndpoint({
    name: 'embed_product',
    title: 'Embed a product chat',
    description: 'An iframe snippet that embeds the AgentPMT chat scoped to a single marketplace product, its URL, and whether the product exists. No credentials needed.',
    toolset: 'embed',
    method: 'GET',
    origin: 'web',
    path: '/embed/product/{product_id}',
    auth: 'none',
    input: () => ({ product_id: pathSegment('The product id to embed.') }),
    acceptStatus: [404],
    present: (res, args, ctx) => iframeResult('product', args.product_id, `/embed/product/${encodeURIComponent(args.product_id)}`, res, ctx),
    annotations: readOnly,
  }),
];
