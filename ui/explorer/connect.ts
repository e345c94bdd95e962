// "How are these connected": the shortest path between two entities (as of the chosen date),
// hop by hop, each hop with the quotes that support it. The path is also marked in the graph.

import { h } from './dom';
import { quote } from './evidence';
import type { ConnectionQuery } from './generated/graphql';
import type { Highlight, Part } from './graph';
import { icon, words } from './kinds';

type Result = ConnectionQuery['path'];

export function render(r: Result, open: (id: string) => void): HTMLElement[] {
  if (!r.found || !r.path) {
    return [h('p', { class: 'no-path', role: 'status' }, r.reason ?? 'No path within 4 hops.')];
  }
  const p = r.path;
  return [
    h('p', { class: 'path-length' }, `${p.length} ${p.length === 1 ? 'hop' : 'hops'}:`),
    h(
      'ol',
      { class: 'hops' },
      p.hops.map((hop) =>
        h(
          'li',
          { class: 'hop', 'data-relation': hop.relation.id },
          h(
            'p',
            { class: 'hop-line' },
            entity(hop.from, open),
            h('span', { class: 'rel-type' }, ` ${hop.direction === 'OUTGOING' ? '—' : '←'} ${words(hop.type)} ${hop.direction === 'OUTGOING' ? '→' : '—'} `),
            entity(hop.to, open),
          ),
          hop.evidence.length
            ? hop.evidence.map((ev) => quote(ev))
            : h('p', { class: 'empty' }, 'No quote supports this hop.'),
        ),
      ),
    ),
  ];
}

function entity(e: { id: string; name: string; kind: Parameters<typeof icon>[0] }, open: (id: string) => void) {
  return h(
    'button',
    { type: 'button', class: 'link', onclick: () => open(e.id) },
    icon(e.kind),
    ' ',
    e.name,
  );
}

/** The path as a part of the drawing, and which of its elements to mark. */
export function drawn(r: Result): { part: Part; highlight: Highlight } | null {
  if (!r.path) return null;
  const p = r.path;
  return {
    part: {
      nodes: p.nodes.map((n) => ({ id: n.id, name: n.name, kind: n.kind })),
      edges: p.hops.map((hop) => {
        const out = hop.direction === 'OUTGOING';
        return {
          id: hop.relation.id,
          source: out ? hop.from.id : hop.to.id,
          target: out ? hop.to.id : hop.from.id,
          type: hop.type,
          label: words(hop.type),
        };
      }),
    },
    highlight: { nodes: p.nodes.map((n) => n.id), edges: p.hops.map((hop) => hop.relation.id) },
  };
}
