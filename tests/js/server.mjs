// The newsgraph binary (given in NEWSGRAPH_BIN) as a child process for the JavaScript suites:
// started on a port the OS picks, with a clean environment, and stopped gracefully.
//
// Not a test file itself (tests/api/js.rs runs only the `*.test.mjs` files).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const BIN = process.env.NEWSGRAPH_BIN;

/** Configuration a test must not inherit from the environment it runs in. */
const INHERITED = [
  'NEWSGRAPH_CONFIG',
  'NEWSGRAPH_SEED',
  'NEWSGRAPH_ADDR',
  'NEWSGRAPH_DATA_DIR',
  'NEWSGRAPH_WRITE_TOKEN',
  'NEWSGRAPH_WRITE_TOKEN_FILE',
  'NEWSGRAPH_LOG_FORMAT',
];

/**
 * Starts the binary with `--addr 127.0.0.1:0` and waits for its `listening ... addr=` line.
 *
 * - `token`: the write token (`NEWSGRAPH_WRITE_TOKEN`); without it the server is read-only.
 * - `dataDir`: `true` for a fresh temporary data directory (`--data-dir`), which
 *   `stopServer` removes; without it the server keeps its writes in memory.
 * - `rustLog`: the `RUST_LOG` filter, `info` by default.
 * - `seed`: a seed directory to serve instead of the built-in data (`--seed`).
 * - `startMs`: how long to wait for it to listen (a large seed takes a while to load).
 *
 * Returns `{ child, port, dataDir, log }`; `log` collects every stderr line for the
 * server's whole life.
 */
export async function startServer({
  token,
  dataDir = false,
  rustLog = 'info',
  seed,
  startMs = 30_000,
} = {}) {
  assert.ok(BIN, 'set NEWSGRAPH_BIN to the newsgraph binary');
  const env = { ...process.env, RUST_LOG: rustLog, NO_COLOR: '1' };
  for (const v of INHERITED) delete env[v];
  if (token) env.NEWSGRAPH_WRITE_TOKEN = token;
  const dir = dataDir ? mkdtempSync(join(tmpdir(), 'newsgraph-js-')) : undefined;
  const args = [...(dir ? ['--data-dir', dir] : []), ...(seed ? ['--seed', seed] : [])];
  const child = spawn(BIN, [...args, '--addr', '127.0.0.1:0'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log = [];
  const server = { child, port: undefined, dataDir: dir, log };
  try {
    server.port = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no "listening" line within ${startMs} ms:\n${log.join('\n')}`)),
        startMs,
      );
      // Keeps draining stderr for the server's whole life.
      createInterface({ input: child.stderr }).on('line', (line) => {
        log.push(line);
        const m = /listening.*\baddr=127\.0\.0\.1:(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${code ?? signal}) before listening:\n${log.join('\n')}`));
      });
    });
  } catch (e) {
    await stopServer(server);
    throw e;
  }
  return server;
}

/** SIGTERM, then SIGKILL if the server is still running 10 s later; removes its data directory. */
export async function stopServer(s) {
  if (!s) return;
  const running = s.child.exitCode === null && s.child.signalCode === null;
  // A child that failed to spawn has no pid and may never emit `exit`.
  if (s.child.pid !== undefined && running) {
    const exited = new Promise((resolve) => s.child.once('exit', resolve));
    s.child.kill('SIGTERM');
    const timer = setTimeout(() => s.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  if (s.dataDir) rmSync(s.dataDir, { recursive: true, force: true });
}

/**
 * POSTs a GraphQL request to `server` (with the write token `token`, if given) and returns the
 * `data` of an answer that must succeed: 200 and no errors.
 */
export async function ask(server, query, variables = {}, token = undefined) {
  const resp = await fetch(`http://127.0.0.1:${server.port}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  assert.equal(resp.status, 200, `POST /graphql answered ${resp.status}`);
  const body = await resp.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}
