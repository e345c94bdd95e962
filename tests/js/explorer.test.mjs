// The explorer at `/`, in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) against the real binary, with every request to another host refused: a
// reader finds the foreign minister, draws and expands his neighbourhood by clicking, reads a
// quote marked in its source, moves the date past Estonia's withdrawal and sees the treaty
// edge go, reads the timeline, asks how Karis is connected to NATO, and watches an edit made
// over the API arrive. The page must do all of it with no script error, no CSP violation and
// no serious or critical axe-core finding, on a desktop and on a phone-width screen.
//
// Screenshots of each step go to NEWSGRAPH_SCREENSHOTS (tests/api/js.rs sets it under
// target/), or a temporary directory; the paths are printed.
//
// Run with `node --test tests/js/` (the Rust test tests/api/js.rs does, after installing
// chromium when it is missing and `npm ci`).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import axe from 'axe-core';

import { startBrowser, stopBrowser } from './chromium.mjs';
import * as page from './page.mjs';
import { ask, startServer, stopServer } from './server.mjs';

const TOKEN = 'js-explorer-token-0123456789abcdef';

let server;
let browser;
let origin;
let tab;
/** Asserts nothing left the server, no CSP violation and no script error so far. */
let clean;

const api = (query, variables, token) => ask(server, query, variables, token);
const shot = (name) => page.shot(tab, `explorer-${name}`);
const open = (query) => page.openExplorer(tab, origin, query);
const until = (predicate, arg) => page.until(tab, predicate, arg);
const drawnNodes = () => page.drawnNodes(tab);
const clickNode = (id, clickCount) => page.clickNode(tab, id, clickCount);

/** Whether the drawing has an edge `source -TYPE-> target`. */
function hasEdge(source, type, target) {
  return tab.evaluate(
    ([s, t, g]) =>
      window.newsgraphExplorer.cy
        .edges()
        .some((e) => e.data('source') === s && e.data('type') === t && e.data('target') === g),
    [source, type, target],
  );
}

/** Picks the first suggestion `input` offers for `text`, with the keyboard. */
async function pick(input, text, expectId) {
  await tab.locator(input).fill('');
  await tab.locator(input).pressSequentially(text, { delay: 30 });
  const listbox = await tab.locator(input).getAttribute('aria-controls');
  const option = tab.locator(`#${listbox} [role=option][data-id="${expectId}"]`);
  await option.waitFor({ timeout: page.SHOW_MS });
  assert.equal(await tab.locator(input).getAttribute('aria-expanded'), 'true');
  // Down to the wanted suggestion, then Enter.
  const ids = await tab.locator(`#${listbox} [role=option]`).evaluateAll((os) => os.map((o) => o.dataset.id));
  for (let i = 0; i <= ids.indexOf(expectId); i++) await tab.keyboard.press('ArrowDown');
  assert.equal(
    await tab.locator(input).getAttribute('aria-activedescendant'),
    await option.getAttribute('id'),
  );
  await tab.keyboard.press('Enter');
}

/** axe-core's serious and critical findings on the page as it is. */
async function audit() {
  await tab.evaluate(axe.source);
  const result = await tab.evaluate(() =>
    window.axe.run(document, { resultTypes: ['violations'] }),
  );
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact}: ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

before(
  async () => {
    server = await startServer({ token: TOKEN });
    origin = `http://127.0.0.1:${server.port}`;
    browser = await startBrowser();
    ({ tab, clean } = await page.offlineTab(browser.context, origin));
  },
  { timeout: 60_000 },
);

after(async () => {
  await stopBrowser(browser);
  await stopServer(server);
});

test('the root page is the explorer, and opens on the most central entity', { timeout: 60_000 }, async () => {
  await open();
  const central = await api(
    '{ stats { mostCentral(limit: 1, kinds: [STATE, PERSON, ORGANIZATION, TREATY]) { entity { id name } } } }',
  );
  const first = central.stats.mostCentral[0].entity;
  assert.equal(new URL(tab.url()).searchParams.get('focus'), first.id, 'the URL names the focus');
  assert.equal(await tab.locator('#details h2').first().textContent(), first.name);
  assert.ok((await drawnNodes()).includes(first.id));
  // The legend names every kind.
  const legend = await tab.locator('#legend').textContent();
  for (const kind of ['State', 'Person', 'Organization', 'Treaty', 'Event', 'Source']) {
    assert.ok(legend.includes(kind), `the legend names ${kind}: ${legend}`);
  }
  await shot('start');
  await clean();
});

test(
  'find "tsahkna", draw his neighbourhood, expand it by clicking, read a quote in its source, and lose the treaty edge after 2025-12-27',
  { timeout: 120_000 },
  async () => {
    await open();
    // The search, with the keyboard: "/" jumps to it.
    await tab.locator('body').press('/');
    assert.equal(await tab.evaluate(() => document.activeElement.id), 'search');
    await pick('#search', 'tsahkna', 'person/margus-tsahkna');
    await until(() => new URL(location.href).searchParams.get('focus') === 'person/margus-tsahkna');
    await until(() => window.newsgraphExplorer.cy.getElementById('org/estonia-mfa').nonempty());
    const own = await api(
      '{ neighborhood(id: "person/margus-tsahkna") { nodes { id } } }',
    );
    assert.deepEqual(
      await drawnNodes(),
      own.neighborhood.nodes.map((n) => n.id).sort(),
      'the drawing is his neighbourhood',
    );
    assert.equal(await tab.locator('#details h2').first().textContent(), 'Margus Tsahkna');
    await shot('tsahkna');

    // A click expands the ministry (and opens it), another expands Estonia.
    await clickNode('org/estonia-mfa');
    await until(() => window.newsgraphExplorer.cy.getElementById('state/estonia').nonempty());
    await until(() => document.querySelector('#details h2')?.textContent.includes('Ministry of Foreign Affairs of Estonia'));
    assert.deepEqual(
      new URL(tab.url()).searchParams.get('expand'),
      'org/estonia-mfa',
      'the URL records the expansion',
    );
    await clickNode('state/estonia');
    await until(() => window.newsgraphExplorer.cy.getElementById('treaty/ottawa-convention').nonempty());
    assert.ok(
      await hasEdge('state/estonia', 'PARTY_TO', 'treaty/ottawa-convention'),
      'at all dates Estonia is drawn a party to the Convention',
    );
    await until(() => document.querySelector('#details h2')?.textContent === 'Estonia');
    // Opening an entity already expanded asks for its details only, not the drawing again.
    const asked = [];
    const listen = (r) => {
      if (r.url().includes('/graphql')) asked.push(`${decodeURIComponent(r.url())} ${r.postData() ?? ''}`);
    };
    tab.on('request', listen);
    await clickNode('org/estonia-mfa');
    await until(() => document.querySelector('#details h2')?.textContent === 'Ministry of Foreign Affairs of Estonia');
    tab.off('request', listen);
    assert.ok(asked.some((r) => r.includes('query Details')), asked.join('\n'));
    assert.deepEqual(asked.filter((r) => r.includes('query Neighbourhood')), [], 'no neighbourhood asked again');
    await clickNode('state/estonia');
    await until(() => document.querySelector('#details h2')?.textContent === 'Estonia');

    // Its description's quote, marked where the source says it (by the API's offsets).
    const estonia = await api(`{
      entity(id: "state/estonia") {
        claims(property: "description") { evidence { quote start end source { id } } }
      }
    }`);
    const ev = estonia.entity.claims[0].evidence[0];
    const mark = tab.locator(`#details .claim[data-property="description"] mark[data-start="${ev.start}"]`).first();
    await mark.waitFor({ timeout: page.SHOW_MS });
    assert.equal(await mark.textContent(), ev.quote, 'the marked words are the quote');
    assert.equal(await mark.getAttribute('data-end'), String(ev.end));
    const context = await mark.evaluate((m) => m.closest('blockquote').textContent);
    assert.ok(context.length > ev.quote.length + 40, `the quote stands in its context: ${context}`);
    // The whole article opens with the quote marked, and closes with Escape.
    await tab.locator('#details .claim[data-property="description"] button', { hasText: 'Show in the article' }).first().click();
    const dialog = tab.locator('dialog.article[open]');
    await dialog.waitFor();
    assert.equal(await dialog.locator('mark').textContent(), ev.quote);
    const text = await api(`{ entity(id: "${ev.source.id}") { ... on Source { text } } }`);
    assert.equal(
      (await dialog.locator('.article-text').textContent()).length,
      text.entity.text.length,
      'the dialog holds the whole text',
    );
    await shot('article');
    await tab.keyboard.press('Escape');
    await until(() => !document.querySelector('dialog.article'));
    // Editorial background is told apart from sourced statements.
    const editorial = tab.locator('#details .claim.editorial');
    assert.ok((await editorial.count()) > 0, 'Estonia has editorial background');
    assert.match(await editorial.first().textContent(), /Editorial background.*Added by newsgraph editors on/s);
    assert.equal(await tab.locator('#details .claim.sourced .origin').first().textContent(), 'Sourced');
    await shot('expanded');

    // The day before the withdrawal takes effect the edge is there; on the day it is gone.
    await tab.locator('#as-of-date').fill('2025-12-26');
    await until(() => new URL(location.href).searchParams.get('asOf') === '2025-12-26');
    await until(() => /as of 26 December 2025/.test(document.getElementById('graph-status').textContent));
    assert.ok(await hasEdge('state/estonia', 'PARTY_TO', 'treaty/ottawa-convention'));
    await tab.locator('#as-of-date').fill('2025-12-27');
    await until(() => /as of 27 December 2025/.test(document.getElementById('graph-status').textContent));
    assert.equal(
      await hasEdge('state/estonia', 'PARTY_TO', 'treaty/ottawa-convention'),
      false,
      'from 2025-12-27 Estonia is no party to the Convention',
    );
    const status = await api(`{
      relationStatus(from: "state/estonia", type: PARTY_TO, to: "treaty/ottawa-convention", asOf: "2025-12-27") { holds }
    }`);
    assert.equal(status.relationStatus.holds, false, 'as the API says');
    // The details list the relations as of the date too.
    await until(() => document.querySelector('#details h3')?.closest('aside') && /Relations as of 27 December 2025/.test(document.getElementById('details').textContent));
    assert.equal(
      await tab.locator('#details .relation[data-type="PARTY_TO"]').count(),
      0,
      'no party-to relation listed as of 2025-12-27',
    );
    await shot('as-of-2025-12-27');

    // The back button goes to the previous date, and the edge is drawn again.
    await tab.goBack();
    await until(() => /as of 26 December 2025/.test(document.getElementById('graph-status').textContent));
    assert.ok(await hasEdge('state/estonia', 'PARTY_TO', 'treaty/ottawa-convention'));
    // The link is the view: opened afresh, it draws the same.
    const link = tab.url();
    const drawn = await drawnNodes();
    await tab.goto('about:blank');
    await tab.goto(link);
    await until(() => /as of 26 December 2025/.test(document.getElementById('graph-status')?.textContent ?? ''));
    assert.deepEqual(await drawnNodes(), drawn, 'a shared link draws the same graph');
    assert.equal(await tab.locator('#as-of-date').inputValue(), '2025-12-26');
    await clean();
  },
);

test('a link to an entity that does not exist says so, and the search still works', { timeout: 60_000 }, async () => {
  await tab.goto(`${origin}/?focus=state/atlantis`);
  const alert = tab.locator('#graph-status [role=alert]');
  await alert.waitFor({ timeout: page.SHOW_MS });
  assert.match(await alert.textContent(), /state\/atlantis/);
  await pick('#search', 'estonia', 'state/estonia');
  await until(() => window.newsgraphExplorer.cy.getElementById('state/estonia').hasClass('focus'));
  assert.equal(await tab.locator('#graph-status [role=alert]').count(), 0, 'the alert is gone');
  await clean();
});

test('double-clicking a node makes it the focus; the keyboard moves through the drawing', { timeout: 60_000 }, async () => {
  await open('?focus=person/margus-tsahkna');
  await clickNode('org/estonia-mfa', 2);
  await until(() => new URL(location.href).searchParams.get('focus') === 'org/estonia-mfa');
  await until(() => window.newsgraphExplorer.cy.getElementById('org/estonia-mfa').hasClass('focus'));
  // With the graph focused, arrow keys select entities in name order, Enter opens one.
  await tab.locator('#graph').focus();
  await tab.keyboard.press('ArrowRight');
  const first = await tab.evaluate(() => window.newsgraphExplorer.cy.nodes(':selected').map((n) => n.id()));
  assert.equal(first.length, 1, 'one entity selected');
  const name = await tab.evaluate((id) => window.newsgraphExplorer.cy.getElementById(id).data('name'), first[0]);
  const said = await tab.locator('#announce').textContent();
  assert.ok(said.startsWith(`${name}, `) && / \d+ of \d+\.$/.test(said), `said to screen readers: ${said}`);
  await tab.keyboard.press('ArrowRight');
  const second = await tab.evaluate(() => window.newsgraphExplorer.cy.nodes(':selected').map((n) => n.id()));
  assert.notDeepEqual(second, first, 'the next entity');
  await tab.keyboard.press('Enter');
  await until((id) => new URL(location.href).searchParams.get('select') === id || new URL(location.href).searchParams.get('focus') === id, second[0]);
  const label = await tab.locator('#graph').getAttribute('aria-label');
  assert.match(label, /entities, \d+ relations/, label);
  await clean();
});

test('the timeline lists every event in date order, linked to the graph', { timeout: 60_000 }, async () => {
  await open('?focus=state/estonia');
  const all = await api('{ events(first: 100) { totalCount nodes { id date } } }');
  await until((n) => document.querySelectorAll('#timeline li').length === n, all.events.totalCount);
  const listed = await tab.locator('#timeline li').evaluateAll((lis) =>
    lis.map((li) => ({ id: li.dataset.id, date: li.dataset.date })),
  );
  assert.deepEqual(listed, all.events.nodes, 'the events, in the API order');
  const dates = listed.map((e) => e.date);
  assert.deepEqual(dates, [...dates].sort(), 'oldest first');
  // Events drawn in the graph are marked in the timeline.
  const drawn = new Set(await drawnNodes());
  const marked = await tab.locator('#timeline li.on-graph').evaluateAll((lis) => lis.map((li) => li.dataset.id));
  assert.ok(marked.length > 0);
  assert.deepEqual(marked, listed.map((e) => e.id).filter((id) => drawn.has(id)));
  // Clicking one opens it: its date and how it is known.
  const notification = 'Estonia notifies the UN of its withdrawal from the Ottawa Convention';
  await tab.locator('#timeline button.event', { hasText: notification }).click();
  await until((n) => document.querySelector('#details h2')?.textContent === n, notification);
  assert.equal(
    await tab.locator('#timeline li[aria-current]').getAttribute('data-id'),
    'event/2025-06-27-estonia-notifies-un',
    'the timeline marks the event the details show',
  );
  // The button that was clicked is redrawn; the keyboard focus moves to the details.
  assert.equal(await tab.evaluate(() => document.activeElement?.id), 'details-title');
  const when = await tab.locator('#details .date-basis').textContent();
  assert.match(when, /27 June 2025/);
  assert.match(when, /stated/i);
  assert.ok(await tab.locator('#details .date-basis mark').count(), 'the words that state the date are marked');
  // "Show the graph as of this date" sets the date; later events are marked as after it.
  await tab.locator(`#timeline li[data-id] button.as-of-here`).nth(1).click();
  const asOf = new URL(tab.url()).searchParams.get('asOf');
  assert.equal(asOf, listed[1].date);
  await until((n) => document.querySelectorAll('#timeline li.after').length === n, listed.filter((e) => e.date > asOf).length);
  await shot('timeline');
  await clean();
});

test('how Karis is connected to NATO: the path with a quote on each hop', { timeout: 60_000 }, async () => {
  await open('?focus=person/alar-karis');
  await pick('#from', 'karis', 'person/alar-karis');
  await pick('#to', 'nato', 'org/nato');
  await tab.locator('#connect-form button[type=submit]').click();
  await until(() => document.querySelectorAll('#connect-result .hop').length > 0);
  const expected = await api(`{
    path(from: "person/alar-karis", to: "org/nato", maxHops: 4) { path { length hops { relation { id } evidence { quote } } } }
  }`);
  const hops = expected.path.path.hops;
  const shown = await tab.locator('#connect-result .hop').evaluateAll((lis) =>
    lis.map((li) => ({
      relation: li.dataset.relation,
      marks: [...li.querySelectorAll('mark')].map((m) => m.textContent),
    })),
  );
  assert.equal(shown.length, expected.path.path.length);
  for (const [i, hop] of hops.entries()) {
    assert.equal(shown[i].relation, hop.relation.id);
    assert.ok(hop.evidence.length > 0, `hop ${i} has evidence`);
    await until(
      ([i, n]) => document.querySelectorAll('#connect-result .hop')[i].querySelectorAll('figure[data-located]').length === n,
      [i, hop.evidence.length],
    );
    const marks = await tab.locator('#connect-result .hop').nth(i).locator('mark').allTextContents();
    assert.deepEqual(marks, hop.evidence.map((e) => e.quote), `hop ${i}'s quotes are marked`);
  }
  // The path is drawn and marked in the graph.
  const marked = await tab.evaluate(() => window.newsgraphExplorer.cy.edges('.path').map((e) => e.id()).sort());
  assert.deepEqual(marked, hops.map((h) => h.relation.id).sort());
  const url = new URL(tab.url());
  assert.equal(url.searchParams.get('from'), 'person/alar-karis');
  assert.equal(url.searchParams.get('to'), 'org/nato');
  await shot('path');
  await clean();
});

test('an edit made over the API shows up without a reload', { timeout: 60_000 }, async () => {
  await open('?focus=state/estonia');
  await until(() => document.getElementById('live').dataset.live === '1');
  const description = `Edited live ${Date.now()}`;
  // The change feed may start a moment after the socket connects: write until it shows.
  let shown = false;
  for (let i = 0; i < 20 && !shown; i++) {
    await api(
      'mutation($d: String!) { updateEntity(input: { id: "state/estonia", description: $d }) { entity { id } } }',
      { d: `${description} ${i}` },
      TOKEN,
    );
    shown = await until(
      (d) => document.querySelector('#details .claim[data-property="description"]')?.textContent.includes(d),
      `${description} ${i}`,
    ).then(
      () => true,
      () => false,
    );
  }
  assert.ok(shown, 'the new description was shown');
  // Written without quotes, it is the writer's editorial statement, and drawn as one.
  assert.match(
    await tab.locator('#details .claim[data-property="description"]').textContent(),
    /Editorial background.*Added by editor/s,
  );
  // A new relation is drawn as it is made.
  await api(
    `mutation { createRelation(input: { type: SUPPORTS, from: "state/estonia", to: "org/nato",
      evidence: [{ source: "source/chaspravdy-2025-06-28-ottawa-withdrawal", quote: "demonstrate unconditional support for NATO" }] }) { relation { id } userErrors { message } } }`,
    {},
    TOKEN,
  ).then((d) => assert.deepEqual(d.createRelation.userErrors, []));
  await until(() =>
    window.newsgraphExplorer.cy.edges().some((e) => e.data('source') === 'state/estonia' && e.data('type') === 'SUPPORTS'),
  );
  assert.match(await tab.locator('#announce').textContent(), /Updated just now/);
  await shot('live');
  await clean();
});

test('a source whose URL is a script is shown, but not as a link', { timeout: 60_000 }, async () => {
  const id = `source/hostile-${Date.now()}`;
  const made = await api(
    `mutation($id: ID!) {
      createSource(input: { id: $id, title: "A <b>hostile</b> source", text: "Estonia signed it.",
        publishedAt: "2025-06-28T12:00:00+03:00", language: "en", url: "javascript:alert(document.domain)" }) {
        source { id } userErrors { message }
      }
    }`,
    { id },
    TOKEN,
  );
  assert.deepEqual(made.createSource.userErrors, []);
  await open(`?focus=${id}`);
  await until(() => document.querySelector('#details h2')?.textContent === 'A <b>hostile</b> source');
  assert.equal(await tab.locator('#details b').count(), 0, 'the title is text, not markup');
  assert.equal(await tab.locator('a[href^="javascript"]').count(), 0, 'no script link');
  assert.equal(await tab.locator('#details .original').count(), 0);
  await clean();
});

test('axe-core finds no serious or critical violation, on a desktop and on a phone', { timeout: 90_000 }, async () => {
  const views = [
    ['desktop', { width: 1400, height: 1000 }, '?focus=state/estonia&asOf=2025-06-13&from=person/alar-karis&to=org/nato'],
    ['phone', { width: 390, height: 844 }, '?focus=person/margus-tsahkna&select=person/margus-tsahkna'],
  ];
  for (const [name, size, query] of views) {
    await tab.setViewportSize(size);
    await open(query);
    await until(() => document.querySelectorAll('#details figure[data-located]').length > 0);
    // The suggestions open too, so the combobox's listbox is audited.
    await tab.locator('#search').fill('esto');
    await until(() => !document.querySelector('.suggestions[role=listbox]').hidden);
    assert.deepEqual(await audit(), [], `${name}: axe-core`);
    await tab.keyboard.press('Escape');
    if (name === 'phone') {
      // Nothing is wider than the screen, and the graph comes before the details.
      const layout = await tab.evaluate(() => ({
        width: document.documentElement.scrollWidth,
        graph: document.getElementById('graph').getBoundingClientRect(),
        details: document.getElementById('details').getBoundingClientRect(),
      }));
      assert.ok(layout.width <= size.width, `no sideways scrolling: ${layout.width}px`);
      assert.ok(layout.graph.height >= 250 && layout.graph.width >= size.width * 0.85, JSON.stringify(layout.graph));
      assert.ok(layout.details.top >= layout.graph.bottom, 'the details follow the graph');
    }
    await shot(name);
  }
  await tab.setViewportSize({ width: 1400, height: 1000 });
  await clean();
});
