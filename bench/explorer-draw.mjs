// How long cytoscape takes to draw the explorer's current graph, with each label style the
// explorer could use: names cut in JavaScript (what it does) or cytoscape's
// `text-wrap: ellipsis` (which measures every label on a canvas). Each round removes the
// drawing, adds the same elements again, lays them out in rings and waits for a frame;
// `ROUNDS` rounds per style, the styles interleaved, medians printed in ms.
//
//   node bench/explorer-draw.mjs http://127.0.0.1:8000 '?focus=org/un&limit=500'
//
// Needs the server running (any build) and tests/js's packages (`npm ci` in tests/js) and
// Debian's chromium, as the browser tests do.

import { startBrowser, stopBrowser } from '../tests/js/chromium.mjs';

const [origin = 'http://127.0.0.1:8000', query = '?focus=org/un&limit=500'] = process.argv.slice(2);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

const browser = await startBrowser();
try {
  const tab = await browser.context.newPage();
  await tab.setViewportSize({ width: 1400, height: 1000 });
  await tab.goto(`${origin}/${query}`);
  await tab.waitForFunction(() => Number(document.getElementById('graph')?.dataset.renders) > 0, null, {
    timeout: 120_000,
  });
  const result = await tab.evaluate(async (rounds) => {
    const cy = window.newsgraphExplorer.cy;
    const elements = cy.elements().jsons();
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
    const styles = {
      'names cut in JS': { label: 'data(label)', 'text-wrap': 'none' },
      'text-wrap: ellipsis': { label: 'data(name)', 'text-wrap': 'ellipsis', 'text-max-width': '130px' },
    };
    const times = Object.fromEntries(Object.keys(styles).map((k) => [k, { add: [], layout: [], frame: [], all: [] }]));
    for (let i = 0; i < rounds; i++) {
      for (const [name, style] of Object.entries(styles)) {
        cy.style().selector('node').style(style).update();
        cy.elements().remove();
        await frame();
        const t0 = performance.now();
        cy.batch(() => cy.add(elements));
        const t1 = performance.now();
        cy.layout({ name: 'concentric', animate: false, fit: true, minNodeSpacing: 4, concentric: (n) => n.degree(), levelWidth: () => 1 }).run();
        const t2 = performance.now();
        await frame();
        const t3 = performance.now();
        const t = times[name];
        t.add.push(t1 - t0);
        t.layout.push(t2 - t1);
        t.frame.push(t3 - t2);
        t.all.push(t3 - t0);
      }
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return {
      nodes: cy.nodes().length,
      edges: cy.edges().length,
      medians: Object.fromEntries(
        Object.entries(times).map(([k, t]) => [k, Object.fromEntries(Object.entries(t).map(([p, xs]) => [p, Math.round(median(xs))]))]),
      ),
    };
  }, ROUNDS);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await stopBrowser(browser);
}
