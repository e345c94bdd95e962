// How each kind of entity is drawn: one colour and one shape per kind, used by the graph, its
// legend and the badges in the panels, so the three always agree. Colours are told apart by
// shape too (for readers who do not see the difference), and each has at least 4.5:1 contrast
// on white, so a badge's white text on it is readable.

import type { EntityKind } from './generated/graphql';

export interface KindStyle {
  label: string;
  colour: string;
  /** A cytoscape node shape. */
  shape: string;
  /** The same shape as an SVG path in a 20×20 box, for the legend. */
  svg: string;
}

export const KINDS: Record<EntityKind, KindStyle> = {
  STATE: {
    label: 'State',
    colour: '#1d4ed8',
    shape: 'round-rectangle',
    svg: 'M4 2h12a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2z',
  },
  PERSON: {
    label: 'Person',
    colour: '#be185d',
    shape: 'ellipse',
    svg: 'M10 2a8 8 0 1 1 0 16a8 8 0 1 1 0-16z',
  },
  ORGANIZATION: {
    label: 'Organization',
    colour: '#047857',
    shape: 'hexagon',
    svg: 'M5 2h10l4 8-4 8H5l-4-8z',
  },
  TREATY: {
    label: 'Treaty',
    colour: '#b45309',
    shape: 'diamond',
    svg: 'M10 1l9 9-9 9-9-9z',
  },
  EVENT: {
    label: 'Event',
    colour: '#6d28d9',
    shape: 'triangle',
    svg: 'M10 2l9 16H1z',
  },
  SOURCE: {
    label: 'Source',
    colour: '#475569',
    shape: 'rectangle',
    svg: 'M3 3h14v14H3z',
  },
};

/** A small inline SVG of a kind's shape in its colour. */
export function icon(kind: EntityKind): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 20 20');
  svg.setAttribute('width', '14');
  svg.setAttribute('height', '14');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', KINDS[kind].svg);
  path.setAttribute('fill', KINDS[kind].colour);
  svg.append(path);
  return svg;
}

/** "PARTY_TO" → "party to". */
export function words(constant: string): string {
  return constant.toLowerCase().replaceAll('_', ' ');
}
