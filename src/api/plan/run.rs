//! Running a [`Plan`] over one graph version: the JSON answer written straight from the graph
//! into one buffer, with no value tree and no future per field. Pages come from the same
//! functions the resolvers call, so the two cannot order or cut a list differently; what this
//! adds is only the writing.
//!
//! Every step returns `Option`: `None` means "not here", and the request goes to the executor,
//! which answers it (errors included) as it always has. So the plan answers only requests that
//! succeed whole, within every limit with room to spare.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use async_graphql::ScalarType;
use async_graphql::resolver_utils::EnumType;
use async_graphql_value::{ConstValue, Value};
use chrono::{Datelike, NaiveDate};
use petgraph::stable_graph::NodeIndex;
use serde_json::Map;

use super::compile::{Arg, Field, Op, PageArgs, Plan, Scalar, VarBase, VarType};
use crate::api::analysis::{
    self, DEFAULT_DEPTH, DEFAULT_HOPS, DEFAULT_NEIGHBORHOOD, Granularity, Group, MAX_DEPTH,
    MAX_NEIGHBORHOOD, RelationStatus, TimelinePage, endpoints, in_range, no_connection,
    timeline_page,
};
use crate::api::listing::{entities_page, events_page};
use crate::api::pagination::{self, Page, PageInfo};
use crate::api::query::{EntityOrderField, MatchedOn, check_query, search_first_page};
use crate::api::scalars::{Date, FuzzyDate};
use crate::api::types::{
    self, DatePrecision, EntityKind, EventKind, ParticipantRole, RelationDirection, RelationType,
};
use crate::graph::{self, Graph, Kind, RelationView};

/// What a step gives back: `None` hands the request to the executor.
type Step = Option<()>;

/// The request's variables as sent (JSON), or none.
pub(super) type Vars<'a> = Option<&'a Map<String, serde_json::Value>>;

/// The answer to `plan` on `g`, `{"data":...}`, or `None` if the executor must answer:
/// a variable the plan cannot vouch for, anything missing or refused, more than `max_items`
/// list items or `max_bytes` bytes.
pub fn run(
    plan: &Plan,
    g: &Arc<Graph>,
    vars: Vars<'_>,
    max_items: usize,
    max_bytes: usize,
) -> Option<Vec<u8>> {
    for v in &plan.variables {
        match vars.and_then(|m| m.get(v.name.as_str())) {
            Some(value) => fits(&v.ty, value).then_some(())?,
            None if v.default.is_none() && !v.ty.nullable => return None,
            None => {}
        }
    }
    let mut r = Run {
        g,
        plan,
        vars,
        out: Vec::with_capacity(plan.last_len.load(Relaxed).clamp(512, max_bytes.max(512))),
        items: 0,
        max_items,
        max_bytes,
    };
    r.out.extend_from_slice(b"{\"data\":");
    r.query(&plan.fields)?;
    r.out.push(b'}');
    r.room()?;
    plan.last_len.store(r.out.len(), Relaxed);
    Some(r.out)
}

/// Whether a variable's JSON value is one of its type, as the executor would coerce it (only
/// the forms the plan is sure of: anything else is the executor's to accept or refuse).
fn fits(ty: &VarType, v: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    if v.is_null() {
        return ty.nullable;
    }
    match &ty.base {
        VarBase::List(inner) => match v {
            J::Array(items) => items.iter().all(|i| fits(inner, i)),
            // One value where a list is expected is a list of one.
            one => fits(inner, one),
        },
        VarBase::Scalar(s) => match (s, v) {
            (Scalar::Id | Scalar::String, J::String(_)) => true,
            (Scalar::Int, J::Number(n)) => n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
            (Scalar::Boolean, J::Bool(_)) => true,
            (Scalar::Date, J::String(s)) => {
                <Date as ScalarType>::parse(ConstValue::String(s.clone())).is_ok()
            }
            (Scalar::EntityKind, J::String(s)) => named::<EntityKind>(s).is_some(),
            (Scalar::RelationType, J::String(s)) => named::<RelationType>(s).is_some(),
            (Scalar::RelationDirection, J::String(s)) => named::<RelationDirection>(s).is_some(),
            (Scalar::Granularity, J::String(s)) => named::<Granularity>(s).is_some(),
            _ => false,
        },
    }
}

/// The GraphQL name of an API enum value.
fn name_of<T: EnumType + PartialEq + Copy + 'static>(v: T) -> &'static str {
    T::items()
        .iter()
        .find(|i| i.value == v)
        .map_or("", |i| i.name)
}

/// The API enum value of a GraphQL name.
fn named<T: EnumType + Copy + 'static>(name: &str) -> Option<T> {
    T::items().iter().find(|i| i.name == name).map(|i| i.value)
}

/// The GraphQL type of an entity of `kind`.
fn entity_type(kind: Kind) -> &'static str {
    match kind {
        Kind::State => "State",
        Kind::Person => "Person",
        Kind::Organization => "Organization",
        Kind::Treaty => "Treaty",
        Kind::Event => "Event",
        Kind::Source => "Source",
    }
}

/// An argument's value, wherever it comes from.
#[derive(Clone, Copy)]
enum In<'a> {
    Null,
    Lit(&'a Value),
    Json(&'a serde_json::Value),
    Const(&'a ConstValue),
}

impl<'a> In<'a> {
    fn str(self) -> Option<Option<&'a str>> {
        match self {
            In::Null
            | In::Lit(Value::Null)
            | In::Json(serde_json::Value::Null)
            | In::Const(ConstValue::Null) => Some(None),
            In::Lit(Value::String(s)) | In::Const(ConstValue::String(s)) => Some(Some(s)),
            In::Json(serde_json::Value::String(s)) => Some(Some(s)),
            _ => None,
        }
    }

    fn int(self) -> Option<Option<i32>> {
        let n = match self {
            In::Null
            | In::Lit(Value::Null)
            | In::Json(serde_json::Value::Null)
            | In::Const(ConstValue::Null) => return Some(None),
            In::Lit(Value::Number(n)) | In::Const(ConstValue::Number(n)) => n.as_i64(),
            In::Json(serde_json::Value::Number(n)) => n.as_i64(),
            _ => None,
        }?;
        Some(Some(i32::try_from(n).ok()?))
    }

    /// One enum value, by name.
    fn one<T: EnumType + Copy + 'static>(self) -> Option<T> {
        match self {
            In::Lit(Value::Enum(n)) | In::Const(ConstValue::Enum(n)) => named(n.as_str()),
            In::Json(serde_json::Value::String(s)) => named(s),
            _ => None,
        }
    }
}

struct Run<'a> {
    g: &'a Arc<Graph>,
    plan: &'a Plan,
    vars: Vars<'a>,
    out: Vec<u8>,
    items: usize,
    max_items: usize,
    max_bytes: usize,
}

impl<'a> Run<'a> {
    // --- Arguments -------------------------------------------------------------------------

    fn value(&self, v: &'a Value) -> In<'a> {
        match v {
            Value::Variable(name) => {
                if let Some(j) = self.vars.and_then(|m| m.get(name.as_str())) {
                    return In::Json(j);
                }
                let declared = self.plan.variables.iter().find(|d| d.name == *name);
                match declared.and_then(|d| d.default.as_ref()) {
                    Some(c) => In::Const(c),
                    None => In::Null,
                }
            }
            v => In::Lit(v),
        }
    }

    fn arg(&self, a: &'a Arg) -> In<'a> {
        a.as_ref().map_or(In::Null, |v| self.value(v))
    }

    /// A list of enum values (one value is a list of one); `Some(None)` for null.
    fn enums<T: EnumType + Copy + 'static>(&self, a: &'a Arg) -> Option<Option<Vec<T>>> {
        let v = self.arg(a);
        let items: Vec<T> = match v {
            In::Null
            | In::Lit(Value::Null)
            | In::Json(serde_json::Value::Null)
            | In::Const(ConstValue::Null) => return Some(None),
            In::Lit(Value::List(l)) => l
                .iter()
                .map(|i| self.value(i).one())
                .collect::<Option<_>>()?,
            In::Json(serde_json::Value::Array(l)) => {
                l.iter().map(|i| In::Json(i).one()).collect::<Option<_>>()?
            }
            In::Const(ConstValue::List(l)) => l
                .iter()
                .map(|i| In::Const(i).one())
                .collect::<Option<_>>()?,
            one => vec![one.one()?],
        };
        Some(Some(items))
    }

    /// A `Date` argument, parsed as the scalar parses it; `Some(None)` for null.
    fn day(&self, a: &'a Arg) -> Option<Option<Date>> {
        match self.arg(a).str()? {
            None => Some(None),
            Some(s) => Some(Some(
                <Date as ScalarType>::parse(ConstValue::String(s.to_string())).ok()?,
            )),
        }
    }

    /// An `Int!` argument with a default: the default when absent; a null is the
    /// executor's to refuse.
    fn int_or(&self, a: &'a Arg, default: i32) -> Option<i32> {
        if a.is_none() {
            return Some(default);
        }
        self.arg(a).int()?
    }

    /// A list of entity kinds; `None` inside for null.
    fn kinds(&self, a: &'a Arg) -> Option<Option<Vec<Kind>>> {
        Some(
            self.enums::<EntityKind>(a)?
                .map(|k| k.into_iter().map(Kind::from).collect()),
        )
    }

    fn page(&self, p: &'a PageArgs) -> Option<pagination::PageArgs> {
        Some(pagination::PageArgs {
            first: self.arg(&p.first).int()?,
            after: self.arg(&p.after).str()?.map(str::to_string),
            last: self.arg(&p.last).int()?,
            before: self.arg(&p.before).str()?.map(str::to_string),
        })
    }

    // --- Limits ----------------------------------------------------------------------------

    /// Counts `n` list items; past the budget the executor answers (and refuses).
    fn charge(&mut self, n: usize) -> Step {
        self.items += n;
        (self.items <= self.max_items).then_some(())
    }

    fn room(&self) -> Step {
        (self.out.len() <= self.max_bytes).then_some(())
    }

    // --- JSON ------------------------------------------------------------------------------

    fn str(&mut self, s: &str) -> Step {
        // Most names and ids need no escape: copied as they are. Anything else is written
        // by serde_json, as the executor's answer is.
        if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
            self.out.reserve(s.len() + 2);
            self.out.push(b'"');
            self.out.extend_from_slice(s.as_bytes());
            self.out.push(b'"');
            return Some(());
        }
        serde_json::to_writer(&mut self.out, s).ok()
    }

    fn opt_str(&mut self, s: Option<&str>) -> Step {
        match s {
            Some(s) => self.str(s),
            None => self.raw("null"),
        }
    }

    fn raw(&mut self, s: &str) -> Step {
        self.out.extend_from_slice(s.as_bytes());
        Some(())
    }

    fn float(&mut self, x: f64) -> Step {
        // serde_json writes a float as the executor's value does (shortest round trip).
        serde_json::to_writer(&mut self.out, &x).ok()
    }

    fn num(&mut self, n: u64) -> Step {
        write!(self.out, "{n}").ok()
    }

    fn bool(&mut self, b: bool) -> Step {
        self.raw(if b { "true" } else { "false" })
    }

    fn date(&mut self, d: Option<NaiveDate>) -> Step {
        match d {
            None => self.raw("null"),
            // What the `Date` scalar writes, for the years it writes in four digits.
            Some(d) if (0..=9999).contains(&d.year()) => write!(
                self.out,
                "\"{:04}-{:02}-{:02}\"",
                d.year(),
                d.month(),
                d.day()
            )
            .ok(),
            Some(_) => None,
        }
    }

    fn object(
        &mut self,
        fields: &'a [Field],
        mut each: impl FnMut(&mut Self, &'a Field) -> Step,
    ) -> Step {
        self.out.push(b'{');
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.out.extend_from_slice(f.key.as_bytes());
            each(self, f)?;
        }
        self.out.push(b'}');
        self.room()
    }

    fn list<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut each: impl FnMut(&mut Self, T) -> Step,
    ) -> Step {
        self.out.push(b'[');
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            each(self, item)?;
        }
        self.out.push(b']');
        Some(())
    }

    // --- Types -----------------------------------------------------------------------------

    fn query(&mut self, fields: &'a [Field]) -> Step {
        let g = self.g;
        self.object(fields, |r, f| match &f.op {
            Op::Typename(t) => r.str(t),
            Op::Entity { id } => {
                // A missing entity is a NOT_FOUND error: the executor's to give.
                let ix = g.lookup(r.arg(id).str()??)?;
                r.entity(ix, &f.fields)
            }
            Op::Entities {
                kinds,
                page,
                cursors,
            } => r.entities(kinds, page, *cursors, &f.fields),
            Op::Events {
                from,
                to,
                page,
                cursors,
            } => r.events(from, to, page, *cursors, &f.fields),
            Op::RelationStatus {
                from,
                rel,
                to,
                as_of,
            } => {
                let (from, to) = (g.lookup(r.arg(from).str()??)?, g.lookup(r.arg(to).str()??)?);
                let rel: RelationType = r.arg(rel).one()?;
                let day = r.day(as_of)??;
                let status = RelationStatus::new(g, from, rel.into(), to, day.0);
                r.relation_status(&status, &f.fields)
            }
            Op::Timeline {
                group_by,
                from,
                to,
                first,
                after,
            } => {
                let group_by: Granularity = r.arg(group_by).one()?;
                let (from, to) = (r.day(from)?, r.day(to)?);
                let first = r.arg(first).int()?;
                let after = r.arg(after).str()?.map(str::to_string);
                let page = timeline_page(g, group_by, from, to, None, None, first, after).ok()?;
                r.timeline(&page, &f.fields)
            }
            Op::Search {
                query,
                kinds,
                page,
                cursors,
            } => {
                let query = r.arg(query).str()??;
                check_query(query).ok()?;
                let kinds = r.kinds(kinds)?;
                let args = r.page(page)?;
                if args.last.is_some() || args.before.is_some() {
                    return None;
                }
                let page = search_first_page(g, query, kinds.as_deref(), &args, *cursors).ok()?;
                r.search(&page, &f.fields)
            }
            Op::Neighborhood {
                id,
                depth,
                types,
                kinds,
                as_of,
                limit,
            } => {
                let center = g.lookup(r.arg(id).str()??)?;
                let depth =
                    in_range("depth", r.int_or(depth, DEFAULT_DEPTH)?, 1, MAX_DEPTH).ok()?;
                let limit = r.int_or(limit, DEFAULT_NEIGHBORHOOD)?;
                let limit = in_range("limit", limit, 1, MAX_NEIGHBORHOOD).ok()?;
                let kinds = r.kinds(kinds)?;
                let filter = analysis::filter(r.enums(types)?, r.day(as_of)?);
                let sub = g.neighborhood(center, depth, &filter, kinds.as_deref(), limit);
                r.charge(sub.nodes.len() + sub.edges.len())?;
                r.neighborhood(center, &sub, &f.fields)
            }
            Op::Path {
                from,
                to,
                max_hops,
                types,
                as_of,
            } => {
                let (from, to) = (r.arg(from).str()??, r.arg(to).str()??);
                let hops = r.int_or(max_hops, DEFAULT_HOPS)?;
                let (a, b, hops) = endpoints(g, from, to, hops).ok()?;
                let filter = analysis::filter(r.enums(types)?, r.day(as_of)?);
                let path = g.shortest_path(a, b, hops, &filter);
                r.charge(path.as_ref().map_or(0, |p| p.len() + 1))?;
                r.path_result(path.as_ref(), hops, &f.fields)
            }
            _ => None,
        })
    }

    fn entity(&mut self, ix: NodeIndex, fields: &'a [Field]) -> Step {
        let g = self.g;
        let n = g.node(ix);
        self.object(fields, |r, f| match &f.op {
            Op::EntityTypename => r.str(entity_type(n.kind)),
            Op::Typename(t) => r.str(t),
            Op::Id => r.str(n.id.as_str()),
            Op::Name => r.str(n.name_in(None)),
            Op::Kind => r.str(name_of(EntityKind::from(n.kind))),
            Op::Description => r.str(&n.description),
            Op::Aliases => {
                r.charge(n.aliases.len())?;
                r.list(&n.aliases, |r, a| r.str(a))
            }
            Op::Degree => r.num(g.degree(ix) as u64),
            Op::Relations {
                types,
                page,
                cursors,
            } => r.relations(ix, types, page, *cursors, &f.fields),
            Op::Date => r.date(Some(n.event()?.date.date)),
            Op::DatePrecision => r.str(name_of(DatePrecision::from(n.event()?.date.precision))),
            Op::DateText => match ScalarType::to_value(&FuzzyDate(n.event()?.date)) {
                ConstValue::String(s) => r.str(&s),
                _ => None,
            },
            Op::EventKind => r.str(name_of(EventKind::from(n.event()?.kind))),
            Op::Participants => {
                let participants = g.participants(ix);
                r.charge(participants.len())?;
                r.list(&participants, |r, &(other, rel, edge)| {
                    r.object(&f.fields, |r, p| match &p.op {
                        Op::Typename(t) => r.str(t),
                        Op::Other => r.entity(other, &p.fields),
                        Op::ParticipantRole => r.str(name_of(ParticipantRole::of(rel))),
                        Op::Evidence => r.evidence_list(g.evidence(edge), &p.fields),
                        Op::EvidenceInherited => r.bool(g.evidence_inherited_from(edge).is_some()),
                        _ => None,
                    })
                })
            }
            Op::Title => r.str(&n.source()?.title),
            Op::Url => r.opt_str(n.source()?.url.as_deref()),
            _ => None,
        })
    }

    fn entities(
        &mut self,
        kinds: &'a Arg,
        page: &'a PageArgs,
        cursors: bool,
        fields: &'a [Field],
    ) -> Step {
        let g = self.g;
        let kinds: Option<Vec<Kind>> = self
            .enums::<EntityKind>(kinds)?
            .map(|k| k.into_iter().map(Kind::from).collect());
        let kinds = g.kinds_or_all(kinds.as_deref());
        let args = self.page(page)?;
        let page = entities_page(g, &kinds, EntityOrderField::Id, false, &args, cursors).ok()?;
        let total = || kinds.iter().map(|&k| g.kind_count(k) as u64).sum();
        self.node_page(&page, total, fields)
    }

    /// A page of entities or events: `nodes`, `edges { cursor node }`, `totalCount` (`total`,
    /// counted only when selected) and `pageInfo`.
    fn node_page(
        &mut self,
        page: &Page<NodeIndex>,
        total: impl Fn() -> u64,
        fields: &'a [Field],
    ) -> Step {
        self.charge(page.items.len())?;
        self.object(fields, |r, f| match &f.op {
            Op::Typename(t) => r.str(t),
            Op::Nodes => r.list(&page.items, |r, (_, ix)| r.entity(*ix, &f.fields)),
            Op::Edges => r.list(&page.items, |r, (cursor, ix)| {
                r.object(&f.fields, |r, e| match &e.op {
                    Op::Typename(t) => r.str(t),
                    Op::Cursor => r.str(cursor),
                    Op::Node => r.entity(*ix, &e.fields),
                    _ => None,
                })
            }),
            Op::TotalCount => r.num(total()),
            Op::PageInfo => r.page_info(&page.info, &f.fields),
            _ => None,
        })
    }

    fn page_info(&mut self, info: &PageInfo, fields: &'a [Field]) -> Step {
        self.object(fields, |r, f| match &f.op {
            Op::Typename(t) => r.str(t),
            Op::HasNextPage => r.bool(info.has_next_page),
            Op::HasPreviousPage => r.bool(info.has_previous_page),
            Op::StartCursor => r.opt_str(info.start_cursor.as_deref()),
            Op::EndCursor => r.opt_str(info.end_cursor.as_deref()),
            _ => None,
        })
    }

    fn relations(
        &mut self,
        ix: NodeIndex,
        types: &'a Arg,
        page: &'a PageArgs,
        cursors: bool,
        fields: &'a [Field],
    ) -> Step {
        let types: Option<Vec<graph::RelationType>> = self
            .enums::<RelationType>(types)?
            .map(|t| t.into_iter().map(Into::into).collect());
        let args = self.page(page)?;
        let page = types::relation_page(self.g, ix, types, None, None, &args, cursors).ok()?;
        self.charge(page.items.len())?;
        self.object(fields, |r, f| match &f.op {
            Op::Typename(t) => r.str(t),
            Op::Edges => r.list(&page.items, |r, (cursor, view)| {
                r.relation_edge(cursor, view, &f.fields)
            }),
            Op::EdgeEntities => r.list(&page.items, |r, (_, v)| r.entity(v.other, &f.fields)),
            Op::TotalCount => r.num((page.count)() as u64),
            Op::PageInfo => r.page_info(&page.info, &f.fields),
            _ => None,
        })
    }

    fn relation_edge(&mut self, cursor: &str, view: &RelationView, fields: &'a [Field]) -> Step {
        let g = self.g;
        let rel = g.relation(view.edge);
        self.object(fields, |r, f| match &f.op {
            Op::Typename(t) => r.str(t),
            Op::Cursor => r.str(cursor),
            Op::Other => r.entity(view.other, &f.fields),
            Op::Direction => r.str(name_of(RelationDirection::from(view.direction))),
            Op::RelType => r.str(name_of(RelationType::from(rel.rel))),
            Op::Role => r.opt_str(rel.role().map(|s| &**s)),
            Op::ValidFrom => r.date(rel.valid_from.map(|b| b.date)),
            Op::ValidUntil => r.date(rel.valid_until.map(|b| b.date)),
            Op::Evidence => r.evidence_list(g.evidence(view.edge), &f.fields),
            _ => None,
        })
    }

    fn evidence_list(&mut self, evidence: &'a [graph::Evidence], fields: &'a [Field]) -> Step {
        self.charge(evidence.len())?;
        self.list(evidence, |r, ev| r.evidence(ev, fields))
    }

    fn events(
        &mut self,
        from: &'a Arg,
        to: &'a Arg,
        page: &'a PageArgs,
        cursors: bool,
        fields: &'a [Field],
    ) -> Step {
        let g = self.g;
        let (from, to) = (self.day(from)?.map(|d| d.0), self.day(to)?.map(|d| d.0));
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            // Refused by the resolver: the executor's error to give.
            return None;
        }
        let args = self.page(page)?;
        let page = events_page(g, from, to, false, &args, cursors).ok()?;
        let total = || match (from, to) {
            (None, None) => g.event_count(),
            _ => g.event_count_in(from, to),
        } as u64;
        self.node_page(&page, total, fields)
    }

    fn relation_status(&mut self, status: &RelationStatus, fields: &'a [Field]) -> Step {
        self.object(fields, |r, f| match &f.op {
            Op::Typename(t) => r.str(t),
            Op::Holds => r.bool(status.holds_on_day()),
            Op::AsOf => r.date(Some(status.on())),
            Op::Explanation => r.str(&status.explain()),
            _ => None,
        })
    }

    fn timeline(&mut self, page: &TimelinePage, fields: &'a [Field]) -> Step {
        let g = self.g;
        let group = |r: &mut Self, group: &Group, fields: &'a [Field]| {
            r.object(fields, |r, f| match &f.op {
                Op::Typename(t) => r.str(t),
                Op::Period => r.str(&group.period),
                Op::GroupStart => r.date(Some(group.start)),
                Op::GroupEnd => r.date(Some(group.end)),
                Op::Count => r.num(group.events.len() as u64),
                Op::GroupEvents => {
                    r.charge(group.events.len())?;
                    r.list(&group.events, |r, &ix| r.entity(ix, &f.fields))
                }
                _ => None,
            })
        };
        self.object(fields, |r, f| match &f.op {
            Op::Typename(t) => r.str(t),
            Op::Nodes => r.list(&page.groups, |r, gr| group(r, gr, &f.fields)),
            Op::Edges => r.list(&page.groups, |r, gr| {
                r.object(&f.fields, |r, e| match &e.op {
                    Op::Typename(t) => r.str(t),
                    Op::Cursor => r.str(&gr.cursor(g)),
                    Op::Node => group(r, gr, &e.fields),
                    _ => None,
                })
            }),
            Op::PageInfo => {
                let info = PageInfo {
                    has_next_page: page.has_next_page,
                    has_previous_page: false,
                    start_cursor: page.groups.first().map(|gr| gr.cursor(g)),
                    end_cursor: page.groups.last().map(|gr| gr.cursor(g)),
                };
                r.page_info(&info, &f.fields)
            }
            _ => None,
        })
    }

    fn search(&mut self, page: &Page<graph::SearchHit>, fields: &'a [Field]) -> Step {
        self.charge(page.items.len())?;
        self.object(fields, |r, f| match &f.op {
            Op::Typename(t) => r.str(t),
            Op::Edges => r.list(&page.items, |r, (cursor, hit)| {
                r.object(&f.fields, |r, e| match &e.op {
                    Op::Typename(t) => r.str(t),
                    Op::Cursor => r.str(cursor),
                    Op::Node => r.entity(hit.node, &e.fields),
                    Op::Score => r.float(hit.score),
                    Op::MatchedOn => r.str(name_of(MatchedOn::from(&hit.matched_on))),
                    Op::MatchedText => r.str(&hit.matched_text),
                    Op::MatchedLanguage => r.opt_str(hit.matched_on.language()),
                    _ => None,
                })
            }),
            Op::Nodes => r.list(&page.items, |r, (_, hit)| r.entity(hit.node, &f.fields)),
            Op::TotalCount => r.num(page.total as u64),
            Op::PageInfo => r.page_info(&page.info, &f.fields),
            _ => None,
        })
    }

    fn neighborhood(
        &mut self,
        center: NodeIndex,
        sub: &graph::Subgraph,
        fields: &'a [Field],
    ) -> Step {
        let g = self.g;
        self.object(fields, |r, f| match &f.op {
            Op::Typename(t) => r.str(t),
            Op::Center => r.entity(center, &f.fields),
            Op::Nodes => r.list(&sub.nodes, |r, &ix| r.entity(ix, &f.fields)),
            Op::Edges => r.list(&sub.edges, |r, &edge| {
                let rel = g.relation(edge);
                r.object(&f.fields, |r, e| match &e.op {
                    Op::Typename(t) => r.str(t),
                    Op::Id => r.str(g.relation_id(edge).as_ref()),
                    Op::SourceId => r.str(g.node(g.ends(edge).0).id.as_str()),
                    Op::TargetId => r.str(g.node(g.ends(edge).1).id.as_str()),
                    Op::RelType => r.str(name_of(RelationType::from(rel.rel))),
                    Op::Label => r.str(rel.role().map_or(rel.rel.as_str(), |s| &**s)),
                    _ => None,
                })
            }),
            Op::Truncated => r.bool(sub.truncated),
            Op::DepthReached => r.num(sub.depth_reached as u64),
            _ => None,
        })
    }

    fn path_result(
        &mut self,
        path: Option<&graph::Path>,
        hops: usize,
        fields: &'a [Field],
    ) -> Step {
        let g = self.g;
        self.object(fields, |r, f| match &f.op {
            Op::Typename(t) => r.str(t),
            Op::Found => r.bool(path.is_some()),
            Op::Reason => r.opt_str(path.is_none().then(|| no_connection(hops)).as_deref()),
            Op::PathOf => match path {
                None => r.raw("null"),
                Some(p) => r.object(&f.fields, |r, pf| match &pf.op {
                    Op::Typename(t) => r.str(t),
                    Op::Length => r.num(p.len() as u64),
                    Op::Nodes => r.list(p.nodes(), |r, ix| r.entity(ix, &pf.fields)),
                    Op::Hops => r.list(&p.hops, |r, hop| {
                        r.object(&pf.fields, |r, h| match &h.op {
                            Op::Typename(t) => r.str(t),
                            Op::HopFrom => r.entity(hop.from, &h.fields),
                            Op::HopTo => r.entity(hop.to, &h.fields),
                            Op::Direction => r.str(name_of(RelationDirection::from(hop.direction))),
                            Op::RelType => {
                                r.str(name_of(RelationType::from(g.relation(hop.edge).rel)))
                            }
                            Op::Evidence => r.evidence_list(g.evidence(hop.edge), &h.fields),
                            _ => None,
                        })
                    }),
                    _ => None,
                }),
            },
            _ => None,
        })
    }

    fn evidence(&mut self, ev: &graph::Evidence, fields: &'a [Field]) -> Step {
        let g = self.g;
        let utf16 = |byte: u32| {
            g.node(ev.source)
                .source()
                .map_or(byte as usize, |s| s.utf16_offset(byte as usize)) as u64
        };
        self.object(fields, |r, f| match &f.op {
            Op::Typename(t) => r.str(t),
            Op::Quote => r.str(g.quote(ev)),
            Op::Start => r.num(utf16(ev.start)),
            Op::End => r.num(utf16(ev.start + ev.len)),
            Op::ByteStart => r.num(ev.start.into()),
            Op::ByteEnd => r.num((ev.start + ev.len).into()),
            Op::Sentence => r.str(g.sentence_of(ev).unwrap_or(g.quote(ev))),
            Op::Source => {
                // A missing source is an internal error: the executor's to report.
                g.contains(ev.source).then_some(())?;
                r.entity(ev.source, &f.fields)
            }
            _ => None,
        })
    }
}
