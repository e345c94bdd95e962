//! From a document that has passed the pipeline to a [`Plan`]: the selected query's fields,
//! flattened (fragments inlined, type conditions resolved), each with its response key as JSON
//! and what it reads from the graph. A document using anything the plan does not model gets
//! no plan, and the executor keeps answering it: compiling is the only place that decides what
//! the fast path covers.

use std::sync::atomic::AtomicUsize;

use async_graphql::Name;
use async_graphql::parser::types::{
    BaseType, ExecutableDocument, OperationType, Selection, SelectionSet, Type,
};
use async_graphql_value::{ConstValue, Value};

/// A query's plan: its fields, and the variables it declares.
#[derive(Debug)]
pub struct Plan {
    pub(super) fields: Vec<Field>,
    pub(super) variables: Vec<Variable>,
    /// The operation's name, as the document defines it (for metrics).
    pub(super) operation_name: Option<String>,
    /// Whether a field runs a graph question (search, path, neighbourhood): the plan then runs
    /// on the CPU pool, under the request's deadline. A plan holds one at most.
    pub(super) heavy: bool,
    /// Roughly what the plan holds in memory (its fields and their keys), for the cache's
    /// bound.
    pub(super) weight: usize,
    /// The length of the plan's last answer: the next one's buffer starts that large, instead
    /// of growing (and copying) from a few hundred bytes to an answer of kilobytes.
    pub(super) last_len: AtomicUsize,
}

/// A declared variable: its type and default, to check what a request sends for it.
#[derive(Debug)]
pub(super) struct Variable {
    pub name: Name,
    pub ty: VarType,
    pub default: Option<ConstValue>,
}

/// The input types the plan can check a variable's value against.
#[derive(Debug, Clone)]
pub(super) struct VarType {
    pub nullable: bool,
    pub base: VarBase,
}

#[derive(Debug, Clone)]
pub(super) enum VarBase {
    Scalar(Scalar),
    List(Box<VarType>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scalar {
    Id,
    String,
    Int,
    Boolean,
    Date,
    EntityKind,
    RelationType,
    RelationDirection,
    Granularity,
}

/// One field of a selection: its response key, already written as JSON (`"key":`), what it
/// reads, and, for an object, its own fields.
#[derive(Debug)]
pub(super) struct Field {
    pub key: Box<str>,
    pub op: Op,
    pub fields: Vec<Field>,
}

/// An argument as the document gives it: absent, a literal, or a variable (the literal may
/// hold variables too).
pub(super) type Arg = Option<Value>;

/// Relay page arguments.
#[derive(Debug, Default)]
pub(super) struct PageArgs {
    pub first: Arg,
    pub after: Arg,
    pub last: Arg,
    pub before: Arg,
}

/// What a field reads. Each variant belongs to the object types listed in [`Ty::field`].
#[derive(Debug)]
pub(super) enum Op {
    /// `__typename` of a type whose name is fixed.
    Typename(&'static str),
    /// `__typename` of an entity: its kind's type.
    EntityTypename,
    // Query
    Entity {
        id: Arg,
    },
    /// `cursors`: whether any item's cursor, or the page's start or end, is selected.
    Entities {
        kinds: Arg,
        page: PageArgs,
        cursors: bool,
    },
    /// `events` over the whole time line or a date range.
    Events {
        from: Arg,
        to: Arg,
        page: PageArgs,
        cursors: bool,
    },
    RelationStatus {
        from: Arg,
        rel: Arg,
        to: Arg,
        as_of: Arg,
    },
    Timeline {
        group_by: Arg,
        from: Arg,
        to: Arg,
        first: Arg,
        after: Arg,
    },
    /// `search`'s forward pages (`last` and `before` are the executor's).
    Search {
        query: Arg,
        kinds: Arg,
        page: PageArgs,
        cursors: bool,
    },
    Neighborhood {
        id: Arg,
        depth: Arg,
        types: Arg,
        kinds: Arg,
        as_of: Arg,
        limit: Arg,
    },
    Path {
        from: Arg,
        to: Arg,
        max_hops: Arg,
        types: Arg,
        as_of: Arg,
    },
    // Entity
    Id,
    Name,
    Kind,
    Description,
    Aliases,
    Degree,
    Relations {
        types: Arg,
        page: PageArgs,
        cursors: bool,
    },
    // Event
    Date,
    DatePrecision,
    DateText,
    EventKind,
    Participants,
    // Participant (and `Other`, `Evidence`)
    ParticipantRole,
    EvidenceInherited,
    // RelationStatus
    Holds,
    AsOf,
    Explanation,
    // Timeline
    Period,
    GroupStart,
    GroupEnd,
    Count,
    GroupEvents,
    // Source
    Title,
    Url,
    // SearchEdge
    Score,
    MatchedOn,
    MatchedText,
    MatchedLanguage,
    // Neighborhood and SubgraphEdge
    Center,
    Truncated,
    DepthReached,
    SourceId,
    TargetId,
    Label,
    // PathResult, Path and Hop
    Found,
    Reason,
    PathOf,
    Length,
    Hops,
    HopFrom,
    HopTo,
    // Connections and edges
    Nodes,
    Edges,
    EdgeEntities,
    TotalCount,
    PageInfo,
    Cursor,
    Node,
    // PageInfo
    HasNextPage,
    HasPreviousPage,
    StartCursor,
    EndCursor,
    // RelationEdge
    Other,
    Direction,
    RelType,
    Role,
    ValidFrom,
    ValidUntil,
    Evidence,
    // Evidence
    Quote,
    Start,
    End,
    ByteStart,
    ByteEnd,
    Sentence,
    Source,
}

/// The object types the plan models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Query,
    /// Any entity, of whichever kind (the `Entity` interface).
    Entity,
    /// An entity known to be a source (`Evidence.source`).
    Source,
    /// An entity known to be an event (`events`, `timeline`).
    Event,
    EventConnection,
    EventEdge,
    Participant,
    RelationStatus,
    TimelineConnection,
    TimelineEdge,
    TimelineGroup,
    EntityConnection,
    EntityEdge,
    RelationConnection,
    RelationEdge,
    Evidence,
    PageInfo,
    SearchConnection,
    SearchEdge,
    Neighborhood,
    SubgraphEdge,
    PathResult,
    Path,
    Hop,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Query => "Query",
            Ty::Entity => "Entity",
            Ty::Source => "Source",
            Ty::Event => "Event",
            Ty::EventConnection => "EventConnection",
            Ty::EventEdge => "EventEdge",
            Ty::Participant => "Participant",
            Ty::RelationStatus => "RelationStatus",
            Ty::TimelineConnection => "TimelineConnection",
            Ty::TimelineEdge => "TimelineEdge",
            Ty::TimelineGroup => "TimelineGroup",
            Ty::EntityConnection => "EntityConnection",
            Ty::EntityEdge => "EntityEdge",
            Ty::RelationConnection => "RelationConnection",
            Ty::RelationEdge => "RelationEdge",
            Ty::Evidence => "Evidence",
            Ty::PageInfo => "PageInfo",
            Ty::SearchConnection => "SearchConnection",
            Ty::SearchEdge => "SearchEdge",
            Ty::Neighborhood => "Neighborhood",
            Ty::SubgraphEdge => "SubgraphEdge",
            Ty::PathResult => "PathResult",
            Ty::Path => "Path",
            Ty::Hop => "Hop",
        }
    }

    /// Whether a fragment on `cond` always applies to a value of this type. A condition on
    /// one kind of entity inside an `Entity` would apply to some values only: not modelled.
    fn always(self, cond: &str) -> bool {
        match self {
            Ty::Entity => matches!(cond, "Entity" | "Node"),
            Ty::Source => matches!(cond, "Source" | "Entity" | "Node"),
            Ty::Event => matches!(cond, "Event" | "Entity" | "Node"),
            t => cond == t.name(),
        }
    }

    /// The field `name` of this type with `args`: what it reads, and its type if it is an
    /// object. `None` for anything not modelled, arguments included.
    fn field(self, name: &str, args: &mut Args) -> Option<(Op, Option<Ty>)> {
        use Op::*;
        let leaf = |op: Op| Some((op, None));
        if name == "__typename" {
            args.none()?;
            return match self {
                Ty::Entity => leaf(EntityTypename),
                t => leaf(Typename(t.name())),
            };
        }
        let found = match (self, name) {
            (Ty::Query, "entity") => (
                Entity {
                    id: args.take("id"),
                },
                Some(Ty::Entity),
            ),
            (Ty::Query, "entities") => (
                Entities {
                    kinds: args.take("kinds"),
                    page: args.page(),
                    cursors: false,
                },
                Some(Ty::EntityConnection),
            ),
            (Ty::Query, "events") => (
                Events {
                    from: args.take("from"),
                    to: args.take("to"),
                    page: args.page(),
                    cursors: false,
                },
                Some(Ty::EventConnection),
            ),
            (Ty::Query, "relationStatus") => (
                RelationStatus {
                    from: args.take("from"),
                    rel: args.take("type"),
                    to: args.take("to"),
                    as_of: args.take("asOf"),
                },
                Some(Ty::RelationStatus),
            ),
            (Ty::Query, "timeline") => (
                Timeline {
                    group_by: args.take("groupBy"),
                    from: args.take("from"),
                    to: args.take("to"),
                    first: args.take("first"),
                    after: args.take("after"),
                },
                Some(Ty::TimelineConnection),
            ),
            (Ty::Query, "search") => (
                Search {
                    query: args.take("query"),
                    kinds: args.take("kinds"),
                    page: args.page(),
                    cursors: false,
                },
                Some(Ty::SearchConnection),
            ),
            (Ty::Query, "neighborhood") => (
                Neighborhood {
                    id: args.take("id"),
                    depth: args.take("depth"),
                    types: args.take("relationTypes"),
                    kinds: args.take("kinds"),
                    as_of: args.take("asOf"),
                    limit: args.take("limit"),
                },
                Some(Ty::Neighborhood),
            ),
            (Ty::Query, "path") => (
                Path {
                    from: args.take("from"),
                    to: args.take("to"),
                    max_hops: args.take("maxHops"),
                    types: args.take("relationTypes"),
                    as_of: args.take("asOf"),
                },
                Some(Ty::PathResult),
            ),
            (Ty::Event, "date") => (Date, None),
            (Ty::Event, "datePrecision") => (DatePrecision, None),
            (Ty::Event, "dateText") => (DateText, None),
            (Ty::Event, "eventKind") => (EventKind, None),
            (Ty::Event, "participants") => (Participants, Some(Ty::Participant)),
            (Ty::Entity | Ty::Source | Ty::Event, _) => match name {
                "id" => (Id, None),
                "name" => (Name, None),
                "kind" => (Kind, None),
                "description" => (Description, None),
                "aliases" => (Aliases, None),
                "degree" => (Degree, None),
                "relations" => (
                    Relations {
                        types: args.take("relationTypes"),
                        page: args.page(),
                        cursors: false,
                    },
                    Some(Ty::RelationConnection),
                ),
                "title" if self == Ty::Source => (Title, None),
                "url" if self == Ty::Source => (Url, None),
                _ => return None,
            },
            (Ty::EventConnection, "nodes") => (Nodes, Some(Ty::Event)),
            (Ty::EventConnection, "edges") => (Edges, Some(Ty::EventEdge)),
            (Ty::EventConnection, "totalCount") => (TotalCount, None),
            (Ty::EventConnection | Ty::TimelineConnection, "pageInfo") => {
                (PageInfo, Some(Ty::PageInfo))
            }
            (Ty::EventEdge | Ty::TimelineEdge, "cursor") => (Cursor, None),
            (Ty::EventEdge, "node") => (Node, Some(Ty::Event)),
            (Ty::Participant, "entity") => (Other, Some(Ty::Entity)),
            (Ty::Participant, "role") => (ParticipantRole, None),
            (Ty::Participant, "evidence") => (Evidence, Some(Ty::Evidence)),
            (Ty::Participant, "evidenceInherited") => (EvidenceInherited, None),
            (Ty::RelationStatus, "holds") => (Holds, None),
            (Ty::RelationStatus, "asOf") => (AsOf, None),
            (Ty::RelationStatus, "explanation") => (Explanation, None),
            (Ty::TimelineConnection, "edges") => (Edges, Some(Ty::TimelineEdge)),
            (Ty::TimelineConnection, "nodes") => (Nodes, Some(Ty::TimelineGroup)),
            (Ty::TimelineEdge, "node") => (Node, Some(Ty::TimelineGroup)),
            (Ty::TimelineGroup, "period") => (Period, None),
            (Ty::TimelineGroup, "start") => (GroupStart, None),
            (Ty::TimelineGroup, "end") => (GroupEnd, None),
            (Ty::TimelineGroup, "count") => (Count, None),
            (Ty::TimelineGroup, "events") => (GroupEvents, Some(Ty::Event)),
            (Ty::EntityConnection, "nodes") => (Nodes, Some(Ty::Entity)),
            (Ty::EntityConnection, "edges") => (Edges, Some(Ty::EntityEdge)),
            (Ty::EntityConnection | Ty::RelationConnection, "totalCount") => (TotalCount, None),
            (Ty::EntityConnection | Ty::RelationConnection, "pageInfo") => {
                (PageInfo, Some(Ty::PageInfo))
            }
            (Ty::EntityEdge | Ty::RelationEdge, "cursor") => (Cursor, None),
            (Ty::EntityEdge, "node") => (Node, Some(Ty::Entity)),
            (Ty::RelationConnection, "edges") => (Edges, Some(Ty::RelationEdge)),
            (Ty::RelationConnection, "entities") => (EdgeEntities, Some(Ty::Entity)),
            (Ty::PageInfo, "hasNextPage") => (HasNextPage, None),
            (Ty::PageInfo, "hasPreviousPage") => (HasPreviousPage, None),
            (Ty::PageInfo, "startCursor") => (StartCursor, None),
            (Ty::PageInfo, "endCursor") => (EndCursor, None),
            (Ty::RelationEdge, "entity") => (Other, Some(Ty::Entity)),
            (Ty::RelationEdge, "direction") => (Direction, None),
            (Ty::RelationEdge, "type") => (RelType, None),
            (Ty::RelationEdge, "role") => (Role, None),
            (Ty::RelationEdge, "validFrom") => (ValidFrom, None),
            (Ty::RelationEdge, "validUntil") => (ValidUntil, None),
            (Ty::RelationEdge, "evidence") => (Evidence, Some(Ty::Evidence)),
            (Ty::Evidence, "quote") => (Quote, None),
            (Ty::Evidence, "start") => (Start, None),
            (Ty::Evidence, "end") => (End, None),
            (Ty::Evidence, "byteStart") => (ByteStart, None),
            (Ty::Evidence, "byteEnd") => (ByteEnd, None),
            (Ty::Evidence, "sentence") => (Sentence, None),
            (Ty::Evidence, "source") => (Source, Some(Ty::Source)),
            (Ty::SearchConnection, "edges") => (Edges, Some(Ty::SearchEdge)),
            (Ty::SearchConnection, "nodes") => (Nodes, Some(Ty::Entity)),
            (Ty::SearchConnection, "totalCount") => (TotalCount, None),
            (Ty::SearchConnection, "pageInfo") => (PageInfo, Some(Ty::PageInfo)),
            (Ty::SearchEdge, "cursor") => (Cursor, None),
            (Ty::SearchEdge, "node") => (Node, Some(Ty::Entity)),
            (Ty::SearchEdge, "score") => (Score, None),
            (Ty::SearchEdge, "matchedOn") => (MatchedOn, None),
            (Ty::SearchEdge, "matchedText") => (MatchedText, None),
            (Ty::SearchEdge, "matchedLanguage") => (MatchedLanguage, None),
            (Ty::Neighborhood, "center") => (Center, Some(Ty::Entity)),
            (Ty::Neighborhood, "nodes") => (Nodes, Some(Ty::Entity)),
            (Ty::Neighborhood, "edges") => (Edges, Some(Ty::SubgraphEdge)),
            (Ty::Neighborhood, "truncated") => (Truncated, None),
            (Ty::Neighborhood, "depthReached") => (DepthReached, None),
            (Ty::SubgraphEdge, "id") => (Id, None),
            (Ty::SubgraphEdge, "source") => (SourceId, None),
            (Ty::SubgraphEdge, "target") => (TargetId, None),
            (Ty::SubgraphEdge | Ty::Hop, "type") => (RelType, None),
            (Ty::SubgraphEdge, "label") => (Label, None),
            (Ty::PathResult, "found") => (Found, None),
            (Ty::PathResult, "reason") => (Reason, None),
            (Ty::PathResult, "path") => (PathOf, Some(Ty::Path)),
            (Ty::Path, "length") => (Length, None),
            (Ty::Path, "nodes") => (Nodes, Some(Ty::Entity)),
            (Ty::Path, "hops") => (Hops, Some(Ty::Hop)),
            (Ty::Hop, "from") => (HopFrom, Some(Ty::Entity)),
            (Ty::Hop, "to") => (HopTo, Some(Ty::Entity)),
            (Ty::Hop, "direction") => (Direction, None),
            (Ty::Hop, "evidence") => (Evidence, Some(Ty::Evidence)),
            _ => return None,
        };
        // An argument the field was given and the plan did not take: not modelled.
        args.none()?;
        Some(found)
    }
}

/// A field's arguments, taken one by one as the plan models them.
struct Args(Vec<(Name, Value)>);

impl Args {
    fn take(&mut self, name: &str) -> Arg {
        let i = self.0.iter().position(|(n, _)| n.as_str() == name)?;
        Some(self.0.swap_remove(i).1)
    }

    fn page(&mut self) -> PageArgs {
        PageArgs {
            first: self.take("first"),
            after: self.take("after"),
            last: self.take("last"),
            before: self.take("before"),
        }
    }

    /// `Some` when every argument has been taken.
    fn none(&self) -> Option<()> {
        self.0.is_empty().then_some(())
    }
}

/// The plan of `doc`'s operation `operation_name` (the only one when `None`), if it is a
/// query the plan models. `doc` must have passed the pipeline: this checks nothing a client
/// could get wrong, it only decides what the fast path covers.
pub fn compile(doc: &ExecutableDocument, operation_name: Option<&str>) -> Option<Plan> {
    let mut ops = doc.operations.iter();
    let (name, op) = match operation_name {
        Some(wanted) => ops.find(|(n, _)| n.is_some_and(|n| n.as_str() == wanted))?,
        None => {
            let only = ops.next()?;
            if ops.next().is_some() {
                return None;
            }
            only
        }
    };
    let op = &op.node;
    if op.ty != OperationType::Query || !op.directives.is_empty() {
        return None;
    }
    let variables = op
        .variable_definitions
        .iter()
        .map(|v| {
            let v = &v.node;
            v.directives.is_empty().then_some(())?;
            Some(Variable {
                name: v.name.node.clone(),
                ty: var_type(&v.var_type.node)?,
                default: v.default_value.as_ref().map(|d| d.node.clone()),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let mut weight = 0;
    let fields = selection(doc, Ty::Query, &op.selection_set.node, &mut weight)?;
    let heavy = fields
        .iter()
        .filter(|f| {
            matches!(
                f.op,
                Op::Search { .. } | Op::Neighborhood { .. } | Op::Path { .. }
            )
        })
        .count();
    // The executor gives each graph question its own deadline and runs them side by side;
    // a plan would run two in turn under one. One at most keeps their timeouts the same.
    if heavy > 1 {
        return None;
    }
    Some(Plan {
        fields,
        variables,
        heavy: heavy == 1,
        operation_name: name.map(|n| n.to_string()),
        weight,
        last_len: AtomicUsize::new(0),
    })
}

/// Whether a connection's selection reads a cursor: an edge's, or the page's start or end.
fn selects_cursors(connection: &[Field]) -> bool {
    let any = |fields: &[Field], wanted: &[fn(&Op) -> bool]| {
        fields.iter().any(|f| wanted.iter().any(|w| w(&f.op)))
    };
    connection.iter().any(|f| match f.op {
        Op::Edges => any(&f.fields, &[|op| matches!(op, Op::Cursor)]),
        Op::PageInfo => any(
            &f.fields,
            &[|op| matches!(op, Op::StartCursor | Op::EndCursor)],
        ),
        _ => false,
    })
}

fn var_type(t: &Type) -> Option<VarType> {
    let base = match &t.base {
        BaseType::Named(n) => VarBase::Scalar(match n.as_str() {
            "ID" => Scalar::Id,
            "String" => Scalar::String,
            "Int" => Scalar::Int,
            "Boolean" => Scalar::Boolean,
            "Date" => Scalar::Date,
            "EntityKind" => Scalar::EntityKind,
            "RelationType" => Scalar::RelationType,
            "RelationDirection" => Scalar::RelationDirection,
            "Granularity" => Scalar::Granularity,
            _ => return None,
        }),
        BaseType::List(inner) => VarBase::List(Box::new(var_type(inner)?)),
    };
    Some(VarType {
        nullable: t.nullable,
        base,
    })
}

/// The fields of a selection on `ty`, fragments inlined in document order.
fn selection(
    doc: &ExecutableDocument,
    ty: Ty,
    set: &SelectionSet,
    weight: &mut usize,
) -> Option<Vec<Field>> {
    let mut fields: Vec<Field> = Vec::new();
    flatten(doc, ty, set, &mut fields, weight)?;
    Some(fields)
}

fn flatten(
    doc: &ExecutableDocument,
    ty: Ty,
    set: &SelectionSet,
    fields: &mut Vec<Field>,
    weight: &mut usize,
) -> Option<()> {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                let f = &f.node;
                // `@skip` and `@include` would make the selection depend on variables.
                f.directives.is_empty().then_some(())?;
                let key = f.alias.as_ref().unwrap_or(&f.name).node.as_str();
                let mut args = Args(
                    f.arguments
                        .iter()
                        .map(|(n, v)| (n.node.clone(), v.node.clone()))
                        .collect(),
                );
                let (mut op, child) = ty.field(f.name.node.as_str(), &mut args)?;
                let sub = match child {
                    Some(t) => selection(doc, t, &f.selection_set.node, weight)?,
                    None => Vec::new(),
                };
                if let Op::Entities { cursors, .. }
                | Op::Relations { cursors, .. }
                | Op::Events { cursors, .. }
                | Op::Search { cursors, .. } = &mut op
                {
                    *cursors = selects_cursors(&sub);
                }
                let json_key = serde_json::to_string(key).ok()? + ":";
                if let Some(same) = fields.iter().find(|g| &*g.key == json_key.as_str()) {
                    // The executor merges fields of one key; the plan takes only a repeated
                    // leaf without arguments, which merges to itself.
                    let repeat = child.is_none()
                        && f.arguments.is_empty()
                        && std::mem::discriminant(&same.op) == std::mem::discriminant(&op);
                    repeat.then_some(())?;
                    continue;
                }
                *weight += std::mem::size_of::<Field>() + json_key.len();
                fields.push(Field {
                    key: json_key.into(),
                    op,
                    fields: sub,
                });
            }
            Selection::FragmentSpread(s) => {
                s.node.directives.is_empty().then_some(())?;
                let frag = &doc.fragments.get(&s.node.fragment_name.node)?.node;
                ty.always(frag.type_condition.node.on.node.as_str())
                    .then_some(())?;
                flatten(doc, ty, &frag.selection_set.node, fields, weight)?;
            }
            Selection::InlineFragment(i) => {
                let i = &i.node;
                i.directives.is_empty().then_some(())?;
                if let Some(cond) = &i.type_condition {
                    ty.always(cond.node.on.node.as_str()).then_some(())?;
                }
                flatten(doc, ty, &i.selection_set.node, fields, weight)?;
            }
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(query: &str, operation: Option<&str>) -> Option<Plan> {
        compile(
            &async_graphql::parser::parse_query(query).expect("parses"),
            operation,
        )
    }

    #[test]
    fn what_the_plans_model_is_planned() {
        for q in [
            "{ __typename }",
            "{ entity(id: \"state/estonia\") { id name relations(first: 5) { edges { cursor entity { id } } } } }",
            "query Q($id: ID!, $n: Int) { entity(id: $id) { relations(first: $n) { totalCount } } }",
            "{ entity(id: \"x\") { ...f ... on Entity { kind } } } fragment f on Node { id }",
            "{ a: entity(id: \"x\") { id id } b: entity(id: \"y\") { id } }",
            "{ events(first: 2) { nodes { date participants { role entity { id } } } } }",
            "{ timeline(groupBy: MONTH) { nodes { period events { id } } } }",
            "{ search(query: \"x\", first: 3) { totalCount edges { score matchedOn node { id } } } }",
            "{ neighborhood(id: \"x\", depth: 2) { center { id } nodes { id } edges { source target type label } } }",
            "{ path(from: \"a\", to: \"b\") { found reason path { length hops { from { id } type direction evidence { quote } } } } }",
        ] {
            assert!(plan(q, None).is_some(), "{q}");
        }
    }

    #[test]
    fn anything_else_is_left_to_the_executor() {
        for q in [
            // Not queries, or not one operation.
            "mutation { __typename }",
            "subscription { graphChanges { version } }",
            "query A { __typename } query B { __typename }",
            // Fields, arguments and variable types not modelled.
            "{ searchEvidence(query: \"x\") { totalCount } }",
            // Two graph questions: the executor runs them side by side, each with its deadline.
            "{ search(query: \"x\") { totalCount } path(from: \"a\", to: \"b\") { found } }",
            // A relation's own object is not modelled.
            "{ path(from: \"a\", to: \"b\") { path { hops { relation { id } } } } }",
            "{ entity(id: \"x\") { name(lang: \"de\") } }",
            "{ entities(orderBy: { field: NAME }) { totalCount } }",
            "query($o: EntityOrder) { __typename }",
            // Directives make the selection depend on variables.
            "query($b: Boolean!) { __typename @include(if: $b) }",
            // A fragment on one kind of entity applies to some entities only.
            "{ entity(id: \"x\") { ... on State { id } } }",
            // The same key for two different object selections (the executor merges them).
            "{ entity(id: \"x\") { id } entity(id: \"x\") { name } }",
            "{ e: entity(id: \"x\") { id } e: entities { totalCount } }",
        ] {
            assert!(plan(q, None).is_none(), "{q}");
        }
        assert!(
            plan(
                "query A { __typename } query B { id: __typename }",
                Some("B")
            )
            .is_some()
        );
        assert!(plan("query A { __typename }", Some("C")).is_none());
    }

    #[test]
    fn a_connection_asks_for_cursors_only_when_one_is_selected() {
        let cursors = |q: &str| match &plan(q, None).expect("planned").fields[0].op {
            Op::Entities { cursors, .. } => *cursors,
            op => panic!("{op:?}"),
        };
        assert!(!cursors(
            "{ entities { nodes { id } totalCount pageInfo { hasNextPage } } }"
        ));
        assert!(cursors("{ entities { edges { cursor } } }"));
        assert!(cursors("{ entities { pageInfo { endCursor } } }"));
    }
}
