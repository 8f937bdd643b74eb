import type { Config } from '../../../config.js';

/** Whether this run federates: the setting, else on exactly when there is a bearer token; and the "hosted" toolset selected. */
export function hostedEnabled(config: Pick<Config, 'hostedMcp' | 'bearerToken' | 'toolsets'>): boolean {
  const on = config.hostedMcp ?? config.bearerToken !== undefined;
  return on && config.bearerToken !== undefined && config.toolsets.some((t) => t === 'hosted' || t === 'default' || t === 'all');
}
