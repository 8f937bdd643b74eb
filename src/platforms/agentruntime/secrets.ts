import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { log } from '../../core/log.js';
import { writeFileAtomic } from '../../core/state/files.js';

/** What AgentRuntime hands out once and the model must never see: a webhook's signing secret, a new PAT's token. */
export type SecretKind = 'webhook' | 'pat';

export interface StoredWebhook {
  kind: 'webhook';
  subscription_id: string;
  signing_secret: string;
  /** The automation PAT the subscription was created with, when there was one: the ingress is sent with its token if it is stored here too. */
  automation_pat_id?: string;
  created_at: string;
}

export interface StoredPat {
  kind: 'pat';
  pat_id: string;
  token: string;
  display_name?: string;
  scopes?: string[];
  created_at: string;
}

/**
 * One file per secret under <AGENTPMT_HOME>/agentruntime/<kind>/, written
 * atomically with mode 0600 (separate files: two server processes never
 * rewrite each other's secrets). Every value read or written is added to the
 * log scrubber, so an echo from the platform cannot carry it out either.
 */
export class SecretStore {
  readonly dir: string;

  constructor(home: string) {
    this.dir = path.join(home, 'agentruntime');
  }

  /** The file for an id; ids are hashed when they are not plain file names, so no id can name a path elsewhere. */
  fileFor(kind: SecretKind, id: string): string {
    const safe = /^[A-Za-z0-9][A-Za-z0-9_-]{0,100}$/.test(id) ? id : `h_${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
    return path.join(this.dir, kind === 'webhook' ? 'webhooks' : 'pats', `${safe}.json`);
  }

  async put(entry: StoredWebhook | StoredPat): Promise<string> {
    const value = entry.kind === 'webhook' ? entry.signing_secret : entry.token;
    log.addSecrets([value]);
    const file = this.fileFor(entry.kind, entry.kind === 'webhook' ? entry.subscription_id : entry.pat_id);
    await writeFileAtomic(file, JSON.stringify(entry, null, 2) + '\n', 0o600);
    return file;
  }

  async webhook(subscriptionId: string): Promise<StoredWebhook | undefined> {
    const e = await this.read(this.fileFor('webhook', subscriptionId));
    return e?.kind === 'webhook' && e.subscription_id === subscriptionId ? e : undefined;
  }

  async pat(patId: string): Promise<StoredPat | undefined> {
    const e = await this.read(this.fileFor('pat', patId));
    return e?.kind === 'pat' && e.pat_id === patId ? e : undefined;
  }

  /**
   * Adds every stored secret to the log scrubber: a platform answer or an error
   * that happened to echo one is scrubbed even before any tool read it this run.
   */
  async scrubAll(): Promise<void> {
    for (const sub of ['webhooks', 'pats']) {
      let names: string[];
      try {
        names = await fs.readdir(path.join(this.dir, sub));
      } catch {
        continue;
      }
      for (const n of names.filter((x) => x.endsWith('.json'))) await this.read(path.join(this.dir, sub, n));
    }
  }

  /** Forgets a secret whose resource was deleted or revoked; a missing file is fine. */
  async remove(kind: SecretKind, id: string): Promise<boolean> {
    try {
      await fs.rm(this.fileFor(kind, id));
      return true;
    } catch {
      return false;
    }
  }

  private async read(file: string): Promise<StoredWebhook | StoredPat | undefined> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const e = JSON.parse(text) as StoredWebhook | StoredPat;
      log.addSecrets([e.kind === 'webhook' ? e.signing_secret : e.token].filter((v): v is string => typeof v === 'string'));
      return e;
    } catch {
      log.warn('unreadable AgentRuntime secret file ignored', { file });
      return undefined;
    }
  }
}
