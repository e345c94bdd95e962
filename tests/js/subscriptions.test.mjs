// The change feed as a frontend sees it: a real graphql-ws client over WebSocket, writes with
// fetch and a bearer token, against the newsgraph binary given in NEWSGRAPH_BIN.
//
// Run with `node --test tests/js/` (the Rust test tests/api/js.rs does, after `npm ci`).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { startServer, stopServer } from './server.mjs';

const TOKEN = 'js-subscriptions-token-0123456789';

/** How long "does not arrive" waits. */
const QUIET_MS = 1000;
/** How long an expected event may take. */
const EVENT_MS = 5000;

let server;
let client;

/** `promise`'s value, or `fallback` after `ms` (the timer is cleared either way). */
async function within(ms, promise, fallback) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** POSTs a GraphQL request with the write token; the JSON body. */
async function graphql(query, variables = {}, token = TOKEN) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const resp = await fetch(`http://127.0.0.1:${server.port}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  assert.equal(resp.status, 200, `POST /graphql answered ${resp.status}`);
  return resp.json();
}

/** A write that must succeed; its data. */
async function write(query, variables = {}) {
  const body = await graphql(query, variables);
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

/** One change through applyChanges (which must apply it); the version it made. */
async function applyOne(change) {
  const data = await write(
    'mutation($c: [ChangeInput!]!) { applyChanges(input: { changes: $c }) { version userErrors { message } } }',
    { c: [change] },
  );
  assert.deepEqual(data.applyChanges.userErrors, []);
  return data.applyChanges.version;
}

/**
 * A subscription as a queue: `next(ms)` resolves with the next result, or `null` when none
 * arrives in time; `failure` resolves with what the error sink got, `done` when the server
 * completes the subscription.
 */
function feed(query, variables = {}) {
  const items = [];
  const waiters = [];
  let failed;
  const failure = new Promise((resolve) => {
    failed = resolve;
  });
  let completed;
  const done = new Promise((resolve) => {
    completed = resolve;
  });
  const push = (item) => {
    const w = waiters.shift();
    if (w) w(item);
    else items.push(item);
  };
  const unsubscribe = client.subscribe(
    { query, variables },
    {
      next: (result) => push(result),
      error: (err) => failed(err),
      complete: () => completed(),
    },
  );
  return {
    unsubscribe,
    failure,
    done,
    next(ms = EVENT_MS) {
      if (items.length) return Promise.resolve(items.shift());
      return new Promise((resolve) => {
        const waiter = (item) => {
          clearTimeout(timer);
          resolve(item);
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          resolve(null);
        }, ms);
        waiters.push(waiter);
      });
    },
    /** Consumes results until one with version `v` or later; false if none comes in time. */
    async reached(v, field, ms = EVENT_MS) {
      for (;;) {
        const r = await this.next(ms);
        if (r === null) return false;
        assert.equal(r.errors, undefined, JSON.stringify(r.errors));
        if (r.data[field].version >= v) return true;
      }
    },
  };
}

const GRAPH_CHANGES = 'subscription { graphChanges { version operations entityIds relationIds } }';
const ESTONIA_CHANGES = `subscription($id: ID!) {
  entityChanges(id: $id) { version operations entityIds entities { id name description } }
}`;

/**
 * Subscriptions start asynchronously on the server; writes until both feeds have seen one, so
 * later assertions do not race the subscription's start. Leaves both feeds empty.
 */
async function warmUp(feeds) {
  for (let i = 0; i < 50; i++) {
    const v = await applyOne({
      updateEntity: { id: 'state/estonia', description: `warm-up ${i}` },
    });
    let all = true;
    for (const [f, field] of feeds) {
      if (!(await f.reached(v, field, 200))) all = false;
    }
    if (all) return v;
  }
  assert.fail('the subscriptions never started');
}

before(async () => {
  server = await startServer({ token: TOKEN, dataDir: true });
  client = createClient({
    url: `ws://127.0.0.1:${server.port}/graphql/ws`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
});

after(async () => {
  await client?.dispose();
  await stopServer(server);
});

test('a change to an entity reaches its entityChanges and the graphChanges subscribers', async () => {
  const all = feed(GRAPH_CHANGES);
  const estonia = feed(ESTONIA_CHANGES, { id: 'state/estonia' });
  try {
    const warm = await warmUp([
      [all, 'graphChanges'],
      [estonia, 'entityChanges'],
    ]);

    const description = 'Baltic state; left the Ottawa Convention (JS client test).';
    const data = await write(
      `mutation($d: String!) {
        updateEntity(input: { id: "state/estonia", description: $d }) { entity { id description } }
      }`,
      { d: description },
    );
    assert.equal(data.updateEntity.entity.description, description);

    const g = await all.next();
    assert.ok(g, 'graphChanges got the write');
    assert.equal(g.errors, undefined);
    assert.equal(g.data.graphChanges.version, warm + 1, 'versions go up by one per write');
    assert.deepEqual(g.data.graphChanges.operations, ['update_entity']);
    assert.deepEqual(g.data.graphChanges.entityIds, ['state/estonia']);
    assert.deepEqual(g.data.graphChanges.relationIds, []);

    const e = await estonia.next();
    assert.ok(e, 'entityChanges got the write');
    assert.equal(e.errors, undefined);
    const change = e.data.entityChanges;
    assert.equal(change.version, warm + 1);
    assert.deepEqual(change.operations, ['update_entity']);
    assert.deepEqual(change.entityIds, ['state/estonia']);
    assert.deepEqual(change.entities, [{ id: 'state/estonia', name: 'Estonia', description }]);
  } finally {
    all.unsubscribe();
    estonia.unsubscribe();
  }
});

test('a change to an unrelated entity reaches graphChanges but not entityChanges', async () => {
  const all = feed(GRAPH_CHANGES);
  const estonia = feed(ESTONIA_CHANGES, { id: 'state/estonia' });
  try {
    const warm = await warmUp([
      [all, 'graphChanges'],
      [estonia, 'entityChanges'],
    ]);

    await write(
      'mutation { createEntity(input: { id: "state/unrelated", kind: STATE, name: "Unrelated" }) { entity { id } } }',
    );
    const g = await all.next();
    assert.ok(g, 'graphChanges got the write');
    assert.equal(g.data.graphChanges.version, warm + 1);
    assert.deepEqual(g.data.graphChanges.operations, ['add_entity']);
    assert.deepEqual(g.data.graphChanges.entityIds, ['state/unrelated']);

    const e = await estonia.next(QUIET_MS);
    assert.equal(e, null, `entityChanges(state/estonia) got ${JSON.stringify(e)}`);
  } finally {
    all.unsubscribe();
    estonia.unsubscribe();
  }
});

test('entityChanges with depth 1 also reports changes to a neighbour', async () => {
  const estonia = feed(
    `subscription { entityChanges(id: "state/estonia", depth: 1) { version entityIds } }`,
  );
  const direct = feed(ESTONIA_CHANGES, { id: 'state/estonia' });
  try {
    await warmUp([
      [estonia, 'entityChanges'],
      [direct, 'entityChanges'],
    ]);
    // The foreign ministry is PART_OF Estonia: one hop away.
    const v = await applyOne({
      updateEntity: { id: 'org/estonia-mfa', description: 'Estonia’s foreign ministry (changed).' },
    });
    const near = await estonia.next();
    assert.ok(near, 'depth 1 sees the neighbour change');
    assert.equal(near.data.entityChanges.version, v);
    assert.deepEqual(near.data.entityChanges.entityIds, ['org/estonia-mfa']);
    assert.equal(await direct.next(QUIET_MS), null, 'depth 0 does not');
  } finally {
    estonia.unsubscribe();
    direct.unsubscribe();
  }
});

test('subscribing to the changes of an unknown id is an error with code NOT_FOUND', async () => {
  const unknown = feed(ESTONIA_CHANGES, { id: 'state/atlantis' });
  // graphql-ws delivers an error of the subscription's source stream as a result with
  // `errors` followed by `complete` (its error sink is for requests that fail validation).
  const first = await Promise.race([
    unknown.next(),
    unknown.failure.then((err) => ({ errors: err, viaErrorSink: true })),
  ]);
  assert.ok(first, 'an answer arrives');
  const errors = first.errors;
  assert.ok(Array.isArray(errors), `expected GraphQL errors, got ${JSON.stringify(first)}`);
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.equal(errors[0].extensions?.code, 'NOT_FOUND', JSON.stringify(errors));
  assert.match(errors[0].message, /state\/atlantis/);
  assert.equal(first.data ?? null, null, 'no data with the error');
  const completed = await within(
    EVENT_MS,
    Promise.race([unknown.done, unknown.failure]).then(() => true),
    false,
  );
  assert.ok(completed, 'the subscription ends after the error');
  // The connection stays usable: a new subscription on it still gets changes.
  const estonia = feed(ESTONIA_CHANGES, { id: 'state/estonia' });
  try {
    await warmUp([[estonia, 'entityChanges']]);
  } finally {
    estonia.unsubscribe();
  }
});

test('an update without the write token is refused and publishes nothing', async () => {
  const all = feed(GRAPH_CHANGES);
  try {
    await warmUp([[all, 'graphChanges']]);
    const body = await graphql(
      'mutation { createEntity(input: { id: "state/sneaky", kind: STATE, name: "Sneaky" }) { entity { id } } }',
      {},
      null,
    );
    assert.equal(body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', JSON.stringify(body));
    assert.equal(await all.next(QUIET_MS), null, 'a refused write is not published');
  } finally {
    all.unsubscribe();
  }
});

/**
 * Fires `n` concurrent single-change batches, each giving Estonia a description of its own;
 * a map from the version each produced to that description.
 */
async function concurrentDescriptions(n, tag) {
  const written = new Map();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const d = `${tag} ${i}`;
      const v = await applyOne({ updateEntity: { id: 'state/estonia', description: d } });
      written.set(v, d);
    }),
  );
  return written;
}

/** Collects results until every version in `versions` has arrived (or time runs out). */
async function collect(f, field, versions) {
  const got = [];
  const last = Math.max(...versions);
  for (;;) {
    const r = await f.next();
    if (r === null) return got;
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    got.push(r.data[field]);
    if (r.data[field].version >= last) return got;
  }
}

test('graphChanges delivers every write of a burst of concurrent writes once, in version order', async () => {
  const all = feed('subscription { graphChanges { version operations entityIds } }');
  try {
    await warmUp([[all, 'graphChanges']]);
    const written = await concurrentDescriptions(40, 'burst');
    const versions = [...written.keys()].sort((a, b) => a - b);
    assert.equal(versions.length, 40, 'each write made a version of its own');
    assert.equal(versions.at(-1) - versions[0], 39, 'versions are consecutive');
    const got = await collect(all, 'graphChanges', versions);
    assert.deepEqual(
      got.map((c) => c.version),
      versions,
    );
    for (const c of got) {
      assert.deepEqual(c.operations, ['update_entity']);
      assert.deepEqual(c.entityIds, ['state/estonia']);
    }
  } finally {
    all.unsubscribe();
  }
});

test(
  'each published change shows the entities as of the version that write produced',
  async () => {
    const all = feed('subscription { graphChanges { version entities { id description } } }');
    try {
      await warmUp([[all, 'graphChanges']]);
      const written = await concurrentDescriptions(40, 'versioned');
      const got = await collect(all, 'graphChanges', [...written.keys()]);
      assert.equal(got.length, 40);
      const wrong = got
        .filter((c) => c.entities[0]?.description !== written.get(c.version))
        .map((c) => `v${c.version}: wrote "${written.get(c.version)}", shown "${c.entities[0]?.description}"`);
      assert.deepEqual(wrong, []);
    } finally {
      all.unsubscribe();
    }
  },
);

/** Runs one operation over the WebSocket connection; its single result. */
async function overWebSocket(query) {
  const f = feed(query);
  try {
    const r = await f.next();
    assert.ok(r, 'an answer arrives');
    return r;
  } finally {
    f.unsubscribe();
  }
}

test('a mutation sent over the WebSocket writes nothing', async () => {
  const r = await overWebSocket(
    'mutation { createEntity(input: { id: "state/over-websocket", kind: STATE, name: "WS" }) { entity { id } } }',
  );
  assert.ok(r.errors?.length, `the write is refused: ${JSON.stringify(r)}`);
  assert.equal(r.data ?? null, null);
  const body = await graphql('{ nodes(ids: ["state/over-websocket"]) { id } }', {}, null);
  assert.deepEqual(body.data.nodes, [null]);
});

test(
  'a query sent over the WebSocket is answered like one over HTTP',
  async () => {
    const r = await overWebSocket('{ entity(id: "state/estonia") { name } }');
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal(r.data.entity.name, 'Estonia');
  },
);
