// The GraphQL-over-HTTP compliance audit that ships with the `graphql-http` package, run
// against the real binary (given in NEWSGRAPH_BIN). Every MUST and SHOULD must pass.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { auditServer } from 'graphql-http';

import { startServer, stopServer } from './server.mjs';

let server;
let url;

before(async () => {
  server = await startServer({ rustLog: 'warn,newsgraph=info' });
  url = `http://127.0.0.1:${server.port}/graphql`;
});

after(async () => {
  await stopServer(server);
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
