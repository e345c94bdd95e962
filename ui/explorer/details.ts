// The details panel: everything the graph knows about one entity, each statement with what
// supports it. A sourced statement shows its quotes, each marked inside its source's text; an
// editorial one is drawn apart (dashed, labelled "Editorial background", with who wrote it,
// when and why); an event's date says how it is known (stated, computed, inferred).

import { h, webUrl } from './dom';
import { quote } from './evidence';
import { ask } from './api';
import {
  MoreRelationsDocument,
  type DetailsQuery,
  type LocatedFragment,
  type RelationPageFragment,
} from './generated/graphql';
import { KINDS, icon, words } from './kinds';
import { linkTo } from './state';

type Entity = NonNullable<DetailsQuery['entity']>;

export interface Actions {
  /** Open an entity (select it and expand it in the graph). */
  open(id: string): void;
  focus(id: string): void;
  connectFrom(id: string): void;
}

/** Relations listed per panel (the rest are counted). */
export const RELATIONS = 50;

export function render(e: Entity, asOf: string | null, act: Actions): HTMLElement[] {
  const event = 'dateBasis' in e ? e : null;
  const out: HTMLElement[] = [
    h(
      'header',
      { class: 'entity-head' },
      h('p', { class: 'kind-badge', 'data-kind': e.kind }, icon(e.kind), ' ', KINDS[e.kind].label),
      h('h2', { id: 'details-title', tabindex: '-1' }, e.name),
      h('p', { class: 'id' }, h('code', {}, e.id)),
      e.aliases.length ? h('p', { class: 'aliases' }, 'Also: ', e.aliases.join(' · ')) : null,
      h(
        'p',
        { class: 'actions' },
        h('button', { type: 'button', onclick: () => act.focus(e.id) }, 'Focus the graph here'),
        ' ',
        h('button', { type: 'button', onclick: () => act.connectFrom(e.id) }, 'Connect from here…'),
      ),
    ),
  ];
  if (event) out.push(dated(event, act));
  const original = 'title' in e ? webUrl(e.url) : null;
  if ('title' in e && original) {
    out.push(
      h(
        'p',
        { class: 'original' },
        h('a', { href: original, target: '_blank', rel: 'noopener noreferrer' }, 'Read the original article'),
        ` (published ${e.publishedAt.slice(0, 10)})`,
      ),
    );
  }
  // An event's statements are its date, participants and report; it rarely has claims.
  if (!event || e.claims.length) out.push(claims(e));
  if (event) {
    out.push(section('Participants', event.participants.map((p) => participant(p, act))));
    if (event.evidence.length)
      out.push(section('Reported in', event.evidence.map((ev) => quote(ev))));
  }
  out.push(relations(e, asOf, act));
  if (e.updatedAt) {
    out.push(
      h('p', { class: 'provenance' }, `Last written ${e.updatedAt.slice(0, 16).replace('T', ' ')}`, e.updatedBy ? ` by ${e.updatedBy}` : ''),
    );
  }
  return out;
}

function section(title: string, items: (HTMLElement | string)[]): HTMLElement {
  const id = `section-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return h(
    'section',
    { class: 'facts', 'aria-labelledby': id },
    h('h3', { id }, title),
    items.length ? h('ul', {}, items.map((i) => h('li', {}, i))) : h('p', { class: 'empty' }, 'None.'),
  );
}

/** The origin badge and the support of one statement: its quotes, or its editorial mark. */
function support(
  origin: string,
  evidence: readonly LocatedFragment[],
  editorial: { by: string; at: string; note: string | null } | null,
): HTMLElement[] {
  if (origin === 'EDITORIAL' && editorial) {
    return [
      h('span', { class: 'origin editorial' }, 'Editorial background'),
      h(
        'p',
        { class: 'editorial-note' },
        `Added by ${editorial.by} on ${editorial.at}`,
        editorial.note ? `: ${editorial.note}` : '',
      ),
    ];
  }
  if (origin === 'SOURCED') {
    return [h('span', { class: 'origin sourced' }, 'Sourced'), ...evidence.map((ev) => quote(ev))];
  }
  return [h('span', { class: 'origin unsourced' }, 'Unsourced')];
}

function claims(e: Entity): HTMLElement {
  const items = e.claims.map((c) =>
    h(
      'div',
      { class: `claim ${c.origin.toLowerCase()}`, 'data-property': c.property },
      h('p', { class: 'statement' }, h('strong', {}, words(c.property)), ': ', c.value),
      ...support(c.origin, c.evidence, c.editorial),
    ),
  );
  return section('Facts and claims', items);
}

type EventEntity = Extract<Entity, { dateBasis: unknown }>;

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `2025-06-27` → "27 June 2025"; `2025-06` → "June 2025"; `2025` → "2025". */
export function fuzzyDate(text: string): string {
  const [y, m, d] = text.split('-');
  if (!m) return y;
  const month = MONTHS[Number(m) - 1];
  return d ? `${Number(d)} ${month} ${y}` : `${month} ${y}`;
}

function dated(e: EventEntity, act: Actions): HTMLElement {
  const b = e.dateBasis;
  const links: HTMLElement[] = [];
  if (b.inferredFrom) {
    links.push(
      h('p', {}, 'From: ', link(b.inferredFrom.id, `${b.inferredFrom.name} (${fuzzyDate(b.inferredFrom.dateText)})`, act)),
    );
  }
  if (b.rule) {
    links.push(h('p', {}, `Rule: ${b.rule.description}`));
    const from = b.rule.notification;
    if (from) links.push(h('p', {}, 'Counted from: ', link(from.id, `${from.name} (${fuzzyDate(from.dateText)})`, act)));
  }
  return h(
    'section',
    { class: `date-basis ${b.kind.toLowerCase()}`, 'aria-labelledby': 'section-date' },
    h('h3', { id: 'section-date' }, 'When'),
    h(
      'p',
      { class: 'date' },
      h('time', { datetime: e.dateText }, fuzzyDate(e.dateText)),
      ` · ${words(e.eventKind)} · known to the ${words(e.datePrecision)}`,
    ),
    h('p', { class: 'how' }, h('span', { class: `basis ${b.kind.toLowerCase()}` }, words(b.kind)), ' ', b.reasoning),
    ...links,
    b.evidence ? quote(b.evidence) : null,
  );
}

function link(id: string, text: string, act: Actions): HTMLElement {
  return h(
    'a',
    {
      href: linkTo(id),
      'data-id': id,
      onclick: (ev: Event) => {
        const m = ev as MouseEvent;
        if (m.ctrlKey || m.metaKey || m.shiftKey || m.button === 1) return; // a new tab
        ev.preventDefault();
        act.open(id);
      },
    },
    text,
  );
}

function participant(p: EventEntity['participants'][number], act: Actions): HTMLElement {
  return h(
    'div',
    { class: 'participant' },
    h('p', {}, icon(p.entity.kind), ' ', link(p.entity.id, p.entity.name, act), ` — ${words(p.role)}`),
    p.evidenceInherited
      ? h('p', { class: 'inherited' }, "Supported by the event's own evidence")
      : null,
    ...p.evidence.map((ev) => quote(ev)),
  );
}

type RelationEdge = RelationPageFragment['edges'][number];

function relationItem(edge: RelationEdge, act: Actions): HTMLElement {
  const until = edge.validUntil
    ? ` until ${edge.validUntil}${edge.node.validUntilEvent ? ` (${edge.node.validUntilEvent.name})` : ''}`
    : '';
  const since = edge.validFrom
    ? ` since ${edge.validFrom}${edge.node.validFromEvent ? ` (${edge.node.validFromEvent.name})` : ''}`
    : '';
  const arrow = edge.direction === 'OUTGOING' ? '→' : '←';
  return h(
    'details',
    { class: 'relation', 'data-relation': edge.node.id, 'data-type': edge.type },
    h(
      'summary',
      {},
      h('span', { class: 'rel-type' }, `${words(edge.type)} ${arrow}`),
      ' ',
      icon(edge.entity.kind),
      ' ',
      h('span', { class: 'rel-entity' }, edge.entity.name),
      edge.role ? ` (${edge.role})` : '',
      since,
      until,
    ),
    h(
      'p',
      { class: 'relation-actions' },
      h('button', { type: 'button', onclick: () => act.open(edge.entity.id) }, `Open ${edge.entity.name}`),
    ),
    edge.node.evidenceInherited ? h('p', { class: 'inherited' }, 'Evidence inherited from its event') : null,
    ...edge.evidence.map((ev) => quote(ev)),
  );
}

/** The relations, a page at a time: "Show more" asks for the next page after the last. */
function relations(e: Entity, asOf: string | null, act: Actions): HTMLElement {
  const list = h('ul', {});
  const count = h('p', { class: 'count', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'more' }, 'Show more');
  let shown = 0;
  let after: string | null = null;
  const add = (page: RelationPageFragment) => {
    for (const edge of page.edges) list.append(h('li', {}, relationItem(edge, act)));
    shown += page.edges.length;
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    count.textContent = page.totalCount > shown ? `${shown} of ${page.totalCount}.` : '';
    more.hidden = after === null;
    if (!page.totalCount) list.replaceChildren(h('li', { class: 'empty' }, 'None.'));
  };
  more.addEventListener('click', () => {
    if (!after) return;
    more.disabled = true;
    void ask(MoreRelationsDocument, { id: e.id, asOf, first: RELATIONS, after })
      .then((d) => d.entity && add(d.entity.relations))
      .catch((err) => {
        count.textContent = `The next page could not be loaded: ${err instanceof Error ? err.message : err}`;
      })
      .finally(() => {
        more.disabled = false;
      });
  });
  add(e.relations);
  const title = asOf ? `Relations as of ${fuzzyDate(asOf)}` : 'Relations';
  return h(
    'section',
    { class: 'facts', 'aria-labelledby': 'section-relations' },
    h('h3', { id: 'section-relations' }, title),
    list,
    count,
    more,
  );
}
