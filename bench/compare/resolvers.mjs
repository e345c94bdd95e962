// The resolvers Apollo Server and GraphQL Yoga share: the fields of newsgraph's schema the
// benchmark mix uses, answered from the JSON export.mjs wrote, held in memory.
//
// Listings and relation pages are sliced (and relation lists filtered by type, direction and
// date) here; the answers that need an algorithm (search ranking, path, neighbourhood,
// timeline, relationStatus) are newsgraph's, looked up by their arguments, with the entities
// they name resolved from the entity store. Anything outside what was exported throws, so a
// query the export does not cover fails the harness's check instead of answering wrongly.

import { readFileSync } from 'node:fs';

// The schema's object type for each entity kind (the `Entity` and `Node` interfaces).
const TYPE_OF_KIND = {
  STATE: 'State',
  PERSON: 'Person',
  ORGANIZATION: 'Organization',
  TREATY: 'Treaty',
  EVENT: 'Event',
  SOURCE: 'Source',
};

// The key of a computed answer: its arguments as graphql-js passes them to the resolver
// (literals and the schema's defaults), keys sorted so that order never matters.
export function argsKey(args) {
  return JSON.stringify(Object.keys(args).sort().map((k) => [k, args[k]]));
}

export function loadData(file) {
  const data = JSON.parse(readFileSync(file, 'utf8'));
  return {
    entities: new Map(Object.entries(data.entities)),
    sources: new Map(Object.entries(data.sources)),
    lists: data.lists,
    answers: data.answers,
  };
}

export function makeResolvers(data) {
  const entity = (id) => {
    const e = data.entities.get(id);
    if (!e) throw new Error(`entity ${id} was not exported`);
    return e;
  };
  const answer = (field, args) => {
    const a = data.answers[field]?.[argsKey(args)];
    if (!a) throw new Error(`no exported answer for ${field}${argsKey(args)}`);
    return a;
  };
  // A listing's page from the start; the export holds the ids of the largest page the mix
  // asks for (`page`), in newsgraph's order.
  const page = ({ page: exported, ids }, name, { first, ...rest }) => {
    if (Object.values(rest).some((v) => v !== undefined)) throw new Error(`${name}: only first is exported`);
    const n = first ?? 20;
    if (n > exported && ids.length === exported) throw new Error(`${name}: only ${exported} were exported`);
    return ids.slice(0, n);
  };

  // Entity.relations: newsgraph's order, filtered and sliced like newsgraph does.
  const relations = (e, { relationTypes, direction, asOf, first, after, last, before }) => {
    if (!e.relations) throw new Error(`relations of ${e.id} were not exported`);
    if (after !== undefined || last !== undefined || before !== undefined) {
      throw new Error('relations: only first is exported');
    }
    const filtered = Boolean(relationTypes || direction || asOf);
    // The export holds the first 100 relations (the largest page): enough for any page from
    // the start, but a filter reads the whole list, so it needs all of them.
    const complete = e.relations.length >= e.relationCount;
    if (filtered && !complete) throw new Error(`relations of ${e.id}: only a page was exported`);
    const list = !filtered
      ? e.relations
      : e.relations.filter(
          (r) =>
            (!relationTypes || relationTypes.includes(r.type)) &&
            (!direction || r.direction === direction) &&
            // validUntil is the first day it no longer holds; ISO dates compare as strings.
            (!asOf || ((r.validFrom == null || r.validFrom <= asOf) && (r.validUntil == null || asOf < r.validUntil))),
        );
    const n = first ?? 20;
    if (n > list.length && !complete) throw new Error(`relations of ${e.id}: only ${list.length} were exported`);
    return { edges: list.slice(0, n), totalCount: filtered ? list.length : e.relationCount };
  };

  const entityFields = { relations };
  const resolveType = (e) => TYPE_OF_KIND[e.kind];

  return {
    Query: {
      entity: (_, { id }) => entity(id),
      entities: (_, args) => ({ nodes: page(data.lists.entities, 'entities', args).map(entity) }),
      events: (_, args) => ({ nodes: page(data.lists.events, 'events', args).map(entity) }),
      search: (_, args) => answer('search', args),
      neighborhood: (_, args) => answer('neighborhood', args),
      path: (_, args) => answer('path', args),
      timeline: (_, args) => answer('timeline', args),
      relationStatus: (_, args) => answer('relationStatus', args),
    },
    Entity: { __resolveType: resolveType },
    Node: { __resolveType: resolveType },
    State: entityFields,
    Person: entityFields,
    Organization: entityFields,
    Treaty: entityFields,
    Source: entityFields,
    Event: {
      ...entityFields,
      participants: (e) => {
        if (!e.participants) throw new Error(`participants of ${e.id} were not exported`);
        return e.participants;
      },
    },
    RelationConnection: {
      nodes: () => {
        throw new Error('relations.nodes is not exported');
      },
      entities: (c) => c.edges.map((r) => entity(r.entity)),
    },
    RelationEdge: { entity: (r) => entity(r.entity) },
    Evidence: { source: (ev) => data.sources.get(ev.source) },
    Participant: { entity: (p) => entity(p.entity) },
    SearchEdge: { node: (edge) => entity(edge.node) },
    SearchConnection: { nodes: (c) => c.edges.map((edge) => entity(edge.node)) },
    Neighborhood: { center: (n) => entity(n.center), nodes: (n) => n.nodes.map(entity) },
    Path: { nodes: (p) => p.nodes.map(entity) },
    Hop: { from: (h) => entity(h.from), to: (h) => entity(h.to) },
    TimelineGroup: { events: (g) => g.events.map(entity) },
  };
}
