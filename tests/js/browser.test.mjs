// A real browser tab on the change feed: a page served from a tiny static server in this file
// loads graphql-ws's browser (UMD) bundle from node_modules, subscribes to
// `entityChanges(id: "state/estonia")` and lists each event's description; headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core, which never downloads a browser)
// shows it while this test edits the graph over HTTP.
//
// Run with `node --test tests/js/` (the Rust test tests/api/js.rs does, after installing
// chromium when it is missing and `npm ci`).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startBrowser, stopBrowser } from './chromium.mjs';
import { ask, startServer, stopServer } from './server.mjs';

const TOKEN = 'js-browser-token-0123456789abcdef';
/** graphql-ws's browser build: a UMD bundle that defines the global `graphqlWs`. */
const GRAPHQL_WS_UMD = fileURLToPath(
  new URL('./node_modules/graphql-ws/umd/graphql-ws.js', import.meta.url),
);

/** How long an edit may take to show in the page. */
const SHOW_MS = 10_000;
/** How long "does not show up" waits. */
const QUIET_MS = 1000;
/** Unique per run, lowercase so it can be part of an id's slug. */
const RUN = `${Date.now().toString(36)}-${process.pid}`;

const SUBSCRIPTION =
  'subscription { entityChanges(id: "state/estonia") { version entities { id description } } }';

/** The page: subscribes on load, lists each event, marks `data-ready` once connected. */
function page(wsUrl) {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Estonia, live</title>
  <link rel="icon" href="data:,">
</head>
<body>
  <h1>Changes to state/estonia</h1>
  <ul id="events"></ul>
  <ul id="problems"></ul>
  <script src="/graphql-ws.js"></script>
  <script>
    const events = document.getElementById('events');
    const problems = document.getElementById('problems');
    function problem(what) {
      const li = document.createElement('li');
      li.textContent = what;
      problems.append(li);
      document.body.dataset.failed = '1';
    }
    const client = graphqlWs.createClient({
      url: ${JSON.stringify(wsUrl)},
      retryAttempts: 0,
      on: {
        connected: () => {
          document.body.dataset.ready = '1';
        },
        closed: (e) => problem('closed: ' + e.code + ' ' + e.reason),
      },
    });
    client.subscribe(
      { query: ${JSON.stringify(SUBSCRIPTION)} },
      {
        next(result) {
          if (result.errors) return problem('errors: ' + JSON.stringify(result.errors));
          const change = result.data.entityChanges;
          for (const entity of change.entities) {
            const li = document.createElement('li');
            li.dataset.version = String(change.version);
            li.dataset.id = entity.id;
            li.textContent = entity.description;
            events.append(li);
          }
        },
        error: (err) => problem('error: ' + (err && err.message ? err.message : JSON.stringify(err))),
        complete: () => problem('the subscription completed'),
      },
    );
  </script>
</body>
</html>
`;
}

let server;
let site;
let browser;
let tab;
const consoleLines = [];

/** Serves the page at `/` and graphql-ws's UMD bundle at `/graphql-ws.js`; its port. */
async function startSite(wsUrl) {
  assert.ok(
    existsSync(GRAPHQL_WS_UMD),
    `graphql-ws's browser bundle is missing at ${GRAPHQL_WS_UMD} (run npm ci in tests/js)`,
  );
  const html = page(wsUrl);
  const http = createServer((req, res) => {
    const path = new URL(req.url, 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
    } else if (req.method === 'GET' && path === '/graphql-ws.js') {
      res.writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(readFileSync(GRAPHQL_WS_UMD));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', resolve);
  });
  return { http, port: http.address().port };
}

async function stopSite(s) {
  if (!s) return;
  s.http.closeAllConnections();
  await new Promise((resolve) => s.http.close(resolve));
}

/** A write with the token, which must succeed; its `data`. */
const write = (query, variables) => ask(server, query, variables, TOKEN);

async function describeEstonia(description) {
  const data = await write(
    `mutation($d: String!) {
      updateEntity(input: { id: "state/estonia", description: $d }) { entity { id description } }
    }`,
    { d: description },
  );
  assert.deepEqual(data.updateEntity.entity, { id: 'state/estonia', description });
}

/** Whether the page lists an item showing exactly `text` within `ms` (checked every 20 ms). */
async function showsWithin(text, ms) {
  try {
    await tab.waitForFunction(
      (t) => [...document.querySelectorAll('#events li')].some((li) => li.textContent === t),
      text,
      { polling: 20, timeout: ms },
    );
    return true;
  } catch (e) {
    if (e?.name === 'TimeoutError') return false;
    throw e;
  }
}

/** What the page lists: `{ version, id, description }` per item. */
function listed() {
  return tab.$$eval('#events li', (lis) =>
    lis.map((li) => ({
      version: Number(li.dataset.version),
      id: li.dataset.id,
      description: li.textContent,
    })),
  );
}

/** The page's problems list (closed connection, errors), empty when all is well. */
function problems() {
  return tab.$$eval('#problems li', (lis) => lis.map((li) => li.textContent));
}

/**
 * Runs `body`; when it fails, screenshots the page to a temp file and fails with the
 * screenshot's path, the page's list, its problems and its console.
 */
async function inTab(name, body) {
  try {
    await body();
  } catch (err) {
    let shot;
    try {
      const dir = mkdtempSync(join(tmpdir(), 'newsgraph-browser-failure-'));
      shot = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
      await tab.screenshot({ path: shot, fullPage: true, timeout: 5000 });
    } catch (e) {
      shot = `(no screenshot: ${e.message})`;
    }
    const items = await listed().catch((e) => `(unreadable: ${e.message})`);
    const trouble = await problems().catch((e) => `(unreadable: ${e.message})`);
    throw new Error(
      `${err.message}\n  screenshot: ${shot}\n  page list: ${JSON.stringify(items)}\n` +
        `  page problems: ${JSON.stringify(trouble)}\n  page console:${
          consoleLines.length ? `\n    ${consoleLines.join('\n    ')}` : ' (empty)'
        }`,
      { cause: err },
    );
  }
}

before(
  async () => {
    server = await startServer({ token: TOKEN, dataDir: true });
    site = await startSite(`ws://127.0.0.1:${server.port}/graphql/ws`);
    browser = await startBrowser();
    tab = browser.context.pages()[0] ?? (await browser.context.newPage());
    tab.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
    tab.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    await tab.goto(`http://127.0.0.1:${site.port}/`, { waitUntil: 'load', timeout: 15_000 });
    await inTab('ready', async () => {
      await tab.waitForFunction(
        () => document.body.dataset.ready === '1' || document.body.dataset.failed === '1',
        null,
        { timeout: 15_000 },
      );
      assert.deepEqual(await problems(), [], 'the page connected without problems');
      // `connected` means the server acknowledged the connection; the subscription starts
      // on the server a moment later. Writes until the page has shown one, so the edits
      // below do not race the subscription's start.
      for (let i = 0; i < 40; i++) {
        const d = `Warm-up ${RUN} ${i}`;
        await describeEstonia(d);
        if (await showsWithin(d, 250)) return;
      }
      assert.fail('the page never showed a warm-up edit: the subscription did not start');
    });
  },
  { timeout: 90_000 },
);

after(async () => {
  await stopBrowser(browser);
  await stopSite(site);
  await stopServer(server);
});

test(
  'a browser tab subscribed to an entity sees the edit live',
  { timeout: 60_000 },
  () =>
    inTab('sees-the-edit', async () => {
      const description = `Edited live ${RUN}`;
      const before = (await listed()).length;
      await describeEstonia(description);
      assert.ok(
        await showsWithin(description, SHOW_MS),
        `the page did not show "${description}" within ${SHOW_MS} ms`,
      );
      const items = (await listed()).slice(before);
      assert.deepEqual(
        items.map(({ id, description }) => ({ id, description })),
        [{ id: 'state/estonia', description }],
        'exactly the edit was listed',
      );
      assert.deepEqual(await problems(), []);
    }),
);

test(
  'an edit to another entity does not show up in the tab',
  { timeout: 60_000 },
  () =>
    inTab('ignores-other-entities', async () => {
      const before = await listed();
      const id = `state/unrelated-${RUN}`;
      const data = await write(
        `mutation($id: ID!) { createEntity(input: { id: $id, kind: STATE, name: "Unrelated" }) { entity { id } } }`,
        { id },
      );
      assert.equal(data.createEntity.entity.id, id);
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      assert.deepEqual(await listed(), before, `the page listed something for ${id}`);
      // The feed is still live, and the unrelated write did not arrive late either: the next
      // item is the next edit to Estonia.
      const next = `After the unrelated edit ${RUN}`;
      await describeEstonia(next);
      assert.ok(await showsWithin(next, SHOW_MS), `the page did not show "${next}"`);
      assert.deepEqual(
        (await listed()).slice(before.length).map(({ id, description }) => ({ id, description })),
        [{ id: 'state/estonia', description: next }],
      );
      assert.deepEqual(await problems(), []);
    }),
);
