// A quote shown where it stands: the words around it in its source's text, the quote marked,
// located by the offsets the API gives (`start`/`end`, UTF-16 code units, which is what
// `String.prototype.slice` counts), never by searching the text for the words. The full
// article opens in a dialog with the quote marked and scrolled to.

import { ask } from './api';
import { h, webUrl } from './dom';
import { SourceTextDocument, type LocatedFragment } from './generated/graphql';

interface SourceText {
  id: string;
  title: string;
  /** Only an http(s) URL (see `webUrl`). */
  url: string | null;
  publishedAt: string;
  text: string;
}

/** Each source's text is asked for once per page (they are long and change rarely). */
const sources = new Map<string, Promise<SourceText | null>>();

export function source(id: string): Promise<SourceText | null> {
  let found = sources.get(id);
  if (!found) {
    found = ask(SourceTextDocument, { id }).then((d) => {
      const e = d.entity;
      return e && 'text' in e
        ? { id: e.id, title: e.title, url: webUrl(e.url), publishedAt: e.publishedAt, text: e.text }
        : null;
    });
    // A failed fetch is not kept: the next quote asks again.
    found.catch(() => sources.delete(id));
    sources.set(id, found);
  }
  return found;
}

/** Forgets a source's text (it was edited). */
export function forget(id: string): void {
  sources.delete(id);
}

/** Characters of context shown on each side of a quote, cut at a word. */
const CONTEXT = 160;

/** Where the context around `[start, end)` begins and ends: whole words, within a paragraph. */
export function around(text: string, start: number, end: number): [number, number] {
  let from = Math.max(0, start - CONTEXT);
  let to = Math.min(text.length, end + CONTEXT);
  const para = text.lastIndexOf('\n', start - 1);
  if (para >= from) from = para + 1;
  else if (from > 0) from = text.indexOf(' ', from) + 1 || from;
  const paraEnd = text.indexOf('\n', end);
  if (paraEnd !== -1 && paraEnd <= to) to = paraEnd;
  else if (to < text.length) to = text.lastIndexOf(' ', to) > end ? text.lastIndexOf(' ', to) : to;
  return [from, to];
}

/**
 * A quote in its context: a `<blockquote>` with the quote in a `<mark>`, the source's title
 * with a link to the original, and a button opening the whole text. Drawn at once with the
 * bare quote, then filled in when the source's text arrives.
 */
export function quote(ev: LocatedFragment): HTMLElement {
  const body = h('blockquote', { class: 'quote', cite: null }, h('mark', {}, ev.quote));
  const caption = h('figcaption', {}, '');
  const figure = h('figure', { class: 'evidence', 'data-source': ev.source.id }, body, caption);
  void source(ev.source.id).then(
    (src) => {
      if (!src) return;
      const marked = src.text.slice(ev.start, ev.end);
      if (marked !== ev.quote) {
        // Offsets that do not locate the quote would be a server bug; say so, show the quote.
        figure.dataset.unlocated = '1';
        return;
      }
      const [from, to] = around(src.text, ev.start, ev.end);
      body.replaceChildren(
        from > 0 ? '…' : '',
        src.text.slice(from, ev.start),
        h('mark', { 'data-start': ev.start, 'data-end': ev.end }, marked),
        src.text.slice(ev.end, to),
        to < src.text.length ? '…' : '',
      );
      if (src.url) body.setAttribute('cite', src.url);
      figure.dataset.located = '1';
      caption.replaceChildren(
        '— ',
        src.url
          ? h('a', { href: src.url, target: '_blank', rel: 'noopener noreferrer' }, src.title)
          : src.title,
        ` (${src.publishedAt.slice(0, 10)}) `,
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            onclick: () => showArticle(src, ev.start, ev.end),
          },
          'Show in the article',
        ),
      );
    },
    () => {
      caption.textContent = '(the source text could not be loaded)';
    },
  );
  return figure;
}

/** The whole source in a modal dialog, the quote marked and scrolled into view. */
function showArticle(src: SourceText, start: number, end: number): void {
  const mark = h('mark', { id: 'article-quote' }, src.text.slice(start, end));
  const close = h('button', { type: 'button', class: 'close', onclick: () => dialog.close() }, 'Close');
  const dialog = h(
    'dialog',
    { class: 'article', 'aria-labelledby': 'article-title' },
    h(
      'header',
      {},
      h('h2', { id: 'article-title' }, src.title),
      close,
    ),
    h(
      'p',
      { class: 'meta' },
      `Published ${src.publishedAt.slice(0, 10)}`,
      src.url ? ' · ' : '',
      src.url ? h('a', { href: src.url, target: '_blank', rel: 'noopener noreferrer' }, 'original') : '',
    ),
    h('div', { class: 'article-text' }, src.text.slice(0, start), mark, src.text.slice(end)),
  );
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  mark.scrollIntoView({ block: 'center' });
  close.focus();
}
