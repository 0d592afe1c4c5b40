// A throw-away PostgreSQL database for the node suites, on the server that
// FERRODOOR_TEST_PG_URL names (as the Rust integration tests use it): created with `psql`
// (PostgreSQL's own client, installed with the server), dropped by `drop()`.

import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The PostgreSQL server of the tests, or `undefined` when its half is skipped. */
export const PG_URL = process.env.FERRODOOR_TEST_PG_URL || undefined;

async function psql(url, sql) {
  await run('psql', ['--no-psqlrc', '-v', 'ON_ERROR_STOP=1', '-q', '-d', url, '-c', sql], { timeout: 30_000 });
}

/** Creates `ferrodoor_node_<random>` on `PG_URL`; answers `{ url, drop }`. */
export async function createPgDatabase(prefix = 'ferrodoor_node') {
  if (!PG_URL) throw new Error('FERRODOOR_TEST_PG_URL is not set');
  const name = `${prefix}_${crypto.randomBytes(6).toString('hex')}`;
  await psql(PG_URL, `CREATE DATABASE ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await psql(PG_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
