import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface FsProblem {
  what: string;
  next_step: string;
}

const HOME_HINT = 'or point AGENTPMT_HOME at a private, writable directory';

/** A filesystem error on the state directory, as a named cause with a next step (never a bare errno). */
export function describeFsError(err: unknown, target: string): FsProblem {
  const e = err as NodeJS.ErrnoException;
  const dir = path.dirname(target);
  switch (e?.code) {
    case 'EACCES':
    case 'EPERM':
      return { what: `cannot be read or written by this user (permission denied on ${target})`, next_step: `Check the owner and mode of ${dir} and ${target} (ls -l): they must belong to the user running the server, mode 700 for the folder and 600 for files, ${HOME_HINT}.` };
    case 'EROFS':
      return { what: `is on a read-only filesystem (${target})`, next_step: `Remount it writable, ${HOME_HINT}.` };
    case 'ENOSPC':
    case 'EDQUOT':
      return { what: `cannot be written: the disk (or quota) holding ${dir} is full`, next_step: `Free some space on that disk, ${HOME_HINT}. Nothing was paid.` };
    case 'ENOTDIR':
      return { what: `cannot be reached: part of the path ${target} is a file, not a folder`, next_step: `Move that file away so the folder can exist, ${HOME_HINT}.` };
    case 'EISDIR':
      return { what: `is a folder where a file should be (${target})`, next_step: `Move the folder ${target} aside (it is not ours to delete), then retry.` };
    case 'ELOOP':
      return { what: `is a symbolic link loop (${target})`, next_step: `Fix or remove the link, ${HOME_HINT}.` };
    case 'ENOENT':
      return { what: `is missing or a link to nothing (${target})`, next_step: `Check that ${dir} exists and that no dangling link stands in for ${target} (ls -l), ${HOME_HINT}.` };
    case 'EMFILE':
    case 'ENFILE':
      return { what: 'cannot be opened: the process ran out of file descriptors', next_step: 'Raise the open-files limit (ulimit -n) or close other programs, then retry.' };
    default:
      return { what: `failed with ${e?.code ?? 'an error'} (${e?.message ?? String(err)})`, next_step: `Run agentpmt-mcp doctor to check the state directory, ${HOME_HINT}.` };
  }
}

/** Why the state directory cannot safely hold payments or keys, or undefined when it can. */
export async function stateDirProblem(dir: string): Promise<FsProblem | undefined> {
  let st;
  try {
    st = await fs.lstat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // created private on first use
    return describeFsError(err, dir);
  }
  if (st.isSymbolicLink()) {
    try {
      st = await fs.stat(dir);
    } catch (err) {
      return describeFsError(err, dir);
    }
  }
  if (!st.isDirectory()) return { what: `${dir} is a file, not a folder`, next_step: `Move the file ${dir} aside, or point AGENTPMT_HOME at a private, writable directory.` };
  if (process.platform !== 'win32' && (st.mode & 0o002) !== 0) {
    return { what: `${dir} is writable by every user on this machine, so anyone could alter the payment ledger or the wallet`, next_step: `Run chmod 700 "${dir}" (and check nothing in it was changed), or point AGENTPMT_HOME at a private directory.` };
  }
  return undefined;
}
