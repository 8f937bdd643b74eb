export { HostedBridge, type HostedOptions, type HostedTool, type HostedState } from './bridge.js';
export { registerHostedTools, HOSTED_TOOLSET } from './register.js';
export { LOCAL_EQUIVALENTS, localEquivalent, exportedName, HOSTED_PREFIX } from './local-equivalents.js';
export { createHostedRuntime, hostedUrl, withHosted, type HostedRuntime } from './runtime.js';
export { hostedEnabled } from './enabled.js';
