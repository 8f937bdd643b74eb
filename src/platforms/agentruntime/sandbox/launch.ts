import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { DemoScript, RunningSandbox, SandboxLauncher } from "../../../core/platform.js";
import { startAgentruntimeSandbox, type ArSandbox } from "./index.js";

/** `agentpmt-mcp sandbox` and the demo: the local AgentRuntime, its settings, and its demo chapter. */
export const launcher: SandboxLauncher = {
  async start({ port, host, fast }) {
    const sandbox = await startAgentruntimeSandbox({ ...(port !== undefined ? { port } : {}), ...(host ? { host } : {}), stepMs: fast ? 200 : 1000 });
    const running: RunningSandbox = {
      title: "AgentRuntime",
      url: sandbox.url,
      env: {
        AGENTRUNTIME_API_URL: sandbox.url,
        AGENTRUNTIME_TOKEN: sandbox.tokens.admin,
        AGENTRUNTIME_TENANT_ID: sandbox.tenant,
        AGENTRUNTIME_PROJECT_ID: sandbox.project,
      },
      notes: [
        "AGENTRUNTIME_TOKEN is a sandbox-only tenant-admin PAT with every scope.",
        `Other sandbox PATs: ${sandbox.tokens.viewer} (viewer, workflow:read), ${sandbox.tokens.readScope} (contributor, workflow:read only), ${sandbox.tokens.contributor} (contributor, ar_pat_ form).`,
        `Sample workflows: ${sandbox.ids.approvalWorkflow} (stops at a human task), ${sandbox.ids.echoWorkflow}, ${sandbox.ids.failingWorkflow}; plans ${sandbox.ids.priceStarter}, ${sandbox.ids.pricePro}.`,
      ],
      demo: (script) => demoChapter(script, sandbox),
      demoToolsets: ["agentruntime_webhooks"],
      close: () => sandbox.close(),
    };
    return running;
  },
};

const data = (r: CallToolResult) => (r.structuredContent ?? {}) as Record<string, unknown>;

async function demoChapter({ heading, show }: DemoScript, sandbox: ArSandbox): Promise<void> {
  heading("Build a workflow", "(PAT + tenant/project headers)");
  const created = await show("Create a draft workflow with a human approval step", "agentruntime_workflows_create", {
    name: "Refund approval",
    graph: {
      steps: [
        { id: "lookup", type: "action", name: "Look up the order" },
        { id: "approve", type: "human_task", name: "Approve the refund", prompt: "Refund {{input.amount}} USD to {{input.customer_email}}?" },
        { id: "refund", type: "action", name: "Issue the refund" },
      ],
    },
  });
  const workflowId = String(data(created).id ?? sandbox.ids.approvalWorkflow);
  await show("Validate it (dry run)", "agentruntime_workflows_validate", { workflow_id: workflowId });
  await show("Publish version 1 (runs execute published snapshots)", "agentruntime_workflows_publish_version", { workflow_id: workflowId, changelog: "first version" });

  heading("Run it, with a human in the loop");
  const run = await show("Start a run and follow it, with progress", "agentruntime_workflows_run", { workflow_id: workflowId, input: { customer_email: "ada@example.com", amount: 42 } }, { progress: true });
  const pending = (data(run).pending_tasks as { task_id: string }[] | undefined)?.[0];
  const runId = String((data(run).run_id as string | undefined) ?? "");
  if (pending && runId) {
    await show("The user approves the task", "agentruntime_tasks_complete", { workflow_id: workflowId, run_id: runId, task_id: pending.task_id, approved: true });
    await show("Follow the run to its end", "agentruntime_workflows_run_wait", { workflow_id: workflowId, run_id: runId }, { progress: true });
    await show("What happened, step by step", "agentruntime_runs_events", { workflow_id: workflowId, run_id: runId });
  }

  heading("Signed inbound webhooks", "(the signing secret is stored locally, never shown)");
  const sub = await show("Subscribe the workflow to inbound webhooks", "agentruntime_inbound_webhooks_create", { workflow_id: sandbox.ids.echoWorkflow, name: "demo hook" });
  const subId = (data(sub).subscription as { id?: string } | undefined)?.id;
  if (subId) await show("Deliver a signed payload (HMAC-SHA256 of the body)", "agentruntime_inbound_webhooks_send", { subscription_id: subId, payload: { order: 1001 } });

  heading("What failures look like");
  await show("A run of a workflow with no published version", "agentruntime_workflows_run", { workflow_id: sandbox.ids.draftWorkflow });
  await show("An id that does not exist", "agentruntime_workflows_get", { workflow_id: "wf_missing" });
}
