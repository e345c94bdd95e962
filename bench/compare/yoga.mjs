// GraphQL Yoga on Node's http server (its getting-started setup) serving newsgraph's schema
// from the exported data. Run with NODE_ENV=production, as deployed.
//   node yoga.mjs --port N --data data.json

import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import { loadData, makeResolvers } from './resolvers.mjs';
import { serverArgs, typeDefs } from './schema.mjs';

const { port, data } = serverArgs();
const yoga = createYoga({
  schema: createSchema({ typeDefs, resolvers: makeResolvers(loadData(data)) }),
});
createServer(yoga).listen(port, '127.0.0.1', () => console.log(`yoga listening on http://127.0.0.1:${port}/graphql`));
