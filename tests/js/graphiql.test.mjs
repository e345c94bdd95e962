// The bundled GraphiQL works offline: headless Chromium (Debian's /usr/bin/chromium, driven
// by playwright-core) opens /graphiql with every request to another host refused, and the page
// must render its editor, load the schema, run a query typed into it and show the answer —
// with no request leaving the server's origin, no CSP violation and no script error.
//
// Run with `node --test tests/js/` (the Rust test tests/api/js.rs does, after installing
// chromium when it is missing and `npm ci`).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, stopBrowser } from './chromium.mjs';
import { offlineTab, shot } from './page.mjs';
import { startServer, stopServer } from './server.mjs';

/** How long the page may take to render and answer (it is a 5 MB script on a busy machine). */
const RENDER_MS = 30_000;

let server;
let browser;
let origin;
let tab;
/** Asserts nothing left the server, no CSP violation and no script error so far. */
let clean;

before(async () => {
  server = await startServer();
  origin = `http://127.0.0.1:${server.port}`;
  browser = await startBrowser();
  ({ tab, clean } = await offlineTab(browser.context, origin));
});

after(async () => {
  await stopBrowser(browser);
  await stopServer(server);
});

test('GraphiQL renders, loads the schema and runs a query with no outside host', async () => {
  const page = await tab.goto(`${origin}/graphiql`);
  assert.equal(page.status(), 200);
  const csp = page.headers()['content-security-policy'];
  assert.ok(csp && !csp.includes('://'), `the CSP names no other host: ${csp}`);

  // The editors are Monaco instances inside GraphiQL's layout.
  await tab.waitForSelector('.graphiql-container .graphiql-query-editor .monaco-editor', {
    timeout: RENDER_MS,
  });
  // The schema arrived by introspection: the documentation explorer can be opened on it.
  await tab.getByRole('button', { name: /documentation explorer/i }).first().click();
  await tab.getByText('Query', { exact: true }).first().waitFor({ timeout: RENDER_MS });

  // Type a query (Monaco closes brackets and quotes itself; typed closers step over them).
  await tab.locator('.graphiql-query-editor .monaco-editor').first().click();
  await tab.keyboard.press('ControlOrMeta+A');
  await tab.keyboard.press('Delete');
  await tab.keyboard.type('{ entity(id: "state/estonia") { name', { delay: 5 });
  await tab.keyboard.press('Escape');
  await tab.keyboard.press('ControlOrMeta+Enter');
  await tab.waitForFunction(
    () => {
      const result = document.querySelector('.graphiql-response');
      return result && /"name":\s*"Estonia"/.test(result.textContent.replace(/\u00a0/g, ' '));
    },
    null,
    { polling: 50, timeout: RENDER_MS },
  );

  await shot(tab, 'graphiql');
  await clean();
});
