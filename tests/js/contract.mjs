// The API contract guard: which breaking changes between the released schema
// (schema/released.graphql) and the current one (schema/schema.graphql) CHANGELOG.md does not
// announce. GraphQL Inspector decides what is breaking; a breaking change is announced when
// its path (e.g. `Query.entity` or `Mutation.createEntity.input`) is written in backticks
// under the changelog's `## Unreleased` heading.
//
// Not a test file itself (tests/api/js.rs runs only the `*.test.mjs` files).

import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

/** The text of the changelog's `## Unreleased` section (empty when there is none). */
export function unreleased(changelog) {
  const start = changelog.search(/^## Unreleased\b.*$/m);
  if (start < 0) return '';
  const rest = changelog.slice(start).replace(/^.*\n/, '');
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** Every breaking change from `releasedSdl` to `currentSdl` the changelog does not announce. */
export async function unannouncedBreakingChanges(releasedSdl, currentSdl, changelog) {
  const changes = await diff(buildSchema(releasedSdl), buildSchema(currentSdl));
  const announced = unreleased(changelog);
  return changes
    .filter((c) => c.criticality.level === CriticalityLevel.Breaking)
    .filter((c) => !announced.includes('`' + c.path + '`'))
    .map((c) => ({ path: c.path, message: c.message }));
}
