import { randomBytes } from 'node:crypto';
import { promises as fs, constants as fsc } from 'node:fs';
import path from 'node:path';

/** The state directory, created private to the user on first use. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
}

/**
 * Writes a file so that a reader sees the old content or the new, never half:
 * a private temp file in the same directory, flushed, then renamed over the target.
 * The mode is set at creation, so a secret is never readable by others even briefly.
 */
export async function writeFileAtomic(file: string, data: string, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  await ensurePrivateDir(dir);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, mode);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fs.chmod(file, mode).catch(() => undefined);
}

/** Moves an existing file aside under a new, unused name; returns that name (or undefined when there was none). */
export async function moveAside(file: string, now: Date = new Date()): Promise<string | undefined> {
  try {
    await fs.access(file);
  } catch {
    return undefined;
  }
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const ext = path.extname(file);
  const base = file.slice(0, file.length - ext.length);
  for (let i = 0; ; i++) {
    const candidate = `${base}.${stamp}${i ? `-${i}` : ''}${ext}`;
    try {
      await fs.link(file, candidate); // fails if candidate exists: never overwrites
      await fs.unlink(file);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
