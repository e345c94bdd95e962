// Whether the committed explorer/generated/graphql.ts is what GraphQL Code Generator makes
// now from schema/schema.graphql and explorer/queries.graphql. build.mjs stops the build when
// it is not; tests/js/codegen.test.mjs shows that a schema change is caught.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { generate } from '@graphql-codegen/cli';

import codegen from './codegen.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * What is wrong with the generated files, as sentences; empty when they are current.
 * `schema` replaces the schema file (tests pass a changed copy).
 */
export async function staleGenerated(schema = resolve(here, codegen.schema)) {
  let files;
  try {
    files = await generate({ ...codegen, schema, cwd: here, silent: true }, false);
  } catch (e) {
    const why = (e?.errors?.map((x) => x.message).join('; ') || e?.message || String(e))
      .replace(/\s+/g, ' ')
      .trim();
    return [`the explorer's operations do not fit ${schema}: ${why}`];
  }
  const problems = [];
  for (const file of files) {
    let committed = '';
    try {
      committed = readFileSync(join(here, file.filename), 'utf8');
    } catch {}
    if (committed !== file.content) {
      problems.push(
        `ui/${file.filename} is stale: schema/schema.graphql or explorer/queries.graphql changed ` +
          'since it was generated. Run `npm run codegen` in ui/ and commit the result.',
      );
    }
  }
  return problems;
}
