// The explorer on a generated graph of 10^5 nodes (`newsgraph generate`): the neighbourhood
// of the best-connected entity, drawn with `limit=500`, must be the 500 entities the API
// gives, and the page must stay responsive (a click on a node opens it). How long the drawing
// took is measured in the page and reported (printed, and saved as explorer-scale.json with
// the screenshots), not asserted: timings belong in BENCHMARKS.md, not in pass/fail.
//
// Run with `node --test tests/js/` (the Rust test tests/api/js.rs does).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startBrowser, stopBrowser } from './chromium.mjs';
import * as page from './page.mjs';
import { ask, startServer, stopServer } from './server.mjs';

const NODES = 100_000;
const LIMIT = 500;
/** Loading 10^5 nodes takes about 10 s in a debug build on this machine. */
const LOAD_MS = 180_000;

let seed;
let server;
let browser;
let origin;
let tab;
let clean;

const api = (query) => ask(server, query);

before(
  async () => {
    seed = mkdtempSync(join(tmpdir(), 'newsgraph-explorer-scale-'));
    const made = spawnSync(
      process.env.NEWSGRAPH_BIN,
      ['generate', '--nodes', String(NODES), '--out', seed],
      { encoding: 'utf8' },
    );
    assert.equal(made.status, 0, `newsgraph generate: ${made.stderr}`);
    server = await startServer({ seed, startMs: LOAD_MS });
    origin = `http://127.0.0.1:${server.port}`;
    browser = await startBrowser();
    ({ tab, clean } = await page.offlineTab(browser.context, origin));
  },
  { timeout: LOAD_MS + 60_000 },
);

after(async () => {
  await stopBrowser(browser);
  await stopServer(server);
  if (seed) rmSync(seed, { recursive: true, force: true });
});

test(`a hub's neighbourhood of ${LIMIT} entities among ${NODES} draws, and the page stays responsive`, { timeout: 120_000 }, async () => {
  const hubs = await api(`{
    entities(kinds: [STATE, PERSON, ORGANIZATION, TREATY], orderBy: { field: DEGREE, direction: DESC }, first: 2) {
      nodes { id name degree }
    }
  }`);
  const [hub, other] = hubs.entities.nodes;
  assert.ok(hub.degree >= LIMIT, `the hub has at least ${LIMIT} neighbours: ${JSON.stringify(hub)}`);
  const expected = await api(`{ neighborhood(id: "${hub.id}", limit: ${LIMIT}) { nodes { id name } edges { id } truncated } }`);
  assert.equal(expected.neighborhood.nodes.length, LIMIT);

  const draws = [];
  /** The page's own measure of its last drawing: request, fetch, cytoscape, first frame. */
  const measured = (what) =>
    tab.evaluate(() => window.newsgraphExplorer.lastDraw()).then((d) => {
      draws.push({ what, ...d });
      return d;
    });

  // Cold: a fresh page opened on the hub (scripts parsed, nothing cached).
  await page.openExplorer(tab, origin, `?focus=${hub.id}&limit=${LIMIT}`, 60_000);
  const first = await measured('open the page on the hub');
  assert.equal(first.nodes, LIMIT, 'the neighbourhood as the API gives it');
  assert.deepEqual(await page.drawnNodes(tab), expected.neighborhood.nodes.map((n) => n.id).sort());
  assert.equal(first.edges, expected.neighborhood.edges.length);
  assert.match(await tab.locator('#graph-status').textContent(), new RegExp(`the first ${LIMIT} of ${hub.degree}`));
  await page.shot(tab, 'explorer-scale-hub');

  // The hub's relations, a page at a time: the next page follows the first, none twice.
  const relations = () =>
    tab.locator('#details .relation').evaluateAll((ds) => ds.map((d) => d.dataset.relation));
  const firstPage = await relations();
  assert.equal(firstPage.length, 50);
  await tab.locator('#details button.more').click();
  await page.until(tab, () => document.querySelectorAll('#details .relation').length === 100);
  const twoPages = await relations();
  assert.deepEqual(twoPages.slice(0, 50), firstPage);
  assert.equal(new Set(twoPages).size, 100, 'no relation twice');
  const api100 = await api(`{ entity(id: "${hub.id}") { relations(first: 100) { edges { node { id } } } } }`);
  assert.deepEqual(twoPages, api100.entity.relations.edges.map((e) => e.node.id), 'in the API order');
  assert.match(await tab.locator('#details .count').textContent(), new RegExp(`^100 of ${hub.degree}\\.$`));

  // Warm: focus the second hub from the search, then back to the first by the back button.
  await tab.locator('#search').fill(other.name);
  const option = tab.locator(`.suggestions [role=option][data-id="${other.id}"]`);
  await option.waitFor({ timeout: page.SHOW_MS });
  await option.dispatchEvent('mousedown');
  await page.until(tab, (id) => window.newsgraphExplorer.cy.getElementById(id).hasClass('focus'), other.id, 60_000);
  await page.until(tab, (id) => window.newsgraphExplorer.lastDraw() && window.newsgraphExplorer.view().focus === id, other.id, 60_000);
  await measured('focus another hub');
  await tab.goBack();
  await page.until(tab, (id) => window.newsgraphExplorer.cy.getElementById(id).hasClass('focus'), hub.id, 60_000);
  await measured('back to the first hub');

  // Responsive: a click on one of the 500 opens it in the details panel and expands it.
  const some = expected.neighborhood.nodes[LIMIT - 1];
  const renders = Number(await tab.locator('#graph').getAttribute('data-renders'));
  await page.clickNode(tab, some.id);
  await page.until(tab, (id) => new URL(location.href).searchParams.get('select') === id, some.id, 60_000);
  await page.until(
    tab,
    ([n, name]) =>
      Number(document.getElementById('graph').dataset.renders) > n &&
      document.querySelector('#details h2')?.textContent === name,
    [renders, some.name],
    60_000,
  );
  assert.ok(await tab.evaluate((id) => window.newsgraphExplorer.cy.getElementById(id).hasClass('expanded'), some.id));
  await measured('click a node among them: details, and its neighbourhood expanded');

  const report = { nodes: NODES, limit: LIMIT, hub, draws };
  const file = join(page.shotsDir(), 'explorer-scale.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  for (const d of draws) {
    console.log(
      `${d.what}: ${d.nodes ?? '-'} nodes, ${d.edges ?? '-'} edges; fetch ${d.fetchMs?.toFixed(0) ?? '-'} ms, ` +
        `draw ${d.ms?.toFixed(0) ?? '-'} ms, total ${d.totalMs.toFixed(0)} ms`,
    );
  }
  console.log(`measurements: ${file}`);
  await clean();
});
