// The explorer's GraphQL client: urql over HTTP for queries, graphql-ws over WebSocket for the
// change feed, both at this server's own endpoints (relative to the page, so a path prefix or
// TLS in front works too). Every operation is a typed document generated from
// queries.graphql, so a field the schema lacks is a build error, not a runtime surprise.

import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient as createWsClient } from 'graphql-ws';

/** A failed request: the server's message and, for a GraphQL error, its `extensions.code`. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

const http = new URL('graphql', document.baseURI);
const ws = new URL('graphql/ws', document.baseURI);
ws.protocol = http.protocol === 'https:' ? 'wss:' : 'ws:';

/** One socket for the tab, opened when the first subscription starts, retried when lost. */
const socket = createWsClient({ url: ws.href, lazy: true, retryAttempts: Infinity });

/**
 * No document cache: the graph changes under the explorer (it follows the change feed), and
 * every view is asked for afresh when it is shown. GET where the URL is short enough, so a
 * proxy in front may cache reads.
 */
export const client = new Client({
  url: http.href,
  preferGetMethod: 'within-url-limit',
  requestPolicy: 'network-only',
  exchanges: [
    fetchExchange,
    subscriptionExchange({
      forwardSubscription(request) {
        const input = { ...request, query: request.query ?? '' };
        return {
          subscribe(sink) {
            const unsubscribe = socket.subscribe(input, sink);
            return { unsubscribe };
          },
        };
      },
    }),
  ],
});

/** Runs a query; its data, or an [`ApiError`] with the first error's message and code. */
export async function ask<D, V extends Record<string, unknown>>(
  doc: TypedDocumentNode<D, V>,
  variables: V,
): Promise<D> {
  const result = await client.query(doc, variables).toPromise();
  if (result.error) {
    const first = result.error.graphQLErrors[0];
    const code = first?.extensions?.code;
    throw new ApiError(
      first?.message ?? result.error.networkError?.message ?? result.error.message,
      typeof code === 'string' ? code : undefined,
    );
  }
  if (!result.data) throw new ApiError('the server sent no data', undefined);
  return result.data;
}

/** Follows a subscription, calling `next` with each result's data until `stop()`. */
export function follow<D, V extends Record<string, unknown>>(
  doc: TypedDocumentNode<D, V>,
  variables: V,
  next: (data: D) => void,
): () => void {
  const { unsubscribe } = client.subscription(doc, variables).subscribe((result) => {
    if (result.data) next(result.data);
  });
  return unsubscribe;
}

/** Called with `true`/`false` as the change feed's socket connects and drops. */
export function onLive(listener: (live: boolean) => void): void {
  socket.on('connected', () => listener(true));
  socket.on('closed', () => listener(false));
}
