//! Facet counts of lists: how many of the filtered items fall in each kind, relation type,
//! month. Computed from the whole filtered list, only when a client asks for them.

use std::collections::BTreeMap;

use async_graphql::{ComplexObject, SimpleObject};

use super::pagination::{EntityConnection, EventConnection};
use super::types::{EntityKind, EventKind, RelationType};
use crate::graph::Kind;

/// How many items are of one entity kind.
#[derive(SimpleObject, Clone)]
pub struct KindCount {
    /// The kind.
    pub kind: EntityKind,
    /// How many items of the list are of it.
    pub count: usize,
}

/// How many relations are of one type.
#[derive(SimpleObject, Clone)]
pub struct RelationTypeCount {
    /// The relation type.
    #[graphql(name = "type")]
    pub rel_type: RelationType,
    /// How many relations of the listed entities are of it.
    pub count: usize,
}

/// How many events fall in one month.
#[derive(SimpleObject, Clone)]
pub struct MonthCount {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// How many events of the list have a date in it.
    pub count: usize,
}

/// How many events are of one kind.
#[derive(SimpleObject, Clone)]
pub struct EventKindCount {
    /// The kind of event.
    pub kind: EventKind,
    /// How many events of the list are of it.
    pub count: usize,
}

/// Counts over a whole filtered list of entities.
#[derive(SimpleObject, Clone)]
pub struct EntityFacets {
    /// Entities per kind, in kind order; kinds with none are left out.
    pub kinds: Vec<KindCount>,
    /// Relations at the listed entities per type, in type order.
    pub relation_types: Vec<RelationTypeCount>,
}

/// Counts over a whole filtered list of events.
#[derive(SimpleObject, Clone)]
pub struct EventFacets {
    /// Events per month (of their date), oldest first.
    pub months: Vec<MonthCount>,
    /// Events per kind, in kind order.
    pub event_kinds: Vec<EventKindCount>,
}

#[ComplexObject]
impl EntityConnection {
    /// The number of items in the whole list (all pages), after filters. O(1) for a list of
    /// kinds (maintained counts), O(items) with other filters.
    async fn total_count(&self) -> usize {
        self.all.count()
    }

    /// Counts per kind and per relation type over the whole filtered list (all pages).
    /// O(items + their relations).
    async fn facets(&self) -> EntityFacets {
        let mut kinds: BTreeMap<Kind, usize> = BTreeMap::new();
        let mut types = BTreeMap::new();
        for &ix in self.all.items().iter() {
            *kinds.entry(self.g.node(ix).kind).or_default() += 1;
            for v in self.g.relations_of(ix, None, None) {
                *types.entry(self.g.relation(v.edge).rel).or_default() += 1;
            }
        }
        EntityFacets {
            kinds: kinds
                .into_iter()
                .map(|(k, count)| KindCount {
                    kind: k.into(),
                    count,
                })
                .collect(),
            relation_types: types
                .into_iter()
                .map(|(t, count)| RelationTypeCount {
                    rel_type: t.into(),
                    count,
                })
                .collect(),
        }
    }
}

#[ComplexObject]
impl EventConnection {
    /// The number of items in the whole list (all pages), after filters. O(1) for the whole
    /// time line, O(items) with filters.
    async fn total_count(&self) -> usize {
        self.all.count()
    }

    /// Counts per month and per kind of event over the whole filtered list (all pages).
    /// O(items).
    async fn facets(&self) -> EventFacets {
        let mut months: BTreeMap<String, usize> = BTreeMap::new();
        let mut kinds = BTreeMap::new();
        for &ix in self.all.items().iter() {
            if let Some(e) = self.g.node(ix).event() {
                *months
                    .entry(e.date.date.format("%Y-%m").to_string())
                    .or_default() += 1;
                *kinds.entry(e.kind).or_default() += 1;
            }
        }
        EventFacets {
            months: months
                .into_iter()
                .map(|(month, count)| MonthCount { month, count })
                .collect(),
            event_kinds: kinds
                .into_iter()
                .map(|(k, count)| EventKindCount {
                    kind: k.into(),
                    count,
                })
                .collect(),
        }
    }
}
