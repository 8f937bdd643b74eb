export const HOST_IDS = ['claude-desktop', 'claude-code', 'cursor', 'vscode', 'windsurf', 'gemini', 'codex'] as const;
export type HostId = (typeof HOST_IDS)[number];

export function isHostId(s: string): s is HostId {
  return (HOST_IDS as readonly string[]).includes(s);
}
