// What the explorer shows, as the page's URL holds it, so any view is a link to share:
//
//   /?focus=state/estonia&expand=treaty/ottawa-convention&select=…&asOf=2025-12-27
//     &from=person/alar-karis&to=org/nato&limit=100&involving=1
//
// Reading never fails: a value that is not valid is ignored, and the view falls back to its
// default, so a mangled link still opens the explorer.

export interface View {
  /** The entity whose neighbourhood the graph centres on. */
  focus: string | null;
  /** Entities whose neighbourhoods are drawn too (clicked to expand), in order. */
  expand: string[];
  /** The entity the details panel shows (the focus when not set). */
  select: string | null;
  /** The date the graph and details are shown as of; null for all times. */
  asOf: string | null;
  /** "How are these connected": both ends, when asked. */
  from: string | null;
  to: string | null;
  /** Most entities per neighbourhood. */
  limit: number;
  /** Whether the timeline lists only the focus's events. */
  involving: boolean;
}

export const LIMITS = [50, 100, 250, 500, 1000] as const;
export const DEFAULT_LIMIT = 100;
/** Expanded neighbourhoods kept in a view (each is one request). */
export const MAX_EXPANDED = 20;

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
/** An id as the API writes them: no spaces or control characters, not absurdly long. */
const ID = /^[^\s\u0000-\u001f]{1,200}$/;

function id(v: string | null): string | null {
  return v !== null && ID.test(v) ? v : null;
}

export function read(search: string): View {
  const q = new URLSearchParams(search);
  const limit = Number(q.get('limit'));
  const asOf = q.get('asOf');
  const focus = id(q.get('focus'));
  const expand = (q.get('expand') ?? '')
    .split(',')
    .map((s) => id(s))
    .filter((s): s is string => s !== null && s !== focus);
  return {
    focus,
    expand: [...new Set(expand)].slice(0, MAX_EXPANDED),
    select: id(q.get('select')),
    asOf: asOf !== null && DATE.test(asOf) ? asOf : null,
    from: id(q.get('from')),
    to: id(q.get('to')),
    limit: (LIMITS as readonly number[]).includes(limit) ? limit : DEFAULT_LIMIT,
    involving: q.get('involving') === '1',
  };
}

/** The link to a view focused on `id`, with everything else at its default. */
export function linkTo(id: string): string {
  return write({ ...read(''), focus: id });
}

/** The query string for `v` (defaults left out, so links stay short). */
export function write(v: View): string {
  const q = new URLSearchParams();
  if (v.focus) q.set('focus', v.focus);
  if (v.expand.length) q.set('expand', v.expand.join(','));
  if (v.select && v.select !== v.focus) q.set('select', v.select);
  if (v.asOf) q.set('asOf', v.asOf);
  if (v.from) q.set('from', v.from);
  if (v.to) q.set('to', v.to);
  if (v.limit !== DEFAULT_LIMIT) q.set('limit', String(v.limit));
  if (v.involving) q.set('involving', '1');
  const s = q.toString().replaceAll('%2F', '/').replaceAll('%2C', ',');
  return s ? `?${s}` : '';
}
