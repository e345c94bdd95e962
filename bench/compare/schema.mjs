// newsgraph's own SDL (schema/schema.graphql, the contract its frontends build on), for the
// JS servers of the comparison, and the command line they share.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export const typeDefs = readFileSync(join(here, '../../schema/schema.graphql'), 'utf8');

// `--port N --data FILE`
export function serverArgs(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') out.port = Number(argv[++i]);
    else if (argv[i] === '--data') out.data = argv[++i];
  }
  if (!out.port || !out.data) {
    console.error('usage: node SERVER.mjs --port N --data data.json');
    process.exit(2);
  }
  return out;
}
