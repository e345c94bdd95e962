// A page of the server in a browser tab, for the browser suites: a tab that may reach the
// server and nothing else, what went wrong in it, screenshots, and a reader's actions on the
// explorer's drawing.
//
// Not a test file itself (tests/api/js.rs runs only the `*.test.mjs` files).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How long a view may take to appear (a debug build on a busy 2-core machine). */
export const SHOW_MS = 20_000;

/** Where screenshots go: NEWSGRAPH_SCREENSHOTS (tests/api/js.rs sets it), or a temp dir. */
const SHOTS =
  process.env.NEWSGRAPH_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'newsgraph-explorer-shots-'));
mkdirSync(SHOTS, { recursive: true });

/** The directory screenshots and measurements are saved in. */
export function shotsDir() {
  return SHOTS;
}

/**
 * A tab of `context` on the server at `origin`, the network as an air-gapped newsroom has it:
 * requests to other hosts are refused and recorded. Returns `{ tab, clean }`; `clean()`
 * asserts that nothing left the server, no CSP violation happened and no script failed.
 */
export async function offlineTab(context, origin, size = { width: 1400, height: 1000 }) {
  const outside = [];
  const problems = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) {
      return route.continue();
    }
    outside.push(url);
    return route.abort('internetdisconnected');
  });
  // CSP violations are reported to the page as events; record them before any script runs.
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  const tab = await context.newPage();
  await tab.setViewportSize(size);
  tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  tab.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  async function clean() {
    assert.deepEqual(outside, [], 'no request left the server');
    assert.deepEqual(await tab.evaluate(() => window.__violations), [], 'no CSP violation');
    assert.deepEqual(problems, [], 'no script error');
  }
  return { tab, clean };
}

/** Saves a full-page screenshot as `NAME.png` and prints where. */
export async function shot(tab, name) {
  const path = join(SHOTS, `${name}.png`);
  await tab.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
  return path;
}

/** Waits until `predicate(arg)`, run in the page, is true. */
export function until(tab, predicate, arg, timeout = SHOW_MS) {
  return tab.waitForFunction(predicate, arg, { polling: 50, timeout });
}

/** Opens the explorer at `origin/query` and waits for its first drawing. */
export async function openExplorer(tab, origin, query = '', timeout = SHOW_MS) {
  await tab.goto(`${origin}/${query}`);
  await until(tab, () => Number(document.getElementById('graph')?.dataset.renders) > 0, null, timeout);
}

/** The ids of the drawn nodes, sorted. */
export function drawnNodes(tab) {
  return tab.evaluate(() => window.newsgraphExplorer.cy.nodes().map((n) => n.id()).sort());
}

/** Clicks (or double-clicks) a drawn node where it is on the canvas, as a reader would. */
export async function clickNode(tab, id, clickCount = 1) {
  const box = await tab.locator('#graph').boundingBox();
  const where = () => tab.evaluate((id) => {
    const node = window.newsgraphExplorer.cy.getElementById(id);
    return node.empty() ? null : node.renderedPosition();
  }, id);
  // Where the node has come to rest: a layout still settling (slow on a loaded machine)
  // would move it away from a click aimed at where it was.
  let at = await where();
  for (let i = 0; i < 40 && at; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const now = await where();
    const still = now && Math.abs(now.x - at.x) < 0.5 && Math.abs(now.y - at.y) < 0.5;
    at = now;
    if (still) break;
  }
  assert.ok(at, `${id} is drawn`);
  await tab.mouse.click(box.x + at.x, box.y + at.y, { clickCount, delay: 20 });
}
