// The timeline: events in date order (a page at a time), each a button that opens it in the
// graph. Events drawn in the graph are marked, and so are those after the "as of" date (they
// have not happened yet in that view); each can set the date to its own.

import { ask } from './api';
import { h, replace } from './dom';
import { fuzzyDate } from './details';
import { TimelineDocument, type TimelineQuery } from './generated/graphql';
import { icon, words } from './kinds';

type Item = TimelineQuery['events']['nodes'][number];

/** Events per page. */
const PAGE = 50;

export interface TimelineActions {
  open(id: string): void;
  asOf(date: string): void;
}

export class Timeline {
  private items: Item[] = [];
  private next: string | null = null;
  private total = 0;
  private involving: string | null = null;
  private onGraph = new Set<string>();
  private asOf: string | null = null;
  private selected: string | null = null;

  constructor(
    private readonly list: HTMLOListElement,
    private readonly footer: HTMLElement,
    private readonly act: TimelineActions,
  ) {}

  /** Lists the first page again (of `involving`'s events, or all), keeping the marks. */
  async load(involving: string | null): Promise<void> {
    const data = await ask(TimelineDocument, { first: PAGE, after: null, involving });
    this.involving = involving;
    this.items = data.events.nodes;
    this.total = data.events.totalCount;
    this.next = data.events.pageInfo.hasNextPage ? data.events.pageInfo.endCursor : null;
    this.draw();
  }

  /** Marks the events the graph draws, those after `asOf`, and the one the details show. */
  mark(onGraph: Set<string>, asOf: string | null, selected: string | null): void {
    this.onGraph = onGraph;
    this.asOf = asOf;
    this.selected = selected;
    this.draw();
    // Scrolls the list only (scrollIntoView would scroll the page to the timeline too).
    const current = this.list.querySelector<HTMLElement>('li[aria-current]');
    if (current) {
      const top = current.offsetTop;
      const view = this.list;
      if (top < view.scrollTop || top + current.offsetHeight > view.scrollTop + view.clientHeight) {
        view.scrollTop = top - view.clientHeight / 3;
      }
    }
  }

  has(id: string): boolean {
    return this.items.some((i) => i.id === id);
  }

  private async more(): Promise<void> {
    if (!this.next) return;
    const data = await ask(TimelineDocument, { first: PAGE, after: this.next, involving: this.involving });
    this.items.push(...data.events.nodes);
    this.next = data.events.pageInfo.hasNextPage ? data.events.pageInfo.endCursor : null;
    this.draw();
  }

  private draw(): void {
    replace(
      this.list,
      this.items.map((e) => {
        const after = this.asOf !== null && e.date > this.asOf;
        return h(
          'li',
          {
            'data-id': e.id,
            'data-date': e.date,
            class: [this.onGraph.has(e.id) ? 'on-graph' : '', after ? 'after' : ''].join(' ').trim() || null,
            'aria-current': e.id === this.selected ? 'true' : null,
          },
          h('time', { datetime: e.dateText }, fuzzyDate(e.dateText)),
          h(
            'button',
            { type: 'button', class: 'event', onclick: () => this.act.open(e.id) },
            icon('EVENT'),
            ' ',
            e.name,
          ),
          h(
            'span',
            { class: 'meta-line' },
            h('span', { class: 'event-kind' }, words(e.eventKind)),
            e.dateBasis.kind !== 'STATED'
              ? h('span', { class: `basis ${e.dateBasis.kind.toLowerCase()}` }, `date ${words(e.dateBasis.kind)}`)
              : null,
            after ? h('span', { class: 'later' }, 'after the chosen date') : null,
            h(
              'button',
              {
                type: 'button',
                class: 'link as-of-here',
                onclick: () => this.act.asOf(e.date),
              },
              'show the graph as of this date',
              h('span', { class: 'visually-hidden' }, `: ${fuzzyDate(e.dateText)}`),
            ),
          ),
        );
      }),
    );
    replace(
      this.footer,
      `${this.items.length} of ${this.total} events`,
      this.next
        ? h('button', { type: 'button', onclick: () => void this.more() }, 'Show more')
        : null,
    );
  }
}
