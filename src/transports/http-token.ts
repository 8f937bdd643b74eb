import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { writeFileAtomic } from '../core/state/files.js';

export const HTTP_TOKEN_FILE = 'http-token';

/**
 * A fresh 256-bit token in <home>/http-token, mode 0600, written atomically so a
 * client reading it at start-up never sees half a token. Fresh at every start, so a
 * token copied somewhere stops working with the next restart.
 */
export async function writeHttpTokenFile(home: string): Promise<{ token: string; file: string }> {
  const token = randomBytes(32).toString('base64url');
  const file = path.join(home, HTTP_TOKEN_FILE);
  await writeFileAtomic(file, `${token}\n`, 0o600);
  return { token, file };
}
