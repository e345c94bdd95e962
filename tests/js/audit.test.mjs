// The GraphQL-over-HTTP compliance audit that ships with the `graphql-http` package, run
// against the real binary (given in NEWSGRAPH_BIN). Every MUST and SHOULD must pass.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { auditServer } from 'graphql-http';

const BIN = process.env.NEWSGRAPH_BIN;
let child;
let url;

before(async () => {
  assert.ok(BIN, 'set NEWSGRAPH_BIN to the newsgraph binary');
  const env = { ...process.env, RUST_LOG: 'warn,newsgraph=info', NO_COLOR: '1' };
  for (const v of ['NEWSGRAPH_SEED', 'NEWSGRAPH_ADDR', 'NEWSGRAPH_DATA_DIR', 'NEWSGRAPH_WRITE_TOKEN']) delete env[v];
  child = spawn(BIN, ['--addr', '127.0.0.1:0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no "listening" line within 30 s')), 30_000);
    createInterface({ input: child.stderr }).on('line', (line) => {
      const m = /listening.*\baddr=127\.0\.0\.1:(\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening`));
    });
  });
  url = `http://127.0.0.1:${port}/graphql`;
});

after(() => {
  child?.kill('SIGTERM');
});

test('the graphql-http audit finds no MUST or SHOULD failure', async () => {
  const results = await auditServer({ url });
  assert.ok(results.length > 50, `the audit ran (${results.length} audits)`);
  const failed = results
    .filter((r) => r.status !== 'ok')
    .map((r) => `${r.id} ${r.name}: ${r.status} ${r.reason ?? ''}`);
  const mustOrShould = failed.filter((f) => / (MUST|SHOULD) /.test(f));
  assert.deepEqual(mustOrShould, [], `MUST/SHOULD failures:\n${mustOrShould.join('\n')}`);
  // The optional (MAY) audits pass too; report any that do not.
  assert.deepEqual(failed, [], `other audits not ok:\n${failed.join('\n')}`);
});
