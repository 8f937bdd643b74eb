import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../support/postgres.js';

// Smoke test of test/support/postgres.ts: a real server, reached over TCP with `pg`.
describe('the PostgreSQL test harness', () => {
  let server: TestPostgres;
  let pool: pg.Pool;

  beforeAll(async () => {
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url, max: 10 });
  });

  afterAll(async () => {
    await pool?.end();
    await server?.stop();
  });

  it('gives a loopback URL to a database made for this test', () => {
    const url = new URL(server.url);
    expect(url.protocol).toBe('postgresql:');
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.pathname).toMatch(/^\/test_[0-9a-f]{12}$/);
    expect(url.password.length).toBeGreaterThanOrEqual(20);
  });

  it('answers select 1 in that database', async () => {
    const { rows } = await pool.query<{ one: number; db: string }>('select 1 as one, current_database() as db');
    expect(rows).toEqual([{ one: 1, db: new URL(server.url).pathname.slice(1) }]);
  });

  it('serializes 20 concurrent transactions on an advisory lock', async () => {
    await pool.query('create table counter (id int primary key, n int not null)');
    await pool.query('insert into counter values (1, 0)');

    // Read, then write, inside the lock: without it the increments would be lost.
    const increment = async (): Promise<void> => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query('select pg_advisory_xact_lock(42)');
        const { rows } = await client.query<{ n: number }>('select n from counter where id = 1');
        await client.query('update counter set n = $1 where id = 1', [rows[0]!.n + 1]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw err;
      } finally {
        client.release();
      }
    };
    await Promise.all(Array.from({ length: 20 }, increment));

    const { rows } = await pool.query<{ n: number }>('select n from counter where id = 1');
    expect(rows[0]!.n).toBe(20);
  });

  it('stop() ends the server and removes its data directory', async () => {
    const other = await startPostgres();
    const before = new Set(readdirSync(os.tmpdir()).filter((n) => n.startsWith('agentpmt-pg-')));
    const client = new pg.Client({ connectionString: other.url });
    await client.connect();
    const { rows } = await client.query<{ dir: string }>("select current_setting('data_directory') as dir");
    await client.end();
    const dir = rows[0]!.dir;
    expect(before.has(path.basename(path.dirname(dir)))).toBe(true);

    await other.stop();
    await other.stop(); // idempotent
    expect(existsSync(path.dirname(dir))).toBe(false);
    const refused = new pg.Client({ connectionString: other.url, connectionTimeoutMillis: 2000 });
    await expect(refused.connect()).rejects.toThrow();
  });
});
