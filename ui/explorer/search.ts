// A search box with suggestions as you type (the ranked `search`), built as the WAI-ARIA
// combobox pattern: the input owns a listbox, arrow keys move through the suggestions (the
// active one named by `aria-activedescendant`), Enter picks, Escape closes. Used for the main
// search and for both ends of "how are these connected".

import { ask } from './api';
import { h, replace } from './dom';
import { SuggestDocument, type EntityKind } from './generated/graphql';
import { KINDS, icon, words } from './kinds';

export interface Picked {
  id: string;
  name: string;
  kind: EntityKind;
}

/** Suggestions shown at once. */
const SUGGESTIONS = 8;
/** Typing pauses this long (ms) before the server is asked. */
const DEBOUNCE_MS = 120;

let comboboxes = 0;

export class Combobox {
  private readonly list: HTMLUListElement;
  private options: Picked[] = [];
  private active = -1;
  private timer: number | undefined;
  /** Answers to older keystrokes arriving late are dropped. */
  private asked = 0;
  /** What the box stands for now (the input may show its name). */
  value: Picked | null = null;

  constructor(
    readonly input: HTMLInputElement,
    private readonly onPick: (p: Picked) => void,
  ) {
    const n = ++comboboxes;
    this.list = h('ul', { id: `suggestions-${n}`, role: 'listbox', class: 'suggestions', hidden: true });
    if (input.labels?.[0]) this.list.setAttribute('aria-labelledby', input.labels[0].id || '');
    input.after(this.list);
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', this.list.id);
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.addEventListener('input', () => this.typed());
    input.addEventListener('keydown', (e) => this.key(e));
    input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
  }

  /** Shows `p` in the box without asking for suggestions. */
  set(p: Picked | null): void {
    this.value = p;
    this.input.value = p ? p.name : '';
  }

  private typed(): void {
    this.value = null;
    clearTimeout(this.timer);
    const query = this.input.value.trim();
    if (!query) return this.close();
    this.timer = window.setTimeout(() => void this.suggest(query), DEBOUNCE_MS);
  }

  private async suggest(query: string): Promise<void> {
    const asked = ++this.asked;
    let data;
    try {
      data = await ask(SuggestDocument, { query, first: SUGGESTIONS });
    } catch {
      return; // A query the search refuses (too long, say) suggests nothing.
    }
    if (asked !== this.asked || this.input.value.trim() !== query) return;
    this.options = data.search.edges.map((e) => ({
      id: e.node.id,
      name: e.node.name,
      kind: e.node.kind,
    }));
    replace(
      this.list,
      data.search.edges.length
        ? data.search.edges.map((e, i) =>
            h(
              'li',
              {
                id: `${this.list.id}-${i}`,
                role: 'option',
                'aria-selected': 'false',
                'data-id': e.node.id,
                onmousedown: (ev: Event) => {
                  ev.preventDefault(); // keep the focus in the input
                  this.pick(i);
                },
              },
              icon(e.node.kind),
              h('span', { class: 'name' }, e.node.name),
              h('span', { class: 'kind' }, KINDS[e.node.kind].label),
              e.matchedOn !== 'NAME'
                ? h('span', { class: 'matched' }, `${words(e.matchedOn)}: ${e.matchedText}`)
                : null,
            ),
          )
        : h('li', { class: 'none', role: 'option', 'aria-disabled': 'true', 'aria-selected': 'false' }, `Nothing matches “${query}”`),
    );
    this.active = -1;
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
  }

  private key(e: KeyboardEvent): void {
    const open = !this.list.hidden && this.options.length > 0;
    if (e.key === 'ArrowDown' && open) this.move(1);
    else if (e.key === 'ArrowUp' && open) this.move(-1);
    else if (e.key === 'Enter' && open) this.pick(this.active >= 0 ? this.active : 0);
    else if (e.key === 'Escape' && !this.list.hidden) this.close();
    else return;
    e.preventDefault();
  }

  private move(by: number): void {
    const n = this.options.length;
    this.active = (this.active + by + n) % n;
    const items = this.list.querySelectorAll('li[role="option"]');
    items.forEach((li, i) => li.setAttribute('aria-selected', String(i === this.active)));
    const li = items[this.active];
    this.input.setAttribute('aria-activedescendant', li.id);
    li.scrollIntoView({ block: 'nearest' });
  }

  private pick(i: number): void {
    const p = this.options[i];
    if (!p) return;
    this.close();
    this.set(p);
    this.onPick(p);
  }

  private close(): void {
    this.list.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }
}
