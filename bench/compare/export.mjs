// Exports, from a running newsgraph over its GraphQL API, everything the benchmark mix needs
// for Apollo Server and GraphQL Yoga to answer it from memory (resolvers.mjs reads the file).
//
//   node export.mjs --url http://127.0.0.1:PORT/graphql --out data.json QUERY.graphql...
//
// What it fetches is derived from the mix itself: each query is parsed against
// schema/schema.graphql and its root fields' arguments are computed the way graphql-js will
// compute them for the resolvers (`getArgumentValues`: literals plus the schema's defaults).
//   - `entity(id)`: that entity, with its first 100 relations in newsgraph's order (type,
//     direction, role, validity dates, the other end, the evidence with its source);
//   - `entities(first)`, `events(first)`: the listing's ids in newsgraph's order (and each
//     listed entity's relations, each event's participants);
//   - `search`, `neighborhood`, `path`, `timeline`, `relationStatus`: newsgraph's computed
//     answer, keyed by those arguments, with ids where the answer names entities;
//   - then the scalar fields (id, name, kind, an event's date) of every entity named anywhere.
// The algorithms' answers are therefore looked up, not recomputed, by the JS servers: their
// job is easier than newsgraph's, which makes the comparison conservative for newsgraph.
// Anything the mix asks that this file does not cover stops the export with an error, rather
// than leaving the JS servers to answer it wrongly (the harness's check would catch that too).

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { astFromValue, buildSchema, getArgumentValues, Kind, parse, print, validate } from 'graphql';
import { argsKey } from './resolvers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const schema = buildSchema(readFileSync(join(here, '../../schema/schema.graphql'), 'utf8'));
const queryType = schema.getQueryType();

// The most a page may hold (the schema's limit on `first`), and so the most any page of the
// mix can read from an exported list.
const PAGE_MAX = 100;

function parseArgs(argv) {
  const out = { files: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--url') out.url = argv[++i];
    else if (argv[i] === '--out') out.out = argv[++i];
    else out.files.push(argv[i]);
  }
  if (!out.url || !out.out || out.files.length === 0) {
    console.error('usage: node export.mjs --url URL --out FILE QUERY.graphql...');
    process.exit(2);
  }
  return out;
}

const { url, out, files } = parseArgs(process.argv.slice(2));

async function gql(query) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = await res.json();
  if (!res.ok || body.errors) {
    throw new Error(`newsgraph answered ${res.status} to ${query}: ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

// `name: literal, ...` for the arguments given, as GraphQL literals of their schema types.
function argText(fieldName, args) {
  const def = queryType.getFields()[fieldName];
  const parts = def.args
    .filter((a) => args[a.name] !== undefined)
    .map((a) => `${a.name}: ${print(astFromValue(args[a.name], a.type))}`);
  return parts.length ? `(${parts.join(', ')})` : '';
}

const EVIDENCE = 'evidence { quote sentence source { id title } }';
// What each computed answer is exported with: every scalar field of the result the mix could
// select cheaply, and ids (resolved from the entity store) wherever it names an entity.
const ANSWER_SELECTION = {
  search: '{ totalCount edges { score matchedOn matchedText matchedLanguage node { id } } }',
  neighborhood: '{ center { id } truncated depthReached nodes { id } edges { id source target type label } }',
  path: `{ found reason path { length nodes { id } hops { from { id } to { id } type direction ${EVIDENCE} } } }`,
  timeline: '{ nodes { period start end count events { id } } }',
  relationStatus: '{ holds asOf explanation }',
};

// Arguments the listings support in the JS servers: only the page size from the start.
function onlyFirst(fieldName, args) {
  const other = Object.keys(args).filter((k) => k !== 'first');
  if (other.length) throw new Error(`${fieldName}: arguments ${other} are not exported`);
  const first = args.first ?? 20;
  if (first > PAGE_MAX) throw new Error(`${fieldName}: first ${first} > ${PAGE_MAX}`);
  return first;
}

// 1. What the mix asks for.
const roots = new Set(); // entities whose relations are exported
let entitiesPage = 0;
let eventsPage = 0;
const asked = {}; // field -> Map(key -> args)
for (const file of files) {
  const doc = parse(readFileSync(file, 'utf8'));
  const errors = validate(schema, doc);
  if (errors.length) throw new Error(`${file}: ${errors.map(String).join('; ')}`);
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION || def.operation !== 'query') {
      throw new Error(`${file}: only query operations are supported`);
    }
    for (const sel of def.selectionSet.selections) {
      if (sel.kind !== Kind.FIELD) throw new Error(`${file}: fragments at the root are not supported`);
      const name = sel.name.value;
      if (name === '__typename') continue;
      const field = queryType.getFields()[name];
      const args = getArgumentValues(field, sel, {});
      if (name === 'entity') roots.add(args.id);
      else if (name === 'entities') entitiesPage = Math.max(entitiesPage, onlyFirst(name, args));
      else if (name === 'events') eventsPage = Math.max(eventsPage, onlyFirst(name, args));
      else if (ANSWER_SELECTION[name]) (asked[name] ??= new Map()).set(argsKey(args), args);
      else throw new Error(`${file}: the root field ${name} is not exported`);
    }
  }
}

const entities = new Map(); // id -> record
const sources = new Map(); // id -> { id, title }
const named = new Set(); // every entity id the exported data refers to
const record = (id) => {
  named.add(id);
  if (!entities.has(id)) entities.set(id, { id });
  return entities.get(id);
};
const evidence = (list) =>
  list.map(({ quote, sentence, source }) => {
    sources.set(source.id, source);
    return { quote, sentence, source: source.id };
  });

// 2. The listings, in newsgraph's order.
const lists = { entities: { page: entitiesPage, ids: [] }, events: { page: eventsPage, ids: [] } };
if (entitiesPage) {
  const data = await gql(`{ entities(first: ${entitiesPage}) { nodes { id } } }`);
  lists.entities.ids = data.entities.nodes.map((n) => n.id);
  for (const id of lists.entities.ids) roots.add(id);
}
if (eventsPage) {
  const data = await gql(`{ events(first: ${eventsPage}) { nodes { id participants { role entity { id } } } } }`);
  for (const n of data.events.nodes) {
    lists.events.ids.push(n.id);
    record(n.id).participants = n.participants.map((p) => ({ role: p.role, entity: record(p.entity.id).id }));
  }
}

// 3. Relations of every root, one entity a request (a page of 100 with evidence stays well
// inside the server's item budget).
for (const id of roots) {
  const data = await gql(
    `{ entity(id: ${JSON.stringify(id)}) { id relations(first: ${PAGE_MAX}) { totalCount edges { ` +
      `type direction role validFrom validUntil entity { id } ${EVIDENCE} } } } }`,
  );
  const { totalCount, edges } = data.entity.relations;
  const r = record(id);
  r.relationCount = totalCount;
  r.relations = edges.map((e) => ({
    type: e.type,
    direction: e.direction,
    role: e.role,
    validFrom: e.validFrom,
    validUntil: e.validUntil,
    entity: record(e.entity.id).id,
    evidence: evidence(e.evidence),
  }));
}

// 4. The computed answers, keyed by their arguments.
const answers = {};
for (const [name, byKey] of Object.entries(asked)) {
  answers[name] = {};
  for (const [key, args] of byKey) {
    const data = await gql(`{ answer: ${name}${argText(name, args)} ${ANSWER_SELECTION[name]} }`);
    const a = data.answer;
    if (name === 'search') {
      for (const e of a.edges) e.node = record(e.node.id).id;
    } else if (name === 'neighborhood') {
      a.center = record(a.center.id).id;
      a.nodes = a.nodes.map((n) => record(n.id).id);
    } else if (name === 'path' && a.path) {
      a.path.nodes = a.path.nodes.map((n) => record(n.id).id);
      for (const h of a.path.hops) {
        h.from = record(h.from.id).id;
        h.to = record(h.to.id).id;
        h.evidence = evidence(h.evidence);
      }
    } else if (name === 'timeline') {
      for (const g of a.nodes) g.events = g.events.map((e) => record(e.id).id);
    }
    answers[name][key] = a;
  }
}

// 5. The scalar fields of every entity named, 100 ids a request.
const ids = [...named];
for (let i = 0; i < ids.length; i += PAGE_MAX) {
  const batch = ids.slice(i, i + PAGE_MAX);
  const data = await gql(
    `{ nodes(ids: ${JSON.stringify(batch)}) { id ... on Entity { name kind } ... on Event { date } } }`,
  );
  data.nodes.forEach((n, j) => {
    if (!n) throw new Error(`newsgraph has no entity ${batch[j]}`);
    Object.assign(entities.get(n.id), n);
  });
}

writeFileSync(
  out,
  JSON.stringify({
    entities: Object.fromEntries(entities),
    sources: Object.fromEntries(sources),
    lists,
    answers,
  }),
);
console.error(
  `exported ${entities.size} entities (${roots.size} with relations), ${sources.size} sources, ` +
    `${Object.values(answers).reduce((n, m) => n + Object.keys(m).length, 0)} computed answers to ${out}`,
);
