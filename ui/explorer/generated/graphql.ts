/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** How a date is known. */
export type DateBasisKind =
  /** A rule computed it (`rule`), from dates known in their own ways. */
  | 'COMPUTED'
  /** An editor inferred it from context (`reasoning`, `inferredFrom`). */
  | 'INFERRED'
  /** A sentence of the evidence states it (`evidence` are its words). */
  | 'STATED';

/** How precisely a date is known. */
export type DatePrecision =
  /** The exact day. */
  | 'DAY'
  /** The month: the date is its first day. */
  | 'MONTH'
  /** The year: the date is its first day. */
  | 'YEAR';

/** What an entity is. */
export type EntityKind =
  /** Something that happened on a date. */
  | 'EVENT'
  /** An institution: a ministry, a parliament, an international organisation, a publisher. */
  | 'ORGANIZATION'
  /** A person, typically an official. */
  | 'PERSON'
  /** A published document that evidence quotes. */
  | 'SOURCE'
  /** A sovereign state. */
  | 'STATE'
  /** An international treaty or convention. */
  | 'TREATY';

/** What kind of thing an event is. */
export type EventKind =
  /** A public announcement of a position. */
  | 'ANNOUNCEMENT'
  /** An official approves a decision. */
  | 'APPROVAL'
  /** A body decides something (a parliament votes). */
  | 'DECISION'
  /** A treaty enters into force. */
  | 'ENTRY_INTO_FORCE'
  /** A formal notice to another party (a note to the UN). */
  | 'NOTIFICATION'
  /** Anything else. */
  | 'OTHER'
  /** A source is published. */
  | 'PUBLICATION'
  /** A treaty is ratified. */
  | 'RATIFICATION'
  /** A treaty is signed. */
  | 'SIGNING'
  /** Someone says something publicly. */
  | 'STATEMENT'
  /** A withdrawal from a treaty takes legal effect. */
  | 'WITHDRAWAL_EFFECTIVE';

/** Which text of an entity a search matched. */
export type MatchedOn =
  /** One of its aliases. */
  | 'ALIAS'
  /** Its name in another language (see `matchedLanguage`). */
  | 'LABEL'
  /** The entity's name. */
  | 'NAME'
  /** A quote of its evidence (events only). */
  | 'QUOTE';

/** Where a statement comes from. */
export type Origin =
  /** The editors added it as background; `editorial` says who, when and why. */
  | 'EDITORIAL'
  /** Quotes of a source state it. */
  | 'SOURCED'
  /** Nothing supports it: an entity no source mentions (see `unsourced`). */
  | 'UNSOURCED';

/** How an entity takes part in an event. */
export type ParticipantRole =
  /** It acts (`ACTOR_IN`). */
  | 'ACTOR'
  /** The event is addressed to it (`ADDRESSED_TO`). */
  | 'ADDRESSEE'
  /** The event concerns it (`CONCERNS`). */
  | 'SUBJECT';

/** Which way a relation points, seen from the entity asked about. */
export type RelationDirection =
  /** The entity is the relation's `to`. */
  | 'INCOMING'
  /** The entity is the relation's `from`. */
  | 'OUTGOING';

/** The type of a relation. A relation reads `from TYPE to`. */
export type RelationType =
  /** An entity acts in an event. */
  | 'ACTOR_IN'
  /** An event is addressed to an entity. */
  | 'ADDRESSED_TO'
  /** A state wages aggression against another state. */
  | 'AGGRESSION_AGAINST'
  /** An event concerns an entity. */
  | 'CONCERNS'
  /** A person holds an office (see `role`) in an organisation or state. */
  | 'HOLDS_OFFICE'
  /** An event leads to a later event (e.g. a notification to a withdrawal taking effect). */
  | 'LEADS_TO'
  /** A state or organisation is a member of an organisation. */
  | 'MEMBER_OF'
  /** A state or organisation is a party to a treaty. */
  | 'PARTY_TO'
  /** An organisation is part of a state or another organisation. */
  | 'PART_OF'
  /** A source is published by an organisation or person. */
  | 'PUBLISHED_BY'
  /** An entity declares support for another. */
  | 'SUPPORTS';

export type LocatedFragment = { quote: string, start: number, end: number, source: { id: string } };

type NodeSummary_Event_Fragment = { id: string, name: string, kind: EntityKind };

type NodeSummary_Organization_Fragment = { id: string, name: string, kind: EntityKind };

type NodeSummary_Person_Fragment = { id: string, name: string, kind: EntityKind };

type NodeSummary_Source_Fragment = { id: string, name: string, kind: EntityKind };

type NodeSummary_State_Fragment = { id: string, name: string, kind: EntityKind };

type NodeSummary_Treaty_Fragment = { id: string, name: string, kind: EntityKind };

export type NodeSummaryFragment =
  | NodeSummary_Event_Fragment
  | NodeSummary_Organization_Fragment
  | NodeSummary_Person_Fragment
  | NodeSummary_Source_Fragment
  | NodeSummary_State_Fragment
  | NodeSummary_Treaty_Fragment
;

export type SuggestQueryVariables = Exact<{
  query: string;
  first: number;
}>;


export type SuggestQuery = { search: { edges: Array<{ score: number, matchedOn: MatchedOn, matchedText: string, node:
        | { description: string, id: string, name: string, kind: EntityKind }
        | { description: string, id: string, name: string, kind: EntityKind }
        | { description: string, id: string, name: string, kind: EntityKind }
        | { description: string, id: string, name: string, kind: EntityKind }
        | { description: string, id: string, name: string, kind: EntityKind }
        | { description: string, id: string, name: string, kind: EntityKind }
       }> } };

export type NeighbourhoodQueryVariables = Exact<{
  id: string | number;
  asOf: string | null | undefined;
  limit: number;
}>;


export type NeighbourhoodQuery = { neighborhood: { truncated: boolean, center:
      | { degree: number, id: string, name: string, kind: EntityKind }
      | { degree: number, id: string, name: string, kind: EntityKind }
      | { degree: number, id: string, name: string, kind: EntityKind }
      | { degree: number, id: string, name: string, kind: EntityKind }
      | { degree: number, id: string, name: string, kind: EntityKind }
      | { degree: number, id: string, name: string, kind: EntityKind }
    , nodes: Array<
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
    >, edges: Array<{ id: string, source: string, target: string, type: RelationType, label: string }> } };

export type RelationPageFragment = { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ type: RelationType, direction: RelationDirection, role: string | null, validFrom: string | null, validUntil: string | null, entity:
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
    , evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, node: { id: string, evidenceInherited: boolean, validFromEvent: { id: string, name: string } | null, validUntilEvent: { id: string, name: string } | null } }> };

export type DetailsQueryVariables = Exact<{
  id: string | number;
  asOf: string | null | undefined;
  relations: number;
}>;


export type DetailsQuery = { entity:
    | { date: string, dateText: string, datePrecision: DatePrecision, eventKind: EventKind, aliases: Array<string>, description: string, degree: number, updatedAt: string | null, updatedBy: string | null, id: string, name: string, kind: EntityKind, dateBasis: { kind: DateBasisKind, reasoning: string, maxPrecision: DatePrecision, evidence: { quote: string, start: number, end: number, source: { id: string } } | null, inferredFrom: { id: string, name: string, dateText: string } | null, rule: { description: string, months: number, notification: { id: string, name: string, dateText: string } | null } | null }, evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, participants: Array<{ role: ParticipantRole, evidenceInherited: boolean, entity:
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
        , evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }> }>, claims: Array<{ property: string, value: string, origin: Origin, evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, editorial: { by: string, at: string, note: string | null } | null }>, relations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ type: RelationType, direction: RelationDirection, role: string | null, validFrom: string | null, validUntil: string | null, entity:
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
          , evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, node: { id: string, evidenceInherited: boolean, validFromEvent: { id: string, name: string } | null, validUntilEvent: { id: string, name: string } | null } }> } }
    | { aliases: Array<string>, description: string, degree: number, updatedAt: string | null, updatedBy: string | null, id: string, name: string, kind: EntityKind, claims: Array<{ property: string, value: string, origin: Origin, evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, editorial: { by: string, at: string, note: string | null } | null }>, relations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ type: RelationType, direction: RelationDirection, role: string | null, validFrom: string | null, validUntil: string | null, entity:
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
          , evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, node: { id: string, evidenceInherited: boolean, validFromEvent: { id: string, name: string } | null, validUntilEvent: { id: string, name: string } | null } }> } }
    | { aliases: Array<string>, description: string, degree: number, updatedAt: string | null, updatedBy: string | null, id: string, name: string, kind: EntityKind, claims: Array<{ property: string, value: string, origin: Origin, evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, editorial: { by: string, at: string, note: string | null } | null }>, relations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ type: RelationType, direction: RelationDirection, role: string | null, validFrom: string | null, validUntil: string | null, entity:
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
          , evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, node: { id: string, evidenceInherited: boolean, validFromEvent: { id: string, name: string } | null, validUntilEvent: { id: string, name: string } | null } }> } }
    | { title: string, url: string | null, publishedAt: string, aliases: Array<string>, description: string, degree: number, updatedAt: string | null, updatedBy: string | null, id: string, name: string, kind: EntityKind, claims: Array<{ property: string, value: string, origin: Origin, evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, editorial: { by: string, at: string, note: string | null } | null }>, relations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ type: RelationType, direction: RelationDirection, role: string | null, validFrom: string | null, validUntil: string | null, entity:
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
          , evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, node: { id: string, evidenceInherited: boolean, validFromEvent: { id: string, name: string } | null, validUntilEvent: { id: string, name: string } | null } }> } }
    | { aliases: Array<string>, description: string, degree: number, updatedAt: string | null, updatedBy: string | null, id: string, name: string, kind: EntityKind, claims: Array<{ property: string, value: string, origin: Origin, evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, editorial: { by: string, at: string, note: string | null } | null }>, relations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ type: RelationType, direction: RelationDirection, role: string | null, validFrom: string | null, validUntil: string | null, entity:
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
          , evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, node: { id: string, evidenceInherited: boolean, validFromEvent: { id: string, name: string } | null, validUntilEvent: { id: string, name: string } | null } }> } }
    | { aliases: Array<string>, description: string, degree: number, updatedAt: string | null, updatedBy: string | null, id: string, name: string, kind: EntityKind, claims: Array<{ property: string, value: string, origin: Origin, evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, editorial: { by: string, at: string, note: string | null } | null }>, relations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ type: RelationType, direction: RelationDirection, role: string | null, validFrom: string | null, validUntil: string | null, entity:
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
          , evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, node: { id: string, evidenceInherited: boolean, validFromEvent: { id: string, name: string } | null, validUntilEvent: { id: string, name: string } | null } }> } }
   | null };

export type MoreRelationsQueryVariables = Exact<{
  id: string | number;
  asOf: string | null | undefined;
  first: number;
  after: string;
}>;


export type MoreRelationsQuery = { entity:
    | { relations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ type: RelationType, direction: RelationDirection, role: string | null, validFrom: string | null, validUntil: string | null, entity:
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
          , evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, node: { id: string, evidenceInherited: boolean, validFromEvent: { id: string, name: string } | null, validUntilEvent: { id: string, name: string } | null } }> } }
    | { relations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ type: RelationType, direction: RelationDirection, role: string | null, validFrom: string | null, validUntil: string | null, entity:
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
          , evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, node: { id: string, evidenceInherited: boolean, validFromEvent: { id: string, name: string } | null, validUntilEvent: { id: string, name: string } | null } }> } }
    | { relations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ type: RelationType, direction: RelationDirection, role: string | null, validFrom: string | null, validUntil: string | null, entity:
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
          , evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, node: { id: string, evidenceInherited: boolean, validFromEvent: { id: string, name: string } | null, validUntilEvent: { id: string, name: string } | null } }> } }
    | { relations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ type: RelationType, direction: RelationDirection, role: string | null, validFrom: string | null, validUntil: string | null, entity:
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
          , evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, node: { id: string, evidenceInherited: boolean, validFromEvent: { id: string, name: string } | null, validUntilEvent: { id: string, name: string } | null } }> } }
    | { relations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ type: RelationType, direction: RelationDirection, role: string | null, validFrom: string | null, validUntil: string | null, entity:
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
          , evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, node: { id: string, evidenceInherited: boolean, validFromEvent: { id: string, name: string } | null, validUntilEvent: { id: string, name: string } | null } }> } }
    | { relations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ type: RelationType, direction: RelationDirection, role: string | null, validFrom: string | null, validUntil: string | null, entity:
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
            | { id: string, name: string, kind: EntityKind }
          , evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }>, node: { id: string, evidenceInherited: boolean, validFromEvent: { id: string, name: string } | null, validUntilEvent: { id: string, name: string } | null } }> } }
   | null };

export type SourceTextQueryVariables = Exact<{
  id: string | number;
}>;


export type SourceTextQuery = { entity:
    | { id: string }
    | { id: string }
    | { id: string }
    | { title: string, url: string | null, publishedAt: string, text: string, id: string }
    | { id: string }
    | { id: string }
   | null };

export type TimelineQueryVariables = Exact<{
  first: number;
  after: string | null | undefined;
  involving: string | number | null | undefined;
}>;


export type TimelineQuery = { events: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, name: string, date: string, dateText: string, eventKind: EventKind, dateBasis: { kind: DateBasisKind }, participants: Array<{ entity:
          | { id: string }
          | { id: string }
          | { id: string }
          | { id: string }
          | { id: string }
          | { id: string }
         }> }> } };

export type StartQueryVariables = Exact<{
  points: number;
}>;


export type StartQuery = { first: { nodes: Array<{ date: string }> }, last: { nodes: Array<{ date: string }> }, stats: { mostCentral: Array<{ entity:
        | { id: string, name: string, kind: EntityKind }
        | { id: string, name: string, kind: EntityKind }
        | { id: string, name: string, kind: EntityKind }
        | { id: string, name: string, kind: EntityKind }
        | { id: string, name: string, kind: EntityKind }
        | { id: string, name: string, kind: EntityKind }
       }> }, busiest: { nodes: Array<
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
      | { id: string, name: string, kind: EntityKind }
    > } };

export type ConnectionQueryVariables = Exact<{
  from: string | number;
  to: string | number;
  asOf: string | null | undefined;
}>;


export type ConnectionQuery = { path: { found: boolean, reason: string | null, path: { length: number, nodes: Array<
        | { id: string, name: string, kind: EntityKind }
        | { id: string, name: string, kind: EntityKind }
        | { id: string, name: string, kind: EntityKind }
        | { id: string, name: string, kind: EntityKind }
        | { id: string, name: string, kind: EntityKind }
        | { id: string, name: string, kind: EntityKind }
      >, hops: Array<{ type: RelationType, direction: RelationDirection, from:
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
        , to:
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
          | { id: string, name: string, kind: EntityKind }
        , relation: { id: string }, evidence: Array<{ quote: string, start: number, end: number, source: { id: string } }> }> } | null } };

export type ChangesSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type ChangesSubscription = { graphChanges: { version: number, operations: Array<string>, entityIds: Array<string>, relationIds: Array<string> } };

export const NodeSummaryFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NodeSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Entity"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}}]}}]} as unknown as DocumentNode<NodeSummaryFragment, unknown>;
export const LocatedFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Located"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Evidence"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"quote"}},{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"end"}},{"kind":"Field","name":{"kind":"Name","value":"source"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<LocatedFragment, unknown>;
export const RelationPageFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RelationPage"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RelationConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"direction"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"validFrom"}},{"kind":"Field","name":{"kind":"Name","value":"validUntil"}},{"kind":"Field","name":{"kind":"Name","value":"entity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NodeSummary"}}]}},{"kind":"Field","name":{"kind":"Name","value":"evidence"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Located"}}]}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"evidenceInherited"}},{"kind":"Field","name":{"kind":"Name","value":"validFromEvent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"validUntilEvent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NodeSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Entity"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Located"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Evidence"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"quote"}},{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"end"}},{"kind":"Field","name":{"kind":"Name","value":"source"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<RelationPageFragment, unknown>;
export const SuggestDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Suggest"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"query"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"search"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"query"},"value":{"kind":"Variable","name":{"kind":"Name","value":"query"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"matchedOn"}},{"kind":"Field","name":{"kind":"Name","value":"matchedText"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NodeSummary"}},{"kind":"Field","name":{"kind":"Name","value":"description"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NodeSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Entity"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}}]}}]} as unknown as DocumentNode<SuggestQuery, SuggestQueryVariables>;
export const NeighbourhoodDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Neighbourhood"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"asOf"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Date"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"limit"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"neighborhood"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"depth"},"value":{"kind":"IntValue","value":"1"}},{"kind":"Argument","name":{"kind":"Name","value":"asOf"},"value":{"kind":"Variable","name":{"kind":"Name","value":"asOf"}}},{"kind":"Argument","name":{"kind":"Name","value":"limit"},"value":{"kind":"Variable","name":{"kind":"Name","value":"limit"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"truncated"}},{"kind":"Field","name":{"kind":"Name","value":"center"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NodeSummary"}},{"kind":"Field","name":{"kind":"Name","value":"degree"}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NodeSummary"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"target"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"label"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NodeSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Entity"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}}]}}]} as unknown as DocumentNode<NeighbourhoodQuery, NeighbourhoodQueryVariables>;
export const DetailsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Details"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"asOf"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Date"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"relations"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"entity"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NodeSummary"}},{"kind":"Field","name":{"kind":"Name","value":"aliases"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"degree"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedBy"}},{"kind":"Field","name":{"kind":"Name","value":"claims"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"property"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"origin"}},{"kind":"Field","name":{"kind":"Name","value":"evidence"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Located"}}]}},{"kind":"Field","name":{"kind":"Name","value":"editorial"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"by"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"note"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"relations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"asOf"},"value":{"kind":"Variable","name":{"kind":"Name","value":"asOf"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"relations"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RelationPage"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Event"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"dateText"}},{"kind":"Field","name":{"kind":"Name","value":"datePrecision"}},{"kind":"Field","name":{"kind":"Name","value":"eventKind"}},{"kind":"Field","name":{"kind":"Name","value":"dateBasis"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reasoning"}},{"kind":"Field","name":{"kind":"Name","value":"maxPrecision"}},{"kind":"Field","name":{"kind":"Name","value":"evidence"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Located"}}]}},{"kind":"Field","name":{"kind":"Name","value":"inferredFrom"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"dateText"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rule"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"months"}},{"kind":"Field","name":{"kind":"Name","value":"notification"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"dateText"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"evidence"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Located"}}]}},{"kind":"Field","name":{"kind":"Name","value":"participants"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"evidenceInherited"}},{"kind":"Field","name":{"kind":"Name","value":"entity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NodeSummary"}}]}},{"kind":"Field","name":{"kind":"Name","value":"evidence"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Located"}}]}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Source"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"publishedAt"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NodeSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Entity"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Located"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Evidence"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"quote"}},{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"end"}},{"kind":"Field","name":{"kind":"Name","value":"source"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RelationPage"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RelationConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"direction"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"validFrom"}},{"kind":"Field","name":{"kind":"Name","value":"validUntil"}},{"kind":"Field","name":{"kind":"Name","value":"entity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NodeSummary"}}]}},{"kind":"Field","name":{"kind":"Name","value":"evidence"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Located"}}]}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"evidenceInherited"}},{"kind":"Field","name":{"kind":"Name","value":"validFromEvent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"validUntilEvent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DetailsQuery, DetailsQueryVariables>;
export const MoreRelationsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MoreRelations"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"asOf"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Date"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"entity"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"relations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"asOf"},"value":{"kind":"Variable","name":{"kind":"Name","value":"asOf"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"RelationPage"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NodeSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Entity"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Located"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Evidence"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"quote"}},{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"end"}},{"kind":"Field","name":{"kind":"Name","value":"source"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"RelationPage"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RelationConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"direction"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"validFrom"}},{"kind":"Field","name":{"kind":"Name","value":"validUntil"}},{"kind":"Field","name":{"kind":"Name","value":"entity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NodeSummary"}}]}},{"kind":"Field","name":{"kind":"Name","value":"evidence"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Located"}}]}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"evidenceInherited"}},{"kind":"Field","name":{"kind":"Name","value":"validFromEvent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"validUntilEvent"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]} as unknown as DocumentNode<MoreRelationsQuery, MoreRelationsQueryVariables>;
export const SourceTextDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SourceText"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"entity"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Source"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"publishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"text"}}]}}]}}]}}]} as unknown as DocumentNode<SourceTextQuery, SourceTextQueryVariables>;
export const TimelineDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Timeline"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"involving"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"events"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"involving"},"value":{"kind":"Variable","name":{"kind":"Name","value":"involving"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"dateText"}},{"kind":"Field","name":{"kind":"Name","value":"eventKind"}},{"kind":"Field","name":{"kind":"Name","value":"dateBasis"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}}]}},{"kind":"Field","name":{"kind":"Name","value":"participants"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"entity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<TimelineQuery, TimelineQueryVariables>;
export const StartDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Start"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"points"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"first"},"name":{"kind":"Name","value":"events"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"1"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"date"}}]}}]}},{"kind":"Field","alias":{"kind":"Name","value":"last"},"name":{"kind":"Name","value":"events"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"last"},"value":{"kind":"IntValue","value":"1"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"date"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"stats"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"mostCentral"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"limit"},"value":{"kind":"Variable","name":{"kind":"Name","value":"points"}}},{"kind":"Argument","name":{"kind":"Name","value":"kinds"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"STATE"},{"kind":"EnumValue","value":"PERSON"},{"kind":"EnumValue","value":"ORGANIZATION"},{"kind":"EnumValue","value":"TREATY"}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"entity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NodeSummary"}}]}}]}}]}},{"kind":"Field","alias":{"kind":"Name","value":"busiest"},"name":{"kind":"Name","value":"entities"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"kinds"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"STATE"},{"kind":"EnumValue","value":"PERSON"},{"kind":"EnumValue","value":"ORGANIZATION"},{"kind":"EnumValue","value":"TREATY"}]}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"field"},"value":{"kind":"EnumValue","value":"DEGREE"}},{"kind":"ObjectField","name":{"kind":"Name","value":"direction"},"value":{"kind":"EnumValue","value":"DESC"}}]}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"points"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NodeSummary"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NodeSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Entity"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}}]}}]} as unknown as DocumentNode<StartQuery, StartQueryVariables>;
export const ConnectionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Connection"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"asOf"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Date"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"maxHops"},"value":{"kind":"IntValue","value":"4"}},{"kind":"Argument","name":{"kind":"Name","value":"asOf"},"value":{"kind":"Variable","name":{"kind":"Name","value":"asOf"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"found"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"path"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"length"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NodeSummary"}}]}},{"kind":"Field","name":{"kind":"Name","value":"hops"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"direction"}},{"kind":"Field","name":{"kind":"Name","value":"from"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NodeSummary"}}]}},{"kind":"Field","name":{"kind":"Name","value":"to"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"NodeSummary"}}]}},{"kind":"Field","name":{"kind":"Name","value":"relation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"evidence"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Located"}}]}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"NodeSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Entity"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Located"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Evidence"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"quote"}},{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"end"}},{"kind":"Field","name":{"kind":"Name","value":"source"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<ConnectionQuery, ConnectionQueryVariables>;
export const ChangesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"Changes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"graphChanges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"operations"}},{"kind":"Field","name":{"kind":"Name","value":"entityIds"}},{"kind":"Field","name":{"kind":"Name","value":"relationIds"}}]}}]}}]} as unknown as DocumentNode<ChangesSubscription, ChangesSubscriptionVariables>;