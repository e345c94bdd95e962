// GraphQL Code Generator's configuration: the explorer's operations (explorer/queries.graphql),
// checked against the schema the server serves (schema/schema.graphql, itself checked against
// the binary by tests/api/contract.rs), become typed documents in explorer/generated/graphql.ts.
//
// `npm run codegen` rewrites the file; build.mjs generates it again in memory and stops the
// build when the committed file differs, so a schema change cannot leave the explorer stale.
export default {
  overwrite: true,
  schema: '../schema/schema.graphql',
  documents: 'explorer/queries.graphql',
  generates: {
    'explorer/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        // Custom scalars are strings on the wire (ISO dates, `2025-06` fuzzy dates).
        scalars: { Date: 'string', DateTime: 'string', FuzzyDate: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: true,
        skipTypename: true,
      },
    },
  },
};
