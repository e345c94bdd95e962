// GraphiQL for newsgraph, bundled by ../build.mjs so that /graphiql needs nothing but this
// server: React, GraphiQL, its Monaco editor and their workers are all served from /assets/.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createClient } from 'graphql-ws';
import { createRoot } from 'react-dom/client';

import 'graphiql/style.css';
import './page.css';

// Monaco runs its language services in web workers. The worker bundles' hashed names are
// defined by build.mjs at bundle time (WORKERS), and the workers load from this origin only.
globalThis.MonacoEnvironment = {
  getWorker(_id, label) {
    const file = WORKERS[label] ?? WORKERS.editor;
    return new Worker(new URL(`assets/${file}`, document.baseURI), { type: 'module' });
  },
};

// The endpoints are relative to the page, so a server behind a path prefix or TLS works too.
const http = new URL('graphql', document.baseURI);
const ws = new URL('graphql/ws', document.baseURI);
ws.protocol = http.protocol === 'https:' ? 'wss:' : 'ws:';

const fetcher = createGraphiQLFetcher({
  url: http.href,
  // One socket for every subscription of the tab, opened when the first one starts.
  wsClient: createClient({ url: ws.href, lazy: true }),
});

// What a first visit shows: a question the default data answers, with its evidence.
const EXAMPLE = `# newsgraph: every fact with the sentence that states it.
# Press Ctrl+Enter to run; the Docs pane lists every field.
{
  entity(id: "state/estonia") {
    name
    relations(relationTypes: [PARTY_TO], first: 5) {
      edges {
        type
        validUntil
        entity { name }
        evidence { quote source { title } }
      }
    }
  }
}
`;

createRoot(document.getElementById('graphiql')).render(
  <GraphiQL fetcher={fetcher} defaultQuery={EXAMPLE} defaultEditorToolsVisibility={false} />,
);
