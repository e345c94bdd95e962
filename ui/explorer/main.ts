// The explorer page at `/`: wires the search, the graph, the details panel, the timeline,
// the "as of" date and "how are these connected" to one view held in the URL (state.ts).
// Every change of view is one `render()`: the neighbourhoods, the details and the path are
// asked for together, an answer to an older view is dropped, and the URL is updated so the
// back button and shared links show the same thing. The change feed redraws what a write
// touched, without a reload.

import { ApiError, ask, follow, onLive } from './api';
import * as connect from './connect';
import * as details from './details';
import { byId, h, replace } from './dom';
import { forget } from './evidence';
import {
  ChangesDocument,
  ConnectionDocument,
  DetailsDocument,
  NeighbourhoodDocument,
  StartDocument,
  type ConnectionQuery,
  type DetailsQuery,
  type NeighbourhoodQuery,
} from './generated/graphql';
import { GraphView, type Drawn, type Part } from './graph';
import { icon, words } from './kinds';
import { Combobox } from './search';
import { LIMITS, MAX_EXPANDED, read, write, type View } from './state';
import { Timeline } from './timeline';

import './explorer.css';

const graphEl = byId('graph');
const graphStatus = byId('graph-status');
const detailsEl = byId('details');
const announcer = byId('announce');
const startEl = byId('start');
const range = byId<HTMLInputElement>('as-of-range');
const dateInput = byId<HTMLInputElement>('as-of-date');
const limitSelect = byId<HTMLSelectElement>('limit');
const involving = byId<HTMLInputElement>('involving');
const connectResult = byId('connect-result');

let view: View = read(location.search);

const graph = new GraphView(graphEl, byId('legend'), {
  open: (id) => open(id),
  focus: (id) => focus(id),
  announce: (text) => {
    announcer.textContent = text;
  },
});
const timeline = new Timeline(byId<HTMLOListElement>('timeline'), byId('timeline-footer'), {
  open: (id) => open(id),
  asOf: (date) => setAsOf(date, true),
});
const search = new Combobox(byId<HTMLInputElement>('search'), (p) => focus(p.id));
const fromBox = new Combobox(byId<HTMLInputElement>('from'), () => {});
const toBox = new Combobox(byId<HTMLInputElement>('to'), () => {});

/** What the last render drew, for the change feed to know what a write touches. */
let shown = new Set<string>();
/** Renders in flight: an answer for an older one is dropped. */
let rendering = 0;
/** The last drawing, for the page's status line and the browser tests. */
let lastDraw: (Drawn & { fetchMs: number; totalMs: number }) | null = null;

// --- Navigation: each action changes the view, records it in the URL and renders it. -------

/** Select an entity; a drawn one is also expanded, one not drawn becomes the focus. */
function open(id: string): void {
  if (!shown.has(id)) return focus(id);
  const expand =
    id === view.focus || view.expand.includes(id)
      ? view.expand
      : [...view.expand, id].slice(-MAX_EXPANDED);
  go({ ...view, select: id, expand });
}

function focus(id: string): void {
  go({ ...view, focus: id, select: null, expand: [] });
}

function setAsOf(date: string | null, push: boolean): void {
  go({ ...view, asOf: date }, push);
}

function go(next: View, push = true): void {
  view = next;
  const url = `${location.pathname}${write(view)}`;
  if (push) history.pushState(null, '', url);
  else history.replaceState(null, '', url);
  void render();
}

window.addEventListener('popstate', () => {
  view = read(location.search);
  void render();
});

// --- Rendering ---------------------------------------------------------------------------

async function render(): Promise<void> {
  const mine = ++rendering;
  const started = performance.now();
  document.body.setAttribute('aria-busy', 'true');
  if (!view.focus) {
    const first = await begun;
    if (mine !== rendering) return;
    if (!first) return showProblem('The graph is empty.');
    view = { ...view, focus: first };
    history.replaceState(null, '', `${location.pathname}${write(view)}`);
  }
  const focusId = view.focus as string;
  const v = view;
  syncControls(v);
  const hoods = Promise.all([focusId, ...v.expand].map((id) => neighbourhood(id, v.asOf, v.limit)));
  const about = ask(DetailsDocument, { id: v.select ?? focusId, asOf: v.asOf, relations: details.RELATIONS });
  const path =
    v.from && v.to ? ask(ConnectionDocument, { from: v.from, to: v.to, asOf: v.asOf }) : Promise.resolve(null);
  let parts: NeighbourhoodQuery[];
  let entity: DetailsQuery['entity'];
  let route: ConnectionQuery | null;
  try {
    [parts, entity, route] = await Promise.all([hoods, about.then((d) => d.entity), path]);
  } catch (e) {
    if (mine === rendering) showProblem(e instanceof ApiError ? e.message : String(e));
    return;
  }
  if (mine !== rendering) return;
  const fetched = performance.now();

  const found = route ? connect.drawn(route.path) : null;
  const drawnParts: Part[] = [
    ...(found ? [found.part] : []),
    ...parts.map((p) => ({
      nodes: p.neighborhood.nodes,
      edges: p.neighborhood.edges.map((e) => ({ ...e, label: words(e.label) })),
    })),
  ];
  const drawn = await graph.show(focusId, drawnParts, v.expand, found?.highlight ?? null);
  if (mine !== rendering) return;
  graph.select(v.select ?? focusId);
  shown = new Set(graph.cy.nodes().map((n) => n.id()));
  if (v.select) shown.add(v.select);

  const totalMs = performance.now() - started;
  lastDraw = { ...drawn, fetchMs: fetched - started, totalMs };
  const centre = parts[0].neighborhood;
  const truncated = parts.some((p) => p.neighborhood.truncated);
  replace(
    graphStatus,
    `${centre.center.name}: ${drawn.nodes} entities, ${drawn.edges} relations`,
    v.asOf ? ` as of ${details.fuzzyDate(v.asOf)}` : ', all dates',
    truncated ? ` (the first ${v.limit} of ${centre.center.degree} neighbours; raise the limit for more)` : '',
    `. Drawn in ${Math.round(totalMs)} ms.`,
  );

  if (entity) {
    replace(detailsEl, ...details.render(entity, v.asOf, { open, focus, connectFrom }));
    document.title = `${entity.name} · newsgraph explorer`;
  } else {
    replace(detailsEl, h('p', { role: 'alert' }, `Nothing has the id ${v.select ?? focusId}.`));
  }
  if (route) {
    replace(connectResult, ...connect.render(route.path, open));
    const ends = route.path.path?.nodes;
    if (ends?.length) {
      if (fromBox.value?.id !== v.from) fromBox.set(ends[0]);
      if (toBox.value?.id !== v.to) toBox.set(ends[ends.length - 1]);
    }
  } else replace(connectResult);
  timeline.mark(new Set(graph.cy.nodes('[kind = "EVENT"]').map((n) => n.id())), v.asOf, v.select ?? focusId);
  // The control that asked for this view was redrawn away: keep keyboard users in the panel
  // that answers, rather than back at the top of the page.
  if (document.activeElement === document.body || document.activeElement === null) {
    document.getElementById('details-title')?.focus();
  }
  document.body.removeAttribute('aria-busy');
  graphEl.dataset.renders = String(++rendered);
}
/** Renders completed, for the browser tests to wait on (the first one: the page is ready). */
let rendered = 0;

/**
 * Neighbourhood answers by entity, date and limit, kept until the next write (any write: it
 * may change a neighbourhood of another view): selecting or expanding one entity asks for one
 * neighbourhood, not for all of them again.
 */
const neighbourhoods = new Map<string, Promise<NeighbourhoodQuery>>();
const NEIGHBOURHOODS_KEPT = 64;

function neighbourhood(id: string, asOf: string | null, limit: number): Promise<NeighbourhoodQuery> {
  const key = JSON.stringify([id, asOf, limit]);
  let answer = neighbourhoods.get(key);
  if (!answer) {
    answer = ask(NeighbourhoodDocument, { id, asOf, limit });
    answer.catch(() => neighbourhoods.delete(key));
    neighbourhoods.set(key, answer);
    // The oldest goes first (a Map keeps insertion order).
    if (neighbourhoods.size > NEIGHBOURHOODS_KEPT) {
      neighbourhoods.delete(neighbourhoods.keys().next().value as string);
    }
  }
  return answer;
}

function showProblem(message: string): void {
  document.body.removeAttribute('aria-busy');
  replace(graphStatus, h('span', { role: 'alert', class: 'problem' }, message));
}

/** Puts the view's values into the controls (after a link or the back button). */
function syncControls(v: View): void {
  dateInput.value = v.asOf ?? '';
  if (v.asOf) range.value = String(dayNumber(v.asOf));
  range.setAttribute('aria-valuetext', v.asOf ? details.fuzzyDate(v.asOf) : 'all dates');
  limitSelect.value = String(v.limit);
  involving.checked = v.involving;
  const previous = timelineOf;
  timelineOf = v.involving ? (v.focus ?? null) : null;
  if (previous !== timelineOf || !timelineLoaded) {
    timelineLoaded = true;
    void timeline.load(timelineOf).catch((e) => showProblem(String(e)));
  }
}
let timelineOf: string | null = null;
let timelineLoaded = false;

// --- Start: the date range and the places to begin ------------------------------------------

/**
 * Asks once for the events' date span (the slider's range) and the most central entities
 * (the places to start); the first of those is the focus of a page opened without one.
 */
async function begin(): Promise<string | null> {
  const data = await ask(StartDocument, { points: 6 });
  const first = data.first.nodes[0]?.date;
  const last = data.last.nodes[0]?.date;
  if (first && last) {
    // A month either side, so the slider reaches "before anything" and "after everything".
    range.min = String(dayNumber(first) - 31);
    range.max = String(dayNumber(last) + 31);
    range.disabled = false;
    range.value = view.asOf ? String(dayNumber(view.asOf)) : range.max;
  }
  const central = data.stats.mostCentral.map((r) => r.entity);
  const points = central.length ? central : data.busiest.nodes;
  replace(
    startEl,
    points.length ? h('span', {}, 'Start from: ') : null,
    points.map((p) =>
      h('button', { type: 'button', class: 'chip', onclick: () => focus(p.id) }, icon(p.kind), ' ', p.name),
    ),
  );
  return points[0]?.id ?? null;
}
const begun = begin().catch(() => null);

const DAY_MS = 86_400_000;
function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}
function dayDate(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

// --- Controls ------------------------------------------------------------------------------

let sliding: number | undefined;
range.addEventListener('input', () => {
  const date = dayDate(Number(range.value));
  dateInput.value = date;
  range.setAttribute('aria-valuetext', details.fuzzyDate(date));
  // While dragging, the view follows at most every 120 ms and stays one history entry.
  clearTimeout(sliding);
  sliding = window.setTimeout(() => setAsOf(date, false), 120);
});
range.addEventListener('change', () => setAsOf(dayDate(Number(range.value)), true));
dateInput.addEventListener('change', () => {
  if (/^\d{4}-\d{2}-\d{2}$/.test(dateInput.value)) setAsOf(dateInput.value, true);
  else if (!dateInput.value) setAsOf(null, true);
});
byId('as-of-clear').addEventListener('click', () => {
  range.value = range.max;
  setAsOf(null, true);
});
for (const limit of LIMITS) limitSelect.append(h('option', { value: limit }, String(limit)));
limitSelect.addEventListener('change', () => go({ ...view, limit: Number(limitSelect.value) }));
involving.addEventListener('change', () => go({ ...view, involving: involving.checked }));

function connectFrom(id: string): void {
  const name = graph.cy.getElementById(id).data('name') ?? id;
  fromBox.set({ id, name, kind: graph.cy.getElementById(id).data('kind') ?? 'STATE' });
  toBox.input.focus();
}
byId<HTMLFormElement>('connect-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const from = fromBox.value?.id ?? view.focus;
  const to = toBox.value?.id;
  if (!from || !to) {
    replace(connectResult, h('p', { role: 'alert' }, 'Pick both ends from the suggestions.'));
    return;
  }
  go({ ...view, from, to });
});
byId('connect-clear').addEventListener('click', () => {
  fromBox.set(null);
  toBox.set(null);
  go({ ...view, from: null, to: null });
});

// "/" jumps to the search, as on GitHub.
document.addEventListener('keydown', (e) => {
  const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement;
  if (e.key === '/' && !typing) {
    e.preventDefault();
    search.input.focus();
  }
});

// --- Live: the change feed -----------------------------------------------------------------

const liveBadge = byId('live');
onLive((live) => {
  liveBadge.textContent = live ? 'Live' : 'Offline';
  liveBadge.dataset.live = live ? '1' : '0';
});

let pending: Set<string> | null = null;
follow(ChangesDocument, {}, (d) => {
  const change = d.graphChanges;
  // Any write may change a neighbourhood kept for another view: they are all asked afresh.
  neighbourhoods.clear();
  for (const id of change.entityIds) forget(id);
  const touched = change.entityIds.filter((id) => shown.has(id) || timeline.has(id));
  const events = change.operations.some((op) => op.includes('event'));
  if (!touched.length && !events) return;
  // Writes arriving together are drawn together, at most every 250 ms.
  if (pending) {
    for (const id of touched) pending.add(id);
    return;
  }
  pending = new Set(touched);
  setTimeout(() => {
    const ids = pending ?? new Set<string>();
    pending = null;
    timelineLoaded = false;
    void render().then(() => {
      const names = [...ids].map((id) => graph.cy.getElementById(id).data('name') ?? id);
      announcer.textContent = `Updated just now${names.length ? `: ${names.slice(0, 3).join(', ')}` : ''} (version ${change.version}).`;
    });
  }, 250);
});

// For debugging from the console, and for the browser tests: the drawing and the last timing.
Object.assign(window, {
  newsgraphExplorer: { cy: graph.cy, view: () => view, lastDraw: () => lastDraw },
});

void render();
