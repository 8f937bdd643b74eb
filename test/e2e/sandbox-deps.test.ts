import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers.js';

/**
 * @x402/evm (the sandbox's reference facilitator) is bundled into the shipped package; dist/ run from a tree
 * without development dependencies does not have it. Simulated with a resolve hook that hides @x402/*.
 */
describe('the sandbox without @x402/evm installed', () => {
  it('refuses to start and says what to install', () => {
    const hook = `export async function resolve(s, c, next) { if (s.startsWith('@x402/')) { const e = new Error('Cannot find package ' + s); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }`;
    const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;
    const res = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, CLI, 'sandbox', '--port', '0'], {
      input: '',
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 25_000,
    });
    expect(res.status).toBe(1);
    expect(res.stdout).not.toContain('listening');
    expect(res.stderr).toContain('npm install @x402/evm');
  });
});
