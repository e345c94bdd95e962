// The schema frontends build on may not break silently: every breaking change from the
// released contract (schema/released.graphql) must be announced in CHANGELOG.md under
// `## Unreleased` (see contract.mjs); and the guard itself is shown to catch one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { unannouncedBreakingChanges, unreleased } from './contract.mjs';

const root = new URL('../../', import.meta.url);
const read = (path) => readFileSync(new URL(path, root), 'utf8');

test('the schema has no breaking change the changelog does not announce', async () => {
  const unannounced = await unannouncedBreakingChanges(
    read('schema/released.graphql'),
    read('schema/schema.graphql'),
    read('CHANGELOG.md'),
  );
  assert.deepEqual(
    unannounced,
    [],
    'breaking changes to the released API: undo them, deprecate instead (@deprecated(reason:)), ' +
      'or announce each path in backticks under "## Unreleased" in CHANGELOG.md:\n' +
      unannounced.map((c) => `  \`${c.path}\`: ${c.message}`).join('\n'),
  );
});

test('the changelog records the 1.0 contract', () => {
  assert.match(read('CHANGELOG.md'), /^## 1\.0\.0\b/m);
});

const RELEASED = `
  type Query { entity(id: ID!): Entity, search(query: String!): [Entity!]! }
  type Entity { id: ID!, name: String!, kind: Kind! }
  enum Kind { STATE PERSON }
`;

test('the guard catches a removed field, a changed type and a removed enum value', async () => {
  const current = `
    type Query { entity(id: ID!): Entity, count: Int }
    type Entity { id: ID!, name: String, kind: Kind! }
    enum Kind { STATE }
  `;
  const paths = (await unannouncedBreakingChanges(RELEASED, current, '# Changelog\n')).map(
    (c) => c.path,
  );
  assert.deepEqual(paths.sort(), ['Entity.name', 'Kind.PERSON', 'Query.search']);
});

test('a breaking change announced under Unreleased passes, one under a release does not', async () => {
  const current = RELEASED.replace(', search(query: String!): [Entity!]!', '');
  const announced = '# Changelog\n\n## Unreleased\n\n- Removed `Query.search`.\n\n## 1.0.0\n';
  assert.deepEqual(await unannouncedBreakingChanges(RELEASED, current, announced), []);
  const old = '# Changelog\n\n## Unreleased\n\n## 1.0.0\n\n- Removed `Query.search`.\n';
  assert.equal((await unannouncedBreakingChanges(RELEASED, current, old)).length, 1);
  assert.equal(unreleased(old).includes('Query.search'), false);
});

test('adding a field or an optional argument is not breaking', async () => {
  const current = RELEASED.replace(
    'search(query: String!)',
    'search(query: String!, limit: Int)',
  ).replace('kind: Kind! }', 'kind: Kind!, description: String }');
  assert.deepEqual(await unannouncedBreakingChanges(RELEASED, current, ''), []);
});
