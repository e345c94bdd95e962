// The drawing: cytoscape.js on a canvas, fed the neighbourhoods the explorer asked for. The
// view keeps its elements between draws and applies only the difference (a node added, an
// edge gone as of a date), so expanding a node or moving the date does not reshuffle what the
// reader was looking at; a new focus lays everything out afresh.
//
// The canvas is not reachable by a screen reader, so the same graph is always listed as text
// too (the details panel's connections); the canvas itself takes arrow keys to move between
// nodes, Enter to expand one and F to focus it.

import cytoscape from 'cytoscape';
import type { Core, ElementDefinition, LayoutOptions, NodeSingular } from 'cytoscape';

import type { EntityKind } from './generated/graphql';
import { KINDS, icon } from './kinds';
import { h, replace } from './dom';

export interface GraphNode {
  id: string;
  name: string;
  kind: EntityKind;
}
export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  type: string;
  label: string;
}
/** What one answer adds to the drawing. */
export interface Part {
  nodes: GraphNode[];
  edges: GraphEdge[];
}
export interface Highlight {
  nodes: string[];
  edges: string[];
}
export interface Drawn {
  nodes: number;
  edges: number;
  /** Time spent in cytoscape (diff, layout and the first frame after it), in ms. */
  ms: number;
}
export interface Handlers {
  /** A click (or Enter): select the node and expand it. */
  open(id: string): void;
  /** A double click (or F): make the node the focus. */
  focus(id: string): void;
  /** Says `text` to screen readers (the canvas itself cannot). */
  announce(text: string): void;
}

/** Above this many nodes the force layout is too slow to wait for; rings are drawn instead. */
const FORCE_LAYOUT_MAX = 150;
/** Nodes on the innermost ring of a large drawing; ring k holds k times as many. */
const RING = 12;
/** The closest a fitted drawing is zoomed in. */
const MAX_FIT_ZOOM = 1.2;

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: 'node',
    style: {
      'background-color': 'data(colour)',
      shape: 'data(shape)' as never,
      label: 'data(label)',
      width: 22,
      height: 22,
      'font-size': 11,
      color: '#111827',
      'text-valign': 'bottom',
      'text-margin-y': 4,
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.85,
      'text-background-padding': '1px',
      'min-zoomed-font-size': 7,
    },
  },
  {
    selector: 'node.focus',
    style: { width: 36, height: 36, 'font-size': 13, 'font-weight': 'bold' },
  },
  {
    selector: 'node.expanded',
    style: { 'border-width': 2, 'border-color': '#111827', 'border-style': 'dashed' },
  },
  {
    selector: 'node:selected',
    style: { 'border-width': 4, 'border-color': '#f59e0b', 'border-style': 'solid' },
  },
  {
    selector: 'edge',
    style: {
      width: 1.5,
      'line-color': '#94a3b8',
      'target-arrow-shape': 'triangle',
      'target-arrow-color': '#94a3b8',
      'arrow-scale': 0.9,
      'curve-style': 'bezier',
      label: 'data(label)',
      'font-size': 9,
      color: '#334155',
      'text-rotation': 'autorotate',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.85,
      'min-zoomed-font-size': 8,
    },
  },
  { selector: 'edge.many', style: { 'curve-style': 'straight' } },
  {
    selector: '.path',
    style: {
      'line-color': '#dc2626',
      'target-arrow-color': '#dc2626',
      'border-color': '#dc2626',
      'border-width': 3,
      width: 3,
      'z-index': 10,
    },
  },
];

export class GraphView {
  readonly cy: Core;
  private focusId: string | null = null;
  /** Node ids in name order, for moving through them with the keyboard. */
  private order: string[] = [];

  constructor(
    private readonly container: HTMLElement,
    legend: HTMLElement,
    private readonly handlers: Handlers,
  ) {
    this.cy = cytoscape({
      container,
      style: STYLE,
      minZoom: 0.05,
      maxZoom: 4,
      // Large drawings pan and zoom as a picture and redraw when the gesture ends.
      textureOnViewport: true,
      hideEdgesOnViewport: true,
      boxSelectionEnabled: false,
      selectionType: 'single',
    });
    this.cy.on('tap', 'node', (e) => handlers.open(e.target.id()));
    this.cy.on('dbltap', 'node', (e) => handlers.focus(e.target.id()));
    container.addEventListener('keydown', (e) => this.key(e));
    drawLegend(legend);
  }

  /**
   * Draws `parts` (merged; an element in several is drawn once) around `focus`, with
   * `highlight` (a path) marked. Resolves when the drawing is on screen.
   */
  async show(
    focus: string,
    parts: Part[],
    expanded: string[],
    highlight: Highlight | null,
  ): Promise<Drawn> {
    const started = performance.now();
    const nodes = new Map<string, GraphNode>();
    const edges = new Map<string, GraphEdge>();
    for (const part of parts) {
      for (const n of part.nodes) nodes.set(n.id, n);
      for (const e of part.edges) edges.set(e.id, e);
    }
    const cy = this.cy;
    const refocus = focus !== this.focusId;
    this.focusId = focus;
    let changed = refocus;
    const added: string[] = [];
    cy.batch(() => {
      if (refocus) cy.elements().remove();
      cy.elements().forEach((el) => {
        const keep = el.group() === 'nodes' ? nodes.has(el.id()) : edges.has(el.id());
        if (!keep) {
          el.remove();
          changed = true;
        }
      });
      const many = edges.size > FORCE_LAYOUT_MAX;
      const defs: ElementDefinition[] = [];
      for (const n of nodes.values()) {
        const el = cy.getElementById(n.id);
        const data = { id: n.id, name: n.name, label: short(n.name), kind: n.kind, ...style(n.kind) };
        if (el.nonempty()) el.data(data);
        else {
          defs.push({ group: 'nodes', data });
          added.push(n.id);
        }
      }
      for (const e of edges.values()) {
        if (!nodes.has(e.source) || !nodes.has(e.target)) continue;
        const el = cy.getElementById(e.id);
        const data = { ...e };
        if (el.nonempty()) el.data(data);
        else defs.push({ group: 'edges', data, classes: many ? 'many' : '' });
      }
      if (defs.length) {
        changed = true;
        cy.add(defs);
      }
      cy.nodes().removeClass('focus expanded');
      cy.getElementById(focus).addClass('focus');
      for (const id of expanded) cy.getElementById(id).addClass('expanded');
      cy.elements().removeClass('path');
      if (highlight) {
        for (const id of [...highlight.nodes, ...highlight.edges]) {
          cy.getElementById(id).addClass('path');
        }
      }
    });
    this.order = [...nodes.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((n) => n.id);
    this.describe(nodes.size, edges.size);
    // Measures for the browser's performance panel (and the tests): the diff, the layout,
    // the first frame.
    performance.measure('newsgraph:diff', { start: started });
    const laid = performance.now();
    if (changed) await this.layout(refocus, added);
    performance.measure('newsgraph:layout', { start: laid });
    const framed = performance.now();
    await nextFrame();
    performance.measure('newsgraph:frame', { start: framed });
    return { nodes: cy.nodes().length, edges: cy.edges().length, ms: performance.now() - started };
  }

  /** Marks `id` as selected (the details panel's node), without a click. */
  select(id: string | null): void {
    this.cy.nodes(':selected').unselect();
    if (id) this.cy.getElementById(id).select();
  }

  private layout(fresh: boolean, added: string[]): Promise<void> {
    const cy = this.cy;
    const count = cy.nodes().length;
    const focus = this.focusId;
    const rings = new Map<string, number>();
    if (count > FORCE_LAYOUT_MAX) {
      // Neighbours grouped by kind, so each kind forms arcs rather than confetti.
      const others = cy
        .nodes()
        .filter((n) => n.id() !== focus)
        .sort((a, b) => (a.data('kind') + a.data('name')).localeCompare(b.data('kind') + b.data('name')));
      let ring = 1;
      let left = RING;
      others.forEach((n) => {
        rings.set(n.id(), ring);
        if (--left === 0) left = RING * ++ring;
      });
    }
    // New nodes start next to a neighbour already placed, so the force layout only nudges.
    if (!fresh) {
      for (const id of added) {
        const node = cy.getElementById(id) as NodeSingular;
        const placed = node
          .neighborhood()
          .nodes()
          .filter((n) => !added.includes(n.id()));
        if (placed.nonempty()) {
          const p = (placed.first() as NodeSingular).position();
          node.position({ x: p.x + (Math.random() - 0.5) * 80, y: p.y + (Math.random() - 0.5) * 80 });
        }
      }
    }
    const options: LayoutOptions =
      count <= FORCE_LAYOUT_MAX
        ? ({
            name: 'cose',
            animate: false,
            randomize: fresh,
            fit: true,
            padding: 30,
            nodeDimensionsIncludeLabels: true,
            nodeRepulsion: () => 400_000,
            idealEdgeLength: () => 100,
            nodeOverlap: 20,
            gravity: 60,
            numIter: 1000,
          } as LayoutOptions)
        : ({
            name: 'concentric',
            animate: false,
            fit: true,
            padding: 20,
            minNodeSpacing: 4,
            // The focus in the middle, the rest in rings that grow with their radius (ring k
            // holds about RING·k nodes), so 500 neighbours make a disc, not one huge circle.
            concentric: (n: NodeSingular) => (n.id() === focus ? Number.MAX_SAFE_INTEGER : -(rings.get(n.id()) ?? 0)),
            levelWidth: () => 1,
          } as LayoutOptions);
    return new Promise((resolve) => {
      const layout = cy.layout(options);
      layout.one('layoutstop', () => {
        // A few nodes fitted to the box would be drawn huge; keep labels at reading size.
        if (cy.zoom() > MAX_FIT_ZOOM) {
          cy.zoom(MAX_FIT_ZOOM);
          cy.center();
        }
        resolve();
      });
      layout.run();
    });
  }

  /** The canvas's label for screen readers: what it shows, and how to move in it. */
  private describe(nodes: number, edges: number): void {
    const focus = this.focusId ? this.cy.getElementById(this.focusId).data('name') : '';
    this.container.setAttribute(
      'aria-label',
      `Graph around ${focus}: ${nodes} entities, ${edges} relations. ` +
        'Arrow keys move between entities, Enter opens one, F focuses it.',
    );
  }

  private key(e: KeyboardEvent): void {
    if (!this.order.length) return;
    const current = this.cy.nodes(':selected').first();
    const at = current.nonempty() ? this.order.indexOf(current.id()) : -1;
    let next: number | null = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = (at + 1) % this.order.length;
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp')
      next = (at - 1 + this.order.length) % this.order.length;
    else if (e.key === 'Enter' && at >= 0) this.handlers.open(this.order[at]);
    else if ((e.key === 'f' || e.key === 'F') && at >= 0) this.handlers.focus(this.order[at]);
    else return;
    e.preventDefault();
    if (next !== null) {
      const id = this.order[next];
      this.select(id);
      const node = this.cy.getElementById(id);
      this.container.dataset.active = id;
      const degree = node.degree(false);
      this.handlers.announce(
        `${node.data('name')}, ${KINDS[node.data('kind') as EntityKind].label}, ` +
          `${degree} ${degree === 1 ? 'relation' : 'relations'} drawn. ${next + 1} of ${this.order.length}.`,
      );
    }
  }
}

/**
 * A name cut to fit under its node. Done here rather than by cytoscape's `text-wrap: ellipsis`,
 * which measures each label on a canvas: adding, laying out and drawing 500 nodes took half as
 * long again with it (229 against 149 ms, `bench/explorer-draw.mjs`, BENCHMARKS.md).
 */
function short(name: string): string {
  return name.length > LABEL_CHARS ? `${name.slice(0, LABEL_CHARS - 1).trimEnd()}…` : name;
}
const LABEL_CHARS = 24;

function style(kind: EntityKind): { colour: string; shape: string } {
  return { colour: KINDS[kind].colour, shape: KINDS[kind].shape };
}

function drawLegend(legend: HTMLElement): void {
  replace(
    legend,
    h(
      'ul',
      {},
      Object.entries(KINDS).map(([kind, s]) =>
        h('li', {}, icon(kind as EntityKind), ' ', s.label),
      ),
      h('li', {}, h('span', { class: 'legend-edge' }), ' relation (arrow: from → to)'),
      h('li', {}, h('span', { class: 'legend-edge path' }), ' path found'),
      h('li', {}, h('span', { class: 'legend-dashed' }), ' expanded'),
    ),
  );
}

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

