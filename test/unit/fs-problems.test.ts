import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeFsError, stateDirProblem } from '../../src/core/state/fs-problems.js';

const errno = (code: string) => Object.assign(new Error(`${code}: something`), { code });

describe('filesystem faults get a named cause and a next step', () => {
  it.each([
    ['EACCES', /permission denied/, /chmod|mode 700/],
    ['EPERM', /permission denied/, /owner and mode/],
    ['EROFS', /read-only filesystem/, /writable/],
    ['ENOSPC', /disk .* is full/, /Free some space/],
    ['EDQUOT', /disk \(or quota\)/, /Free some space/],
    ['ENOTDIR', /part of the path .* is a file/, /Move that file away/],
    ['EISDIR', /a folder where a file should be/, /Move the folder/],
    ['ELOOP', /symbolic link loop/, /Fix or remove the link/],
    ['ENOENT', /missing or a link to nothing/, /dangling link/],
    ['EMFILE', /file descriptors/, /ulimit/],
  ])('%s', (code, what, next) => {
    const p = describeFsError(errno(code), '/home/u/.config/agentpmt-mcp/payments.jsonl');
    expect(p.what).toMatch(what);
    expect(p.next_step).toMatch(next);
  });

  it('an unknown code is still named, with a pointer to doctor', () => {
    const p = describeFsError(errno('EWEIRD'), '/x/y');
    expect(p.what).toMatch(/EWEIRD/);
    expect(p.next_step).toMatch(/doctor/);
  });

  it('stateDirProblem: missing is fine (created private later); a file, or a world-writable folder, is not', async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'fsp-'));
    expect(await stateDirProblem(path.join(base, 'not-yet'))).toBeUndefined();
    const file = path.join(base, 'file');
    writeFileSync(file, 'x');
    expect((await stateDirProblem(file))?.what).toMatch(/is a file, not a folder/);
    const open = path.join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect((await stateDirProblem(open))?.what).toMatch(/writable by every user/);
    chmodSync(open, 0o700);
    expect(await stateDirProblem(open)).toBeUndefined();
  });
});
