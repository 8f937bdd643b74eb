import { escapeHtml, html, javascript, type RequestContext, type Router, type SandboxResponse } from "./http.js";
import { isObjectId } from "./ids.js";

/** Embeds are meant to be framed by third-party sites, so framing is explicitly allowed. */
const FRAMEABLE = { "content-security-policy": "frame-ancestors *" };

const LOADER_SCRIPT = `/* AgentPMT chat widget loader (sandbox) */
(function () {
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src).origin;
  var path = null;
  if (script.dataset.workflowId) path = "/embed/" + encodeURIComponent(script.dataset.workflowId);
  else if (script.dataset.bundleId) path = "/embed/bundle/" + encodeURIComponent(script.dataset.bundleId);
  else if (script.dataset.productId) path = "/embed/product/" + encodeURIComponent(script.dataset.productId);
  if (!path) { console.warn("AgentPMT embed: set data-workflow-id, data-bundle-id or data-product-id"); return; }
  var frame = document.createElement("iframe");
  frame.src = origin + path;
  frame.title = "AgentPMT chat";
  frame.style.cssText = "position:fixed;bottom:16px;right:16px;width:380px;height:560px;border:0;border-radius:12px;box-shadow:0 8px 24px rgba(0,0,0,.2);z-index:2147483000";
  frame.allow = "clipboard-write";
  document.body.appendChild(frame);
})();
`;

export function registerEmbedRoutes(router: Router): void {
  const route = (pattern: string, handler: (ctx: RequestContext) => SandboxResponse) =>
    router.add({ method: "GET", pattern, auth: "none", style: "html", handler });
  route("/embed.js", () => javascript(200, LOADER_SCRIPT));
  route("/embed/:workflowId", (ctx) => {
    const workflow = lookup(ctx.params.workflowId, (id) => ctx.state.catalog.workflowsById.get(id));
    return workflow ? widget("workflow", workflow.name, workflow.description) : notFound("workflow");
  });
  route("/embed/bundle/:bundleId", (ctx) => {
    const bundle = lookup(ctx.params.bundleId, (id) => ctx.state.catalog.bundlesById.get(id));
    return bundle ? widget("bundle", bundle.name, bundle.description) : notFound("bundle");
  });
  route("/embed/product/:productId", (ctx) => {
    const product = lookup(ctx.params.productId, (id) => ctx.state.catalog.productsById.get(id));
    return product ? widget("tool", product.display_name, product.description) : notFound("tool");
  });
}

function lookup<T>(id: string | undefined, get: (id: string) => T | undefined): T | undefined {
  return id !== undefined && isObjectId(id) ? get(id.toLowerCase()) : undefined;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; display: flex; flex-direction: column; height: 100vh; }
  header { padding: 12px 16px; border-bottom: 1px solid #ddd; }
  main { flex: 1; padding: 16px; overflow-y: auto; color: #555; }
  form { display: flex; gap: 8px; padding: 12px; border-top: 1px solid #ddd; }
  input { flex: 1; padding: 8px; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function widget(kind: "workflow" | "bundle" | "tool", name: string, description: string): SandboxResponse {
  const body = `<header><strong>${escapeHtml(name)}</strong> <small>AgentPMT ${kind} chat (sandbox)</small></header>
<main data-agentpmt-embed="${kind}"><p>${escapeHtml(description)}</p><p>Sign in with your AgentPMT account to start chatting.</p></main>
<form onsubmit="return false"><input type="text" placeholder="Message ${escapeHtml(name)}…" aria-label="Message"><button type="submit" disabled>Send</button></form>`;
  return html(200, page(`${name} | AgentPMT`, body), FRAMEABLE);
}

function notFound(kind: "workflow" | "bundle" | "tool"): SandboxResponse {
  return html(404, page("Not found | AgentPMT", `<main><h1>Not found</h1><p>The referenced ${kind} was not found.</p></main>`));
}
