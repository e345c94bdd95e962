//! GraphQL object types: thin wrappers around a node or relation of one graph version. Each
//! holds an `Arc` of the graph it came from, so a whole query answers from one version.

use std::sync::Arc;

use async_graphql::{Enum, ID, Interface, Object, Result, SimpleObject};
use petgraph::stable_graph::{EdgeIndex, NodeIndex};

use super::error::ApiError;
use super::pagination::{
    DEFAULT_PAGE, EventConnection, KEY_SEP, PageArgs, PageInfo, Whole, encode_cursor,
};
use super::scalars::{Date, DateTime};
use super::support::{Claim, DateBasis, Support, claims, node_support, relation_support};
use crate::graph::{self, BoundOrigin, DateRule as CoreRule, Graph, Kind, RelationView};

// ---------------------------------------------------------------------------------------------
// Enums: the API's names for the core vocabulary.

/// What an entity is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum EntityKind {
    /// A sovereign state.
    State,
    /// A person, typically an official.
    Person,
    /// An institution: a ministry, a parliament, an international organisation, a publisher.
    Organization,
    /// An international treaty or convention.
    Treaty,
    /// Something that happened on a date.
    Event,
    /// A published document that evidence quotes.
    Source,
}

/// The type of a relation. A relation reads `from TYPE to`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum RelationType {
    /// A person holds an office (see `role`) in an organisation or state.
    HoldsOffice,
    /// An organisation is part of a state or another organisation.
    PartOf,
    /// A state or organisation is a member of an organisation.
    MemberOf,
    /// A state or organisation is a party to a treaty.
    PartyTo,
    /// An entity declares support for another.
    Supports,
    /// A state wages aggression against another state.
    AggressionAgainst,
    /// A source is published by an organisation or person.
    PublishedBy,
    /// An entity acts in an event.
    ActorIn,
    /// An event is addressed to an entity.
    AddressedTo,
    /// An event concerns an entity.
    Concerns,
    /// An event leads to a later event (e.g. a notification to a withdrawal taking effect).
    LeadsTo,
}

macro_rules! mirror_enum {
    ($api:ident, $core:ty, [$($v:ident),* $(,)?]) => {
        impl From<$core> for $api {
            fn from(v: $core) -> Self {
                match v { $(<$core>::$v => $api::$v,)* }
            }
        }
        impl From<$api> for $core {
            fn from(v: $api) -> Self {
                match v { $($api::$v => <$core>::$v,)* }
            }
        }
    };
}

mirror_enum!(
    RelationType,
    graph::RelationType,
    [
        HoldsOffice,
        PartOf,
        MemberOf,
        PartyTo,
        Supports,
        AggressionAgainst,
        PublishedBy,
        ActorIn,
        AddressedTo,
        Concerns,
        LeadsTo,
    ]
);

/// What kind of thing an event is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum EventKind {
    /// A body decides something (a parliament votes).
    Decision,
    /// An official approves a decision.
    Approval,
    /// A formal notice to another party (a note to the UN).
    Notification,
    /// Someone says something publicly.
    Statement,
    /// A public announcement of a position.
    Announcement,
    /// A source is published.
    Publication,
    /// A withdrawal from a treaty takes legal effect.
    WithdrawalEffective,
    /// A treaty is signed.
    Signing,
    /// A treaty is ratified.
    Ratification,
    /// A treaty enters into force.
    EntryIntoForce,
    /// Anything else.
    Other,
}

mirror_enum!(
    EventKind,
    graph::EventKind,
    [
        Decision,
        Approval,
        Notification,
        Statement,
        Announcement,
        Publication,
        WithdrawalEffective,
        Signing,
        Ratification,
        EntryIntoForce,
        Other,
    ]
);

/// How precisely a date is known.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DatePrecision {
    /// The exact day.
    Day,
    /// The month: the date is its first day.
    Month,
    /// The year: the date is its first day.
    Year,
}

mirror_enum!(
    EntityKind,
    Kind,
    [State, Person, Organization, Treaty, Event, Source]
);

mirror_enum!(DatePrecision, graph::Precision, [Day, Month, Year]);

/// Which way a relation points, seen from the entity asked about.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum RelationDirection {
    /// The entity is the relation's `from`.
    Outgoing,
    /// The entity is the relation's `to`.
    Incoming,
}

mirror_enum!(RelationDirection, graph::Direction, [Outgoing, Incoming]);

/// How an entity takes part in an event.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ParticipantRole {
    /// It acts (`ACTOR_IN`).
    Actor,
    /// The event is addressed to it (`ADDRESSED_TO`).
    Addressee,
    /// The event concerns it (`CONCERNS`).
    Subject,
}

// ---------------------------------------------------------------------------------------------
// References into one graph version.

/// A node of a given graph version.
#[derive(Clone)]
pub struct NodeRef {
    pub g: Arc<Graph>,
    pub ix: NodeIndex,
}

impl NodeRef {
    fn node(&self) -> &graph::Node {
        self.g.node(self.ix)
    }

    pub(super) fn at(&self, ix: NodeIndex) -> NodeRef {
        NodeRef {
            g: self.g.clone(),
            ix,
        }
    }

    fn relations(
        &self,
        types: Option<Vec<RelationType>>,
        direction: Option<RelationDirection>,
        as_of: Option<Date>,
        page: PageArgs,
    ) -> Result<RelationConnection> {
        let types = types.map(|t| t.into_iter().map(Into::into).collect());
        let page = relation_page(
            &self.g,
            self.ix,
            types,
            direction.map(Into::into),
            as_of.map(|d| d.0),
            &page,
            true,
        )?;
        let edges: Vec<RelationEdge> = page
            .items
            .into_iter()
            .map(|(cursor, view)| RelationEdge {
                cursor,
                view,
                g: self.g.clone(),
            })
            .collect();
        Ok(RelationConnection {
            nodes: edges
                .iter()
                .map(|e| Relation {
                    g: e.g.clone(),
                    edge: e.view.edge,
                })
                .collect(),
            entities: edges.iter().map(|e| entity(&e.g, e.view.other)).collect(),
            edges,
            page_info: page.info,
            count: page.count,
        })
    }

    fn events(&self, page: PageArgs) -> Result<EventConnection> {
        let events = self.g.events_of(self.ix);
        event_connection(&self.g, events, page, false)
    }
}

/// One page of an entity's relations, ordered by type, then the other end's id: each item's
/// cursor (empty without `cursors`, see [`PageArgs::seek`]) and view, where the page sits, and a count of the whole filtered list, run only when
/// asked. The relation list is kept sorted in this order, so a page is a seek into it: a hub's
/// first page costs O(page + log degree), not O(degree).
pub(super) struct RelationPage {
    pub items: Vec<(String, RelationView)>,
    pub info: PageInfo,
    pub count: Arc<dyn Fn() -> usize + Send + Sync>,
}

pub(super) fn relation_page(
    g: &Arc<Graph>,
    ix: NodeIndex,
    mut types: Option<Vec<graph::RelationType>>,
    direction: Option<graph::Direction>,
    day: Option<chrono::NaiveDate>,
    page: &PageArgs,
    cursors: bool,
) -> Result<RelationPage, ApiError> {
    if let Some(t) = &mut types {
        t.sort();
        t.dedup();
    }
    let list = g.relation_list(ix);
    let ranges: Vec<std::ops::Range<usize>> = match &types {
        None => std::iter::once(0..list.len()).collect(),
        Some(t) => t.iter().map(|&t| g.relation_type_range(ix, t)).collect(),
    };
    let keep = move |v: &RelationView| {
        direction.is_none_or(|d| d == v.direction)
            && day.is_none_or(|d| g.relation(v.edge).holds_on(d))
    };
    let key = |v: &RelationView| {
        format!(
            "{:02}{KEY_SEP}{}{KEY_SEP}{}",
            g.relation(v.edge).rel as u8,
            g.node(v.other).id,
            g.relation_id(v.edge)
        )
    };
    let counted = g.clone();
    let unfiltered = direction.is_none() && day.is_none();
    let count = move || -> usize {
        let list = counted.relation_list(ix);
        let ranges: Vec<std::ops::Range<usize>> = match &types {
            None => std::iter::once(0..list.len()).collect(),
            Some(t) => t
                .iter()
                .map(|&t| counted.relation_type_range(ix, t))
                .collect(),
        };
        if unfiltered {
            return ranges.iter().map(|r| r.len()).sum();
        }
        ranges
            .into_iter()
            .flatten()
            .filter(|&i| {
                let v = list[i].view();
                direction.is_none_or(|d| d == v.direction)
                    && day.is_none_or(|d| counted.relation(v.edge).holds_on(d))
            })
            .count()
    };
    // The first page, unfiltered and without a cursor (most requests): a prefix of the ranges,
    // without the seek's machinery, which costs more than the page on a short one.
    if direction.is_none()
        && day.is_none()
        && page.after.is_none()
        && page.before.is_none()
        && page.last.is_none()
    {
        let size = page.checked()?.first.unwrap_or(DEFAULT_PAGE);
        let total: usize = ranges.iter().map(|r| r.len()).sum();
        let items: Vec<(String, RelationView)> = ranges
            .iter()
            .flat_map(|r| r.clone())
            .take(size)
            .map(|i| {
                let v = list[i].view();
                let cursor = if cursors {
                    encode_cursor(&key(&v))
                } else {
                    String::new()
                };
                (cursor, v)
            })
            .collect();
        super::execute::charge(items.len())?;
        let edge = |i: Option<&(String, RelationView)>| i.filter(|_| cursors).map(|i| i.0.clone());
        return Ok(RelationPage {
            info: PageInfo {
                has_next_page: total > items.len(),
                has_previous_page: false,
                start_cursor: edge(items.first()),
                end_cursor: edge(items.last()),
            },
            items,
            count: Arc::new(count),
        });
    }
    // Positions are doubled: entry i is 2i + 1, a cursor between entries j - 1 and j is 2j.
    let forward = |from: usize| {
        ranges
            .iter()
            .flat_map(move |r| r.clone())
            .filter(move |&i| 2 * i + 1 > from)
            .map(|i| (2 * i + 1, list[i].view()))
            .filter(|(_, v)| keep(v))
    };
    let backward = |to: usize| {
        ranges
            .iter()
            .rev()
            .flat_map(move |r| r.clone().rev())
            .filter(move |&i| 2 * i + 1 < to)
            .map(|i| (2 * i + 1, list[i].view()))
            .filter(|(_, v)| keep(v))
    };
    let seek = super::pagination::Seek::<usize> {
        after: Box::new(move |k| {
            Box::new(forward(k.copied().unwrap_or(0)).map(|(k, v)| (k, v.other)))
        }),
        before: Box::new(move |k| {
            Box::new(backward(k.copied().unwrap_or(usize::MAX)).map(|(k, v)| (k, v.other)))
        }),
        decode: Box::new(|c| {
            let p = list.partition_point(|a| key(&a.view()).as_str() < c);
            if p < list.len() && key(&list[p].view()) == c {
                2 * p + 1
            } else {
                2 * p
            }
        }),
        encode: Box::new(|k| key(&list[(k - 1) / 2].view())),
        precedes: Box::new(|a, b| a < b),
    };
    let page = page.seek_keys(&seek, cursors)?;
    let items: Vec<(String, RelationView)> = page
        .items
        .into_iter()
        .map(|(cursor, (pos, _))| (cursor, list[(pos - 1) / 2].view()))
        .collect();
    Ok(RelationPage {
        items,
        info: page.info,
        count: Arc::new(count),
    })
}

/// The entity of the right GraphQL type for a node.
pub fn entity(g: &Arc<Graph>, ix: NodeIndex) -> Entity {
    let r = NodeRef { g: g.clone(), ix };
    match g.node(ix).kind {
        Kind::State => Entity::State(State(r)),
        Kind::Person => Entity::Person(Person(r)),
        Kind::Organization => Entity::Organization(Organization(r)),
        Kind::Treaty => Entity::Treaty(Treaty(r)),
        Kind::Event => Entity::Event(Event(r)),
        Kind::Source => Entity::Source(Source(r)),
    }
}

/// A page of the time line from a list of events in time order (newest first if `newest_first`,
/// in which case `events` must already be in that order).
pub fn event_connection(
    g: &Arc<Graph>,
    events: Vec<NodeIndex>,
    page: PageArgs,
    newest_first: bool,
) -> Result<EventConnection> {
    let page = page.apply_ordered(&events, |&ix| event_key(g, ix), newest_first)?;
    Ok(EventConnection::from_page(
        g,
        Whole::Items(Arc::new(events)),
        page,
        |ix| Event(NodeRef { g: g.clone(), ix }),
    ))
}

/// Sort key of an event on the time line: its date, then its id.
pub fn event_key(g: &Graph, ix: NodeIndex) -> String {
    let n = g.node(ix);
    let date = n
        .event()
        .map(|e| e.date.date.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    format!("{date}{KEY_SEP}{}", n.id)
}

// ---------------------------------------------------------------------------------------------
// Interfaces.

/// Anything with a global id: every entity, and relations. `node(id:)` fetches one.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface, Clone)]
#[graphql(
    field(name = "id", ty = "ID", desc = "The stable global id."),
    field(
        name = "support",
        ty = "Support",
        desc = "What supports it: the quotes (located in their sources' text), the editorial \
                marks, whether the quotes are inherited from an event.",
        arg(
            name = "limit",
            ty = "Option<i32>",
            desc = "At most this many quotes (default 10, at most 100)."
        )
    ),
    // Provenance (see `history.rs`).
    field(
        name = "created_at",
        ty = "Option<DateTime>",
        desc = "When the write that created this record was committed; null for a record from the seed."
    ),
    field(
        name = "created_by",
        ty = "Option<String>",
        desc = "The name of the write token that created this record; null for a record from the seed."
    ),
    field(
        name = "updated_at",
        ty = "Option<DateTime>",
        desc = "When the newest write that touched this record was committed; null if no write has."
    ),
    field(
        name = "updated_by",
        ty = "Option<String>",
        desc = "The name of the write token of the newest write that touched this record; null if no write has."
    ),
    field(
        name = "history",
        ty = "super::history::WriteConnection",
        desc = "The writes that touched this record, newest first. A page costs O(page · log writes).",
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Page size (at most 100; default 20)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after this cursor (older writes)."
        ),
    ),
)]
pub enum Node {
    State(State),
    Person(Person),
    Organization(Organization),
    Treaty(Treaty),
    Event(Event),
    Source(Source),
    Relation(Relation),
}

impl From<Entity> for Node {
    fn from(e: Entity) -> Self {
        match e {
            Entity::State(x) => Node::State(x),
            Entity::Person(x) => Node::Person(x),
            Entity::Organization(x) => Node::Organization(x),
            Entity::Treaty(x) => Node::Treaty(x),
            Entity::Event(x) => Node::Event(x),
            Entity::Source(x) => Node::Source(x),
        }
    }
}

/// A node of the knowledge graph: a state, person, organisation, treaty, event or source.
// The interface's field list repeats `name = ...`/`ty = ...` keys by design; clippy mistakes
// them for duplicated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface, Clone)]
#[graphql(
    field(
        name = "id",
        ty = "ID",
        desc = "The stable id, `kind/slug` (e.g. `person/margus-tsahkna`)."
    ),
    field(
        name = "name",
        ty = "&str",
        desc = "The name (for events, the title): in `lang` when the entity has a label in that \
                language, else in English.",
        arg(
            name = "lang",
            ty = "Option<String>",
            desc = "A language tag such as `de` or `uk`."
        )
    ),
    field(
        name = "labels",
        ty = "Vec<Label>",
        desc = "Names in other languages, by language tag."
    ),
    field(
        name = "aliases",
        ty = "&[String]",
        desc = "Other names and spellings, e.g. `Tsakhna`."
    ),
    field(
        name = "same_as",
        ty = "&[String]",
        desc = "The same thing elsewhere, as absolute IRIs (e.g. its Wikidata item)."
    ),
    field(name = "kind", ty = "EntityKind", desc = "What the entity is."),
    field(
        name = "description",
        ty = "&str",
        desc = "A short description (may be empty); its basis is the `description` claim."
    ),
    field(
        name = "claims",
        ty = "Vec<Claim>",
        desc = "Statements about it that are not relations, each sourced or marked as editorial \
                background: its `description`, a treaty's `notice_period_months`, then the others.",
        arg(
            name = "property",
            ty = "Option<String>",
            desc = "Only claims of this property (e.g. `bans`)."
        )
    ),
    field(
        name = "support",
        ty = "Support",
        desc = "What supports it: the quotes of its statements, then of the relations at it, \
                each located in its source's text; the editorial marks; `UNSOURCED` when no \
                source mentions it.",
        arg(
            name = "limit",
            ty = "Option<i32>",
            desc = "At most this many quotes (default 10, at most 100)."
        )
    ),
    field(
        name = "degree",
        ty = "usize",
        desc = "The number of relations at this entity, both directions."
    ),
    field(
        name = "centrality",
        ty = "f64",
        desc = "PageRank over the undirected graph (all entities sum to 1), computed once per graph version."
    ),
    field(
        name = "relations",
        ty = "RelationConnection",
        desc = "Relations at this entity, both directions unless `direction` is given, ordered by \
                type, then the other end's id. A page is a seek: O(page + log degree) (a `direction` or `asOf` filter also skips what it leaves out).",
        arg(
            name = "relation_types",
            ty = "Option<Vec<RelationType>>",
            desc = "Only relations of these types."
        ),
        arg(
            name = "direction",
            ty = "Option<RelationDirection>",
            desc = "Only outgoing or only incoming relations."
        ),
        arg(
            name = "as_of",
            ty = "Option<Date>",
            desc = "Only relations valid on this date."
        ),
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Page size from the start (at most 100; default 20)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after this cursor."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Page size from the end (at most 100)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before this cursor."
        ),
    ),
    field(
        name = "events",
        ty = "EventConnection",
        desc = "Events this entity takes part in (as actor, addressee or subject), oldest first.",
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Page size from the start (at most 100; default 20)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after this cursor."
        ),
        arg(
            name = "last",
            ty = "Option<i32>",
            desc = "Page size from the end (at most 100)."
        ),
        arg(
            name = "before",
            ty = "Option<String>",
            desc = "End before this cursor."
        ),
    ),
    // Provenance (see `history.rs`).
    field(
        name = "created_at",
        ty = "Option<DateTime>",
        desc = "When the write that created this record was committed; null for a record from the seed."
    ),
    field(
        name = "created_by",
        ty = "Option<String>",
        desc = "The name of the write token that created this record; null for a record from the seed."
    ),
    field(
        name = "updated_at",
        ty = "Option<DateTime>",
        desc = "When the newest write that touched this record was committed; null if no write has."
    ),
    field(
        name = "updated_by",
        ty = "Option<String>",
        desc = "The name of the write token of the newest write that touched this record; null if no write has."
    ),
    field(
        name = "history",
        ty = "super::history::WriteConnection",
        desc = "The writes that touched this record, newest first. A page costs O(page · log writes).",
        arg(
            name = "first",
            ty = "Option<i32>",
            desc = "Page size (at most 100; default 20)."
        ),
        arg(
            name = "after",
            ty = "Option<String>",
            desc = "Start after this cursor (older writes)."
        ),
    ),
)]
pub enum Entity {
    State(State),
    Person(Person),
    Organization(Organization),
    Treaty(Treaty),
    Event(Event),
    Source(Source),
}

/// Defines an entity type: the `Entity` fields every kind shares, plus the kind's own fields.
macro_rules! entity_object {
    ($(#[$meta:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(pub NodeRef);

        #[Object]
        impl $name {
            /// The stable id, `kind/slug` (e.g. `person/margus-tsahkna`).
            async fn id(&self) -> ID {
                ID(self.0.node().id.to_string())
            }

            /// The name (for events, the title): in `lang` when the entity has a label in
            /// that language, else in English.
            async fn name(
                &self,
                #[graphql(desc = "A language tag such as `de` or `uk`.")] lang: Option<String>,
            ) -> &str {
                self.0.node().name_in(lang.as_deref())
            }

            /// Names in other languages, by language tag.
            async fn labels(&self) -> Vec<Label> {
                self.0
                    .node()
                    .labels
                    .iter()
                    .map(|(lang, value)| Label { lang: lang.clone(), value: value.clone() })
                    .collect()
            }

            /// Other names and spellings, e.g. `Tsakhna`.
            async fn aliases(&self) -> &[String] {
                &self.0.node().aliases
            }

            /// The same thing elsewhere, as absolute IRIs (e.g. its Wikidata item).
            async fn same_as(&self) -> &[String] {
                &self.0.node().same_as
            }

            /// What the entity is.
            async fn kind(&self) -> EntityKind {
                self.0.node().kind.into()
            }

            /// A short description (may be empty); its basis is the `description` claim.
            async fn description(&self) -> &str {
                &self.0.node().description
            }

            /// Statements about it that are not relations, each sourced or marked as
            /// editorial background: its `description`, a treaty's `notice_period_months`,
            /// then the others.
            async fn claims(
                &self,
                #[graphql(desc = "Only claims of this property (e.g. `bans`).")] property: Option<String>,
            ) -> Vec<Claim> {
                claims(&self.0, property.as_deref())
            }

            /// What supports it: the quotes of its statements, then of the relations at it,
            /// each located in its source's text; the editorial marks; `UNSOURCED` when no
            /// source mentions it.
            async fn support(
                &self,
                #[graphql(desc = "At most this many quotes (default 10, at most 100).")] limit: Option<i32>,
            ) -> Result<Support> {
                Ok(node_support(&self.0, limit)?)
            }

            /// The number of relations at this entity, both directions.
            async fn degree(&self) -> usize {
                self.0.g.degree(self.0.ix)
            }

            /// PageRank over the undirected graph (all entities sum to 1), computed once per
            /// graph version.
            async fn centrality(&self) -> f64 {
                self.0.g.centrality(self.0.ix)
            }

            /// Relations at this entity, both directions unless `direction` is given, ordered
            /// by type, then the other end's id. A page is a seek: O(page + log degree) (a `direction` or `asOf` filter also skips what it leaves out).
            #[allow(clippy::too_many_arguments)]
            async fn relations(
                &self,
                #[graphql(desc = "Only relations of these types.")] relation_types: Option<Vec<RelationType>>,
                #[graphql(desc = "Only outgoing or only incoming relations.")] direction: Option<RelationDirection>,
                #[graphql(desc = "Only relations valid on this date.")] as_of: Option<Date>,
                #[graphql(desc = "Page size from the start (at most 100; default 20).")] first: Option<i32>,
                #[graphql(desc = "Start after this cursor.")] after: Option<String>,
                #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
                #[graphql(desc = "End before this cursor.")] before: Option<String>,
            ) -> Result<RelationConnection> {
                self.0.relations(relation_types, direction, as_of, PageArgs { first, after, last, before })
            }

            /// Events this entity takes part in (as actor, addressee or subject), oldest first.
            async fn events(
                &self,
                #[graphql(desc = "Page size from the start (at most 100; default 20).")] first: Option<i32>,
                #[graphql(desc = "Start after this cursor.")] after: Option<String>,
                #[graphql(desc = "Page size from the end (at most 100).")] last: Option<i32>,
                #[graphql(desc = "End before this cursor.")] before: Option<String>,
            ) -> Result<EventConnection> {
                self.0.events(PageArgs { first, after, last, before })
            }

            // Provenance: `history.rs` answers, as of this record's graph version.
            /// When the write that created this record was committed; null for a record from
            /// the seed.
            async fn created_at(&self, ctx: &async_graphql::Context<'_>) -> Result<Option<DateTime>> {
                super::history::created_at(ctx, &self.0)
            }

            /// The name of the write token that created this record; null for a record from
            /// the seed.
            async fn created_by(&self, ctx: &async_graphql::Context<'_>) -> Result<Option<String>> {
                super::history::created_by(ctx, &self.0)
            }

            /// When the newest write that touched this record was committed; null if no write
            /// has.
            async fn updated_at(&self, ctx: &async_graphql::Context<'_>) -> Result<Option<DateTime>> {
                super::history::updated_at(ctx, &self.0)
            }

            /// The name of the write token of the newest write that touched this record; null
            /// if no write has.
            async fn updated_by(&self, ctx: &async_graphql::Context<'_>) -> Result<Option<String>> {
                super::history::updated_by(ctx, &self.0)
            }

            /// The writes that touched this record, newest first. A page costs
            /// O(page · log writes).
            async fn history(
                &self,
                ctx: &async_graphql::Context<'_>,
                #[graphql(desc = "Page size (at most 100; default 20).")] first: Option<i32>,
                #[graphql(desc = "Start after this cursor (older writes).")] after: Option<String>,
            ) -> Result<super::history::WriteConnection> {
                super::history::record_history(ctx, &self.0, first, after)
            }

            $($extra)*
        }
    };
}

entity_object!(
    /// A sovereign state.
    State {}
);

entity_object!(
    /// A person, typically an official; see `relations(relationTypes: [HOLDS_OFFICE])` for offices.
    Person {}
);

entity_object!(
    /// An institution: a ministry, a parliament, an international organisation, a publisher.
    Organization {}
);

entity_object!(
    /// An international treaty; its parties are its incoming `PARTY_TO` relations.
    Treaty {
        /// Months between a party's notice of withdrawal and the withdrawal taking effect.
        async fn notice_period_months(&self) -> Option<u32> {
            match self.0.node().detail {
                graph::Detail::Treaty { notice_period_months } => notice_period_months,
                _ => None,
            }
        }
    }
);

entity_object!(
    /// Something that happened on a date, with who took part and the evidence for it.
    /// (`kind` is `EVENT` as for every entity; the kind of event is `eventKind`.)
    Event {
        /// The date; for month or year precision, the first day of the period.
        async fn date(&self) -> Result<Date> {
            Ok(Date(self.data()?.date.date))
        }

        /// How precisely `date` is known.
        async fn date_precision(&self) -> Result<DatePrecision> {
            Ok(self.data()?.date.precision.into())
        }

        /// The date as precisely as it is known: `2025-06-27`, `2025-06` or `2025` (the form
        /// `createEvent` takes).
        async fn date_text(&self) -> Result<crate::api::scalars::FuzzyDate> {
            Ok(crate::api::scalars::FuzzyDate(self.data()?.date))
        }

        /// What kind of event it is.
        async fn event_kind(&self) -> Result<EventKind> {
            Ok(self.data()?.kind.into())
        }

        /// How the date is known: stated by the evidence (with the words), computed by a rule,
        /// or inferred (with the reasoning); and the finest precision that allows.
        async fn date_basis(&self) -> DateBasis {
            DateBasis::of_event(&self.0)
        }

        /// How the date was computed, when it was not given by a source (e.g. a notice period).
        async fn date_rule(&self) -> Result<Option<NoticePeriodRule>> {
            Ok(self.data()?.rule.clone().map(|rule| NoticePeriodRule { r: self.0.clone(), rule }))
        }

        /// Who takes part, and how; ordered by role, then id.
        async fn participants(&self) -> Vec<Participant> {
            self.0
                .g
                .participants(self.0.ix)
                .into_iter()
                .map(|(ix, rel, edge)| Participant {
                    entity: entity(&self.0.g, ix),
                    role: ParticipantRole::of(rel),
                    evidence: self.0.g.evidence(edge).iter().map(|e| Evidence::new(&self.0.g, e)).collect(),
                    evidence_inherited: self.0.g.evidence_inherited_from(edge).is_some(),
                })
                .collect()
        }

        /// The quotes that state this event, with their sources.
        async fn evidence(&self) -> Result<Vec<Evidence>> {
            Ok(self.data()?.evidence.iter().map(|e| Evidence::new(&self.0.g, e)).collect())
        }
    }
);

impl Event {
    fn data(&self) -> Result<&graph::EventData, ApiError> {
        self.0.node().event().ok_or_else(|| {
            ApiError::Internal(format!(
                "{} is typed Event but has no event data",
                self.0.node().id
            ))
        })
    }
}

entity_object!(
    /// A published document. Every piece of evidence quotes one.
    Source {
        /// The headline.
        async fn title(&self) -> Result<&str> {
            Ok(&self.data()?.title)
        }

        /// Where it was published.
        async fn url(&self) -> Result<Option<&str>> {
            Ok(self.data()?.url.as_deref())
        }

        /// When it was published (RFC 3339, with the publisher's UTC offset).
        async fn published_at(&self) -> Result<DateTime> {
            Ok(DateTime(self.data()?.published))
        }

        /// The language of the text (BCP 47, e.g. `en`).
        async fn language(&self) -> Result<&str> {
            Ok(&self.data()?.language)
        }

        /// The full text, exactly as received; every quote citing this source occurs in it.
        async fn text(&self) -> Result<&str> {
            Ok(&self.data()?.text)
        }

        /// The publisher (the end of the `PUBLISHED_BY` relation).
        async fn publisher(&self) -> Option<Entity> {
            self.0
                .g
                .relations_of(self.0.ix, Some(graph::Direction::Outgoing), Some(&[graph::RelationType::PublishedBy]))
                .first()
                .map(|v| entity(&self.0.g, v.other))
        }
    }
);

impl Source {
    fn data(&self) -> Result<&graph::SourceData, ApiError> {
        self.0.node().source().ok_or_else(|| {
            ApiError::Internal(format!(
                "{} is typed Source but has no source data",
                self.0.node().id
            ))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Relations, evidence and the rest.

#[derive(Clone)]
pub struct Evidence {
    g: Arc<Graph>,
    ev: graph::Evidence,
}

impl Evidence {
    pub(super) fn new(g: &Arc<Graph>, ev: &graph::Evidence) -> Self {
        Evidence {
            g: g.clone(),
            ev: *ev,
        }
    }

    /// A byte offset of the source's text in UTF-16 code units: counted from the source's
    /// nearest mark, so it costs at most a few kilobytes of text, however long the source.
    fn utf16(&self, byte: usize) -> usize {
        self.g
            .node(self.ev.source)
            .source()
            .map_or(byte, |s| s.utf16_offset(byte))
    }
}

/// A quote from a source that supports a fact.
#[Object]
impl Evidence {
    /// The exact words of the source; they occur verbatim in its text.
    async fn quote(&self) -> &str {
        self.g.quote(&self.ev)
    }

    /// Where the quote starts in its source's `text`, in UTF-16 code units (as JavaScript's
    /// `String.prototype.slice` counts): `text.slice(start, end)` is the quote.
    async fn start(&self) -> usize {
        self.utf16(self.ev.start as usize)
    }

    /// Where the quote ends in its source's `text`, in UTF-16 code units.
    async fn end(&self) -> usize {
        self.utf16((self.ev.start + self.ev.len) as usize)
    }

    /// Where the quote starts in its source's `text`, in UTF-8 bytes (the seed's `start`).
    async fn byte_start(&self) -> u32 {
        self.ev.start
    }

    /// Where the quote ends in its source's `text`, in UTF-8 bytes.
    async fn byte_end(&self) -> u32 {
        self.ev.start + self.ev.len
    }

    /// The whole sentence of the source that contains the quote.
    async fn sentence(&self) -> String {
        self.g
            .sentence_of(&self.ev)
            .unwrap_or(self.g.quote(&self.ev))
            .to_string()
    }

    /// The source quoted.
    async fn source(&self) -> Result<Source> {
        let ix = self.ev.source;
        if !self.g.contains(ix) {
            return Err(ApiError::Internal("evidence cites a missing source".into()).into());
        }
        Ok(Source(NodeRef {
            g: self.g.clone(),
            ix,
        }))
    }
}

/// A name in another language.
#[derive(SimpleObject, Clone)]
pub struct Label {
    /// The language tag, e.g. `de` or `uk`.
    pub lang: String,
    /// The name in that language.
    pub value: String,
}

impl ParticipantRole {
    /// The role a participation relation gives.
    pub(super) fn of(rel: graph::RelationType) -> Self {
        match rel {
            graph::RelationType::ActorIn => ParticipantRole::Actor,
            graph::RelationType::AddressedTo => ParticipantRole::Addressee,
            _ => ParticipantRole::Subject,
        }
    }
}

/// An entity's part in an event.
#[derive(SimpleObject, Clone)]
pub struct Participant {
    /// Who or what takes part.
    pub entity: Entity,
    /// How.
    pub role: ParticipantRole,
    /// The words that name this participant's part; the event's evidence when it has none of
    /// its own (`evidenceInherited`).
    pub evidence: Vec<Evidence>,
    /// Whether `evidence` is the event's, not words naming this participant.
    pub evidence_inherited: bool,
}

#[derive(Clone)]
pub struct NoticePeriodRule {
    r: NodeRef,
    rule: CoreRule,
}

impl NoticePeriodRule {
    pub(super) fn new(r: NodeRef, rule: CoreRule) -> Self {
        NoticePeriodRule { r, rule }
    }
}

/// The rule that computed an event's date: a treaty's notice period after a notification.
#[Object]
impl NoticePeriodRule {
    /// The rule in words.
    async fn description(&self) -> String {
        let CoreRule::NoticePeriod {
            notification,
            treaty,
            months,
        } = &self.rule;
        let name = |id: &graph::NodeId| {
            self.r
                .g
                .lookup(id.as_str())
                .map_or(id.to_string(), |ix| self.r.g.node(ix).name.clone())
        };
        format!(
            "{months} months (the notice period of the {}) after {}",
            name(treaty),
            name(notification)
        )
    }

    /// The length of the notice period in months.
    async fn months(&self) -> u32 {
        let CoreRule::NoticePeriod { months, .. } = &self.rule;
        *months
    }

    /// The notification the period runs from.
    async fn notification(&self) -> Option<Event> {
        let CoreRule::NoticePeriod { notification, .. } = &self.rule;
        self.r
            .g
            .lookup(notification.as_str())
            .map(|ix| Event(self.r.at(ix)))
    }

    /// The treaty whose notice period applies.
    async fn treaty(&self) -> Option<Treaty> {
        let CoreRule::NoticePeriod { treaty, .. } = &self.rule;
        self.r
            .g
            .lookup(treaty.as_str())
            .map(|ix| Treaty(self.r.at(ix)))
    }
}

#[derive(Clone)]
pub struct Relation {
    pub g: Arc<Graph>,
    pub edge: EdgeIndex,
}

impl Relation {
    fn rel(&self) -> &graph::Relation {
        self.g.relation(self.edge)
    }

    fn bound_event(&self, b: Option<graph::Bound>) -> Option<Event> {
        match b?.origin {
            BoundOrigin::Event(ix) => Some(Event(NodeRef {
                g: self.g.clone(),
                ix,
            })),
            BoundOrigin::Given => None,
        }
    }
}

/// A typed, directed relation between two entities, valid over `[validFrom, validUntil)`
/// (a missing bound is open-ended), with the evidence for it.
#[Object]
impl Relation {
    /// The relation's stable id (by default `from:TYPE:to`).
    async fn id(&self) -> ID {
        ID(self.g.relation_id(self.edge).to_string())
    }

    /// The relation type; it reads `from TYPE to`.
    #[graphql(name = "type")]
    async fn rel_type(&self) -> RelationType {
        self.rel().rel.into()
    }

    /// The entity the relation starts at.
    async fn from(&self) -> Entity {
        entity(&self.g, self.g.ends(self.edge).0)
    }

    /// The entity the relation points to.
    async fn to(&self) -> Entity {
        entity(&self.g, self.g.ends(self.edge).1)
    }

    /// The role or office, e.g. `President`.
    async fn role(&self) -> Option<&str> {
        self.rel().role().map(|s| &**s)
    }

    /// The first day the relation holds; null if open-ended.
    async fn valid_from(&self) -> Option<Date> {
        self.rel().valid_from.map(|b| Date(b.date))
    }

    /// The first day the relation no longer holds; null if open-ended.
    async fn valid_until(&self) -> Option<Date> {
        self.rel().valid_until.map(|b| Date(b.date))
    }

    /// The event whose date sets `validFrom`, if it is set by one.
    async fn valid_from_event(&self) -> Option<Event> {
        self.bound_event(self.rel().valid_from)
    }

    /// The event whose date sets `validUntil`, if it is set by one (e.g. a withdrawal taking effect).
    async fn valid_until_event(&self) -> Option<Event> {
        self.bound_event(self.rel().valid_until)
    }

    /// Whether the relation holds on the given date.
    async fn holds_on(&self, #[graphql(desc = "The day to check.")] as_of: Date) -> bool {
        self.rel().holds_on(as_of.0)
    }

    /// The quotes that state this relation, with their sources (for a participation without
    /// words of its own, its event's: see `evidenceInherited`).
    async fn evidence(&self) -> Vec<Evidence> {
        self.g
            .evidence(self.edge)
            .iter()
            .map(|e| Evidence::new(&self.g, e))
            .collect()
    }

    /// Whether `evidence` is the event's rather than words naming this participation.
    async fn evidence_inherited(&self) -> bool {
        self.g.evidence_inherited_from(self.edge).is_some()
    }

    /// What supports it: its quotes, located in their sources' text (or its event's, marked
    /// `inherited`).
    async fn support(
        &self,
        #[graphql(desc = "At most this many quotes (default 10, at most 100).")] limit: Option<i32>,
    ) -> Result<Support> {
        Ok(relation_support(&self.g, self.edge, limit)?)
    }

    /// How `validFrom` is known: stated by the evidence, or the date of `validFromEvent`.
    async fn valid_from_basis(&self) -> Option<DateBasis> {
        self.rel()
            .valid_from
            .map(|b| DateBasis::of_bound(&self.g, self.edge, b))
    }

    /// How `validUntil` is known: stated by the evidence, or the date of `validUntilEvent`.
    async fn valid_until_basis(&self) -> Option<DateBasis> {
        self.rel()
            .valid_until
            .map(|b| DateBasis::of_bound(&self.g, self.edge, b))
    }

    // Provenance: `history.rs` answers, as of this record's graph version.
    /// When the write that created this record was committed; null for a record from
    /// the seed.
    async fn created_at(&self, ctx: &async_graphql::Context<'_>) -> Result<Option<DateTime>> {
        super::history::created_at(ctx, self)
    }

    /// The name of the write token that created this record; null for a record from
    /// the seed.
    async fn created_by(&self, ctx: &async_graphql::Context<'_>) -> Result<Option<String>> {
        super::history::created_by(ctx, self)
    }

    /// When the newest write that touched this record was committed; null if no write
    /// has.
    async fn updated_at(&self, ctx: &async_graphql::Context<'_>) -> Result<Option<DateTime>> {
        super::history::updated_at(ctx, self)
    }

    /// The name of the write token of the newest write that touched this record; null
    /// if no write has.
    async fn updated_by(&self, ctx: &async_graphql::Context<'_>) -> Result<Option<String>> {
        super::history::updated_by(ctx, self)
    }

    /// The writes that touched this record, newest first. A page costs
    /// O(page · log writes).
    async fn history(
        &self,
        ctx: &async_graphql::Context<'_>,
        #[graphql(desc = "Page size (at most 100; default 20).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (older writes).")] after: Option<String>,
    ) -> Result<super::history::WriteConnection> {
        super::history::record_history(ctx, self, first, after)
    }
}

#[derive(Clone)]
pub struct RelationEdge {
    cursor: String,
    view: RelationView,
    g: Arc<Graph>,
}

impl RelationEdge {
    fn rel(&self) -> &graph::Relation {
        self.g.relation(self.view.edge)
    }
}

/// A relation seen from one entity: the entity at the other end, plus the relation.
#[Object]
impl RelationEdge {
    /// Opaque position of this relation in the list; pass it as `after` or `before`.
    async fn cursor(&self) -> &str {
        &self.cursor
    }

    /// The relation (its `from`, `to`, validity events, ...).
    async fn node(&self) -> Relation {
        Relation {
            g: self.g.clone(),
            edge: self.view.edge,
        }
    }

    /// The entity at the other end, seen from the entity asked about.
    async fn entity(&self) -> Entity {
        entity(&self.g, self.view.other)
    }

    /// Whether the asking entity is the relation's `from` (OUTGOING) or `to` (INCOMING).
    async fn direction(&self) -> RelationDirection {
        self.view.direction.into()
    }

    /// The relation type.
    #[graphql(name = "type")]
    async fn rel_type(&self) -> RelationType {
        self.rel().rel.into()
    }

    /// The role or office, e.g. `President`.
    async fn role(&self) -> Option<&str> {
        self.rel().role().map(|s| &**s)
    }

    /// The first day the relation holds; null if open-ended.
    async fn valid_from(&self) -> Option<Date> {
        self.rel().valid_from.map(|b| Date(b.date))
    }

    /// The first day the relation no longer holds; null if open-ended.
    async fn valid_until(&self) -> Option<Date> {
        self.rel().valid_until.map(|b| Date(b.date))
    }

    /// The quotes that state this relation, with their sources.
    async fn evidence(&self) -> Vec<Evidence> {
        self.g
            .evidence(self.view.edge)
            .iter()
            .map(|e| Evidence::new(&self.g, e))
            .collect()
    }
}

/// A page of an entity's relations.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct RelationConnection {
    /// The page's relations, each with the entity at the other end.
    pub edges: Vec<RelationEdge>,
    /// The page's relations.
    pub nodes: Vec<Relation>,
    /// The entity at the other end of each of the page's relations, in page order (an entity
    /// appears once per relation).
    pub entities: Vec<Entity>,
    /// Where this page sits in the list.
    pub page_info: PageInfo,
    /// Counts the whole filtered list, only when asked for.
    #[graphql(skip)]
    pub count: Arc<dyn Fn() -> usize + Send + Sync>,
}

#[async_graphql::ComplexObject]
impl RelationConnection {
    /// The number of relations in the whole list (all pages), after filters. O(1) unless
    /// filtered by direction or date, then O(degree).
    async fn total_count(&self) -> usize {
        (self.count)()
    }
}
