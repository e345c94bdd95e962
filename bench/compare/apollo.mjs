// Apollo Server (its standalone HTTP server, as its documentation starts with) serving
// newsgraph's schema from the exported data. Run with NODE_ENV=production, as deployed.
//   node apollo.mjs --port N --data data.json

import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { loadData, makeResolvers } from './resolvers.mjs';
import { serverArgs, typeDefs } from './schema.mjs';

const { port, data } = serverArgs();
const schema = makeExecutableSchema({ typeDefs, resolvers: makeResolvers(loadData(data)) });
const server = new ApolloServer({ schema });
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port } });
console.log(`apollo listening on ${url}`);
