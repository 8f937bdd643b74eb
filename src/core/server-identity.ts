import { VERSION } from '../version.js';

// What initialize answers, in one light module: the server (src/server.ts) and the early
// answers given before it loads (src/early-answers.ts) both build it from here.

/** The MCP SDK's supported protocol versions, newest first (a test checks this copy against the SDK's own list). */
export const PROTOCOL_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'];

/** What the server offers, whatever it serves: a platform without resources or prompts lists none. */
export const SERVER_CAPABILITIES = { logging: {}, resources: { listChanged: true }, prompts: { listChanged: true }, tools: { listChanged: true } } as const;

export function serverInfo(titles: readonly string[]): { name: string; title: string; version: string } {
  return { name: 'agentpmt-mcp', title: titles.join(' + ') || 'agentpmt-mcp', version: VERSION };
}

export function serverInstructions(platformParts: readonly string[]): string {
  return [...platformParts, 'Every result has a one-line summary, and a "next" list of the calls that make sense now; every error has a "Next step": follow them.'].join(' ');
}

/** The initialize result, as the SDK's server builds it: the client's version when supported, else the newest. */
export function initializeResult(requestedVersion: string, titles: readonly string[], instructions: string): Record<string, unknown> {
  return {
    protocolVersion: PROTOCOL_VERSIONS.includes(requestedVersion) ? requestedVersion : PROTOCOL_VERSIONS[0],
    capabilities: SERVER_CAPABILITIES,
    serverInfo: serverInfo(titles),
    ...(instructions ? { instructions } : {}),
  };
}
