// The explorer's generated GraphQL types cannot go stale unnoticed: the check build.mjs runs
// before bundling passes on the committed files, and fails when the schema changes under them
// (a kind added: the types differ; a field the explorer asks for removed: its operations no
// longer validate).
//
// Run with `node --test tests/js/` (the Rust test tests/api/js.rs does, after `cargo build`
// has installed ui/node_modules).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { staleGenerated } from '../../ui/codegen-check.mjs';

const SCHEMA = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');

/** The check run against `schema` written to a temporary file. */
async function checkAgainst(schema) {
  const dir = mkdtempSync(join(tmpdir(), 'newsgraph-codegen-'));
  try {
    const file = join(dir, 'schema.graphql');
    writeFileSync(file, schema);
    return await staleGenerated(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the committed types are what the schema generates now', async () => {
  assert.deepEqual(await staleGenerated(), []);
});

test('a kind added to the schema makes the committed types stale', async () => {
  const changed = SCHEMA.replace(/enum EntityKind \{/, 'enum EntityKind {\n\tPLACE');
  assert.notEqual(changed, SCHEMA);
  const problems = await checkAgainst(changed);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.match(problems[0], /generated\/graphql\.ts is stale.*npm run codegen/);
});

test('a field the explorer asks for, removed from the schema, fails the check', async () => {
  // `Evidence.end`, which the explorer needs to mark a quote in its source.
  const changed = SCHEMA.replace(/(type Evidence \{[\s\S]*?)\n\t"""[^"]*"""\n\tend: Int!/, '$1');
  assert.notEqual(changed, SCHEMA);
  const problems = await checkAgainst(changed);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.match(problems[0], /do not fit .*"end"/);
});
