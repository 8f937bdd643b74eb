import { defineEndpoint, READ } from './types.js';

const METRICS: ReadonlyArray<[string, string]> = [
  ['live-runs', 'Workflows running now.'],
  ['success-rate', 'Run success percentage over the window.'],
  ['execution-duration', 'Wall-clock execution time of runs.'],
  ['runs-count', 'Runs in the window.'],
  ['steps-executed', 'Metered workflow steps.'],
  ['credits-consumed', 'Credits (microcredits) used in the window.'],
  ['steps-summary', 'Step-type breakdown and latency.'],
  ['runs-timeseries', 'Run count over time.'],
  ['usage-timeseries', 'Usage over time.'],
];

/** One read tool per analytics metric, over the platform's default window; AgentRuntime answers 503 when analytics is not configured. */
export const analyticsEndpoints = METRICS.map(([metric, what]) =>
  defineEndpoint({
    name: `agentruntime_analytics_${metric.replace(/-/g, '_')}`,
    title: `Analytics: ${metric.replace(/-/g, ' ')}`,
    description: what,
    toolset: 'agentruntime_analytics',
    method: 'GET',
    origin: 'api',
    path: `/v1/analytics/${metric}`,
    auth: 'project',
    // The reference names no query parameters (not even the window's): none are invented here.
    input: () => ({}),
    annotations: READ,
  }),
);
