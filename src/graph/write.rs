//! Writes to a graph version. Each operation validates only what it changes (ids, kinds, ends,
//! quotes, dates, and the dependants of a date rule) and updates the indexes it touches, so a
//! write costs O(touched · log n) whatever the size of the graph. Operations change `self`, a
//! clone of the current version: a failed batch is simply dropped, and readers of the old
//! version never see a half-made change.
//!
//! The bulk loader ([`super::GraphBuilder`]) goes through the same operations, so a seed and a
//! write are checked by the same code.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Months, NaiveDate};
use petgraph::graph::{EdgeIndex, NodeIndex};

use super::GraphError;
use super::build::{
    EventDate, NewEvent, NewEvidence, NewInferred, NewNode, NewRelation, NewSource, NewStatements,
    ValiditySpec,
};
use super::model::*;
use super::store::*;

/// A relation that refers to a node in a way that keeps it from being removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Referrer {
    /// A relation at the node, or bounded by the event's date.
    Relation(Arc<str>),
    /// An event the node takes part in, or whose date rule names it.
    Event(NodeId),
    /// A source the node is the publisher of.
    Publisher(NodeId),
    /// An event or relation citing the source.
    Citation(String),
}

/// An event checked by [`Graph::prepare_event`], to store with [`Graph::commit_event`].
#[derive(Debug)]
pub struct PreparedEvent {
    node: Arc<Node>,
    /// `(notification, treaty)` of its date rule.
    rule: Option<(String, String)>,
    /// How its given date was inferred: checked once the event it names is known.
    inferred: Option<NewInferred>,
}

/// An entity checked by [`Graph::prepare_entity`], to store with [`Graph::commit_entity`].
#[derive(Debug)]
pub struct PreparedEntity {
    node: Arc<Node>,
}

/// An event's participants checked by [`Graph::prepare_participants`]: the type and the
/// other end of each relation (the event is its start or end as the type says), to store with
/// [`Graph::commit_participants`].
#[derive(Debug)]
pub struct PreparedParticipants {
    edges: Vec<(RelationType, NodeIndex, Option<Evidence>)>,
}

/// A relation checked by [`Graph::prepare_relation`], to store with
/// [`Graph::commit_relation`].
#[derive(Debug)]
pub struct PreparedRelation {
    from: NodeIndex,
    to: NodeIndex,
    rel: Relation,
}

/// Who takes part in an event, by id, as the records give them.
#[derive(Debug, Clone, Default)]
pub struct Participants {
    pub actors: Vec<NewParticipant>,
    pub addressed_to: Vec<NewParticipant>,
    pub concerns: Vec<NewParticipant>,
}

/// One participant: who, and optionally the words of the source that name their part (else
/// the participation shows the event's evidence, marked as the event's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewParticipant {
    pub id: String,
    pub evidence: Option<NewEvidence>,
}

impl NewParticipant {
    pub fn id(id: impl Into<String>) -> NewParticipant {
        NewParticipant {
            id: id.into(),
            evidence: None,
        }
    }
}

impl Graph {
    // -----------------------------------------------------------------------------------------
    // Nodes.

    /// Adds a state, person, organisation or treaty.
    pub fn add_entity(&mut self, kind: Kind, n: NewNode) -> Result<NodeIndex, GraphError> {
        let p = self.prepare_entity(kind, n)?;
        self.commit_entity(p)
    }

    /// The checks of [`Graph::add_entity`] that read the graph but change nothing (a bulk
    /// load runs them on another thread, where the id's being free is only a first check).
    pub(super) fn prepare_entity(
        &self,
        kind: Kind,
        mut n: NewNode,
    ) -> Result<PreparedEntity, GraphError> {
        let detail = entity_detail(kind, &n)?;
        let statements = std::mem::take(&mut n.statements);
        let mut node = self.prepare_node(kind, n, detail)?;
        node.statements = self.check_statements(&node, statements)?;
        Ok(PreparedEntity {
            node: Arc::new(node),
        })
    }

    /// Stores a prepared entity if its id is still free.
    pub(super) fn commit_entity(&mut self, p: PreparedEntity) -> Result<NodeIndex, GraphError> {
        self.free_id(p.node.id.as_str())?;
        let ix = self.push_node(p.node);
        self.cite_new(Citer::Node(ix));
        Ok(ix)
    }

    /// A new node's id: well-formed and not taken.
    fn free_id(&self, raw: &str) -> Result<NodeId, GraphError> {
        let id = NodeId::parse(raw)?;
        if self.lookup(id.as_str()).is_some() {
            return Err(GraphError::DuplicateId { id: id.to_string() });
        }
        Ok(id)
    }

    /// Adds a source. Its statements may quote its own text, so they are checked once it is in.
    pub fn add_source(&mut self, mut s: NewSource) -> Result<NodeIndex, GraphError> {
        let statements = std::mem::take(&mut s.statements);
        let (names, detail) = source_parts(s)?;
        let ix = self.insert_node(Kind::Source, names, detail)?;
        self.set_statements(ix, statements)?;
        Ok(ix)
    }

    /// Checks and sets a node's statements, replacing those it had.
    fn set_statements(&mut self, ix: NodeIndex, s: NewStatements) -> Result<(), GraphError> {
        let checked = self.check_statements(self.node(ix), s)?;
        if checked.is_none() && self.node(ix).statements.is_none() {
            return Ok(());
        }
        self.uncite(Citer::Node(ix));
        let mut node = self.node(ix).clone();
        node.statements = checked;
        self.set_node_data(ix, node);
        self.cite(Citer::Node(ix));
        Ok(())
    }

    /// Replaces a node's data where nothing indexed changes (its statements, an inference).
    pub(super) fn set_node_data(&mut self, ix: NodeIndex, node: Node) {
        if let Some(Some(slot)) = self.nodes.get_mut(ix.index()) {
            slot.node = Arc::new(node);
        }
    }

    /// Adds an event. A computed date needs its notification and treaty to exist already,
    /// except in a bulk load, where it is computed when the load finishes.
    pub fn add_event(&mut self, e: NewEvent) -> Result<NodeIndex, GraphError> {
        let p = self.prepare_event(e)?;
        self.commit_event(p)
    }

    /// The checks of [`Graph::add_event`] that read the graph but change nothing: its id, names
    /// and evidence. A bulk load runs them on another thread ([`super::Preparer`]).
    pub(super) fn prepare_event(&self, e: NewEvent) -> Result<PreparedEvent, GraphError> {
        let evidence = self.check_evidence(|| format!("event `{}`", e.id), &e.evidence)?;
        // A placeholder until the rule is applied by the commit or by the bulk load's end.
        let (date, rule) = date_and_rule(&e.date, FuzzyDate::day(NaiveDate::MIN));
        self.check_date_given(&e.id, &e.date, e.inferred.as_ref(), &evidence)?;
        let detail = Detail::Event(EventData {
            kind: e.kind,
            date,
            rule: None,
            inferred: None,
            evidence,
        });
        let names = NewNode {
            id: e.id,
            name: e.title,
            labels: e.labels,
            aliases: e.aliases,
            same_as: e.same_as,
            description: e.description,
            notice_period_months: None,
            statements: NewStatements::default(),
        };
        let mut node = self.prepare_node(Kind::Event, names, detail)?;
        node.statements = self.check_statements(&node, e.statements)?;
        Ok(PreparedEvent {
            node: Arc::new(node),
            rule,
            inferred: e.inferred,
        })
    }

    /// A given date is stated by the event's evidence, unless it says how it was inferred; a
    /// computed one is neither.
    fn check_date_given(
        &self,
        id: &str,
        date: &EventDate,
        inferred: Option<&NewInferred>,
        evidence: &[Evidence],
    ) -> Result<(), GraphError> {
        match (date, inferred) {
            (EventDate::Given(d), None) => {
                self.check_stated(|| id.to_string(), || format!("event `{id}`"), *d, evidence)
            }
            (EventDate::Given(_), Some(_)) => Ok(()),
            (EventDate::NoticePeriod { .. }, Some(_)) => Err(GraphError::DateNotStated {
                id: id.to_string(),
                what: format!("event `{id}`"),
                date: "a computed date".into(),
                why: "a date computed by a rule is not also inferred".into(),
            }),
            (EventDate::NoticePeriod { .. }, None) => Ok(()),
        }
    }

    /// Sets an event's inference from its input: checked now, or (in a bulk load, where the
    /// event it names may come later or have a computed date) when the load finishes.
    fn apply_inferred(
        &mut self,
        ix: NodeIndex,
        inferred: Option<NewInferred>,
    ) -> Result<(), GraphError> {
        let Some(inf) = inferred else {
            self.set_inferred(ix, None);
            return Ok(());
        };
        if self.bulk {
            self.bulk_state
                .get_or_insert_with(Default::default)
                .inferred
                .push((ix, inf));
            return Ok(());
        }
        let id = self.node(ix).id.to_string();
        let resolved = self.resolve_inferred(&id, &inf)?;
        self.set_inferred(ix, Some(resolved));
        self.check_inferred_soon(ix)
    }

    /// Stores a prepared event: what [`Graph::add_event`] does after the read-only checks.
    pub(super) fn commit_event(&mut self, p: PreparedEvent) -> Result<NodeIndex, GraphError> {
        self.free_id(p.node.id.as_str())?;
        let ix = self.push_node(p.node);
        self.cite_new(Citer::Node(ix));
        if let Some((notification, treaty)) = p.rule {
            if self.bulk {
                self.pending_rules().push((ix, notification, treaty));
            } else {
                self.apply_rule(ix, &notification, &treaty)?;
            }
        }
        self.apply_inferred(ix, p.inferred)?;
        Ok(ix)
    }

    fn insert_node(
        &mut self,
        kind: Kind,
        n: NewNode,
        detail: Detail,
    ) -> Result<NodeIndex, GraphError> {
        let node = self.prepare_node(kind, n, detail)?;
        Ok(self.push_node(Arc::new(node)))
    }

    /// A node checked for storing: its id well-formed and (as far as this graph knows) free,
    /// its names cleaned.
    fn prepare_node(&self, kind: Kind, n: NewNode, detail: Detail) -> Result<Node, GraphError> {
        let id = self.free_id(&n.id)?;
        clean_node(id, kind, n, detail)
    }

    /// Stores a checked node whose id is free, and indexes it.
    fn push_node(&mut self, node: Arc<Node>) -> NodeIndex {
        let (id, kind) = (node.id.clone(), node.kind);
        let ix = NodeIndex::new(self.nodes.len());
        self.nodes.push_back(Some(Slot {
            node,
            adj: Arc::new(Vec::new()),
        }));
        match &mut self.bulk_state {
            Some(b) if self.bulk => {
                // Unshared once the loader's snapshots are gone: no copy then.
                Arc::make_mut(&mut b.ids).insert(id.as_str().into(), ix);
                let kinds = Arc::make_mut(&mut b.kinds);
                kinds.resize(ix.index(), Kind::State);
                kinds.push(kind);
            }
            _ => {
                self.ids.insert(id, ix);
            }
        }
        self.node_total += 1;
        self.kind_counts[kind_slot(kind)] += 1;
        self.index_node(ix, &[]);
        ix
    }

    /// Adds the node to the orderings and the search index; `known` are the texts the search
    /// index already lists it under (its previous version's).
    fn index_node(&mut self, ix: NodeIndex, known: &[String]) {
        let Some(node) = self.slot(ix).map(|s| s.node.clone()) else {
            return;
        };
        let o = &mut self.orders[kind_slot(node.kind)];
        o.by_id.insert(node.id.clone(), ix);
        o.by_name.insert(name_key(&node), ix);
        if !self.bulk {
            let d = self.degree(ix) as u32;
            self.orders[kind_slot(node.kind)]
                .by_degree
                .insert((d, node.id.clone()), ix);
        }
        if let Some(e) = node.event()
            && e.date.date != NaiveDate::MIN
        {
            self.events[precision_slot(e.date.precision)]
                .insert((e.date.date, node.id.clone()), ix);
            // A bulk load counts them once at its end.
            if !self.bulk {
                self.count_event_day(e.date, 1);
            }
        }
        // A bulk load builds the search terms when it finishes, for all nodes at once.
        if !self.bulk {
            let texts = super::search::node_texts(self, &node);
            self.search.insert(ix, &texts, known);
        }
    }

    fn unindex_node(&mut self, ix: NodeIndex) {
        let Some(node) = self.slot(ix).map(|s| s.node.clone()) else {
            return;
        };
        let d = self.degree(ix) as u32;
        let o = &mut self.orders[kind_slot(node.kind)];
        o.by_id.remove(&node.id);
        o.by_name.remove(&name_key(&node));
        o.by_degree.remove(&(d, node.id.clone()));
        if let Some(e) = node.event()
            && self.events[precision_slot(e.date.precision)]
                .remove(&(e.date.date, node.id.clone()))
                .is_some()
            && !self.bulk
        {
            self.count_event_day(e.date, -1);
        }
        // The search index keeps its postings: see `terms.rs` for why a stale one is harmless.
    }

    /// Replaces a node's data (same id and kind), keeping its indexes in step.
    fn replace_node(&mut self, ix: NodeIndex, node: Node) {
        let known = if self.bulk {
            vec![]
        } else {
            super::search::node_texts(self, self.node(ix))
        };
        self.unindex_node(ix);
        if let Some(Some(slot)) = self.nodes.get_mut(ix.index()) {
            slot.node = Arc::new(node);
        }
        self.index_node(ix, &known);
    }

    /// Changes an entity's names, description and (treaties) notice period; dates computed
    /// from the notice period follow.
    pub fn update_entity(&mut self, ix: NodeIndex, mut n: NewNode) -> Result<(), GraphError> {
        let old = self.node(ix).clone();
        let detail = entity_detail(old.kind, &n)?;
        let statements = std::mem::take(&mut n.statements);
        let mut node = clean_node(old.id.clone(), old.kind, n, detail)?;
        node.statements = self.check_statements(&node, statements)?;
        let period_changed = node.detail != old.detail;
        self.uncite(Citer::Node(ix));
        self.replace_node(ix, node);
        self.cite(Citer::Node(ix));
        if period_changed {
            let users = self.refs_of(ix).rule_users.clone();
            for ev in users {
                self.recompute_rule(ev)?;
            }
        }
        Ok(())
    }

    /// Changes a source; every quote citing it must still occur in the new text.
    pub fn update_source(&mut self, ix: NodeIndex, mut s: NewSource) -> Result<(), GraphError> {
        let old = self.node(ix).clone();
        let statements = std::mem::take(&mut s.statements);
        // Its own statements are checked against the new text below, not moved to it.
        self.uncite(Citer::Node(ix));
        let (names, detail) = source_parts(s)?;
        let node = clean_node(old.id.clone(), Kind::Source, names, detail)?;
        let (Some(old_src), Some(new_src)) = (old.source(), node.source()) else {
            return Err(GraphError::UnknownNode {
                id: old.id.to_string(),
            });
        };
        let text_changed = old_src.text != new_src.text;
        let new_text = new_src.text.clone();
        self.replace_node(ix, node);
        if text_changed {
            // The quotes were slices of the old text: find each again in the new one.
            let old_text = &old_src.text;
            let citers = self.refs_of(ix).citers.clone();
            for c in citers {
                self.respan(c, ix, old_text, &new_text)?;
            }
        }
        self.set_statements(ix, statements)
    }

    /// Moves one citer's spans of `source` from the old text to the same words in the new one.
    fn respan(
        &mut self,
        c: Citer,
        source: NodeIndex,
        old: &str,
        new: &str,
    ) -> Result<(), GraphError> {
        let find = |evs: &[Evidence]| -> Result<Arc<[Evidence]>, GraphError> {
            evs.iter()
                .map(|ev| {
                    if ev.source != source {
                        return Ok(*ev);
                    }
                    let quote = old.get(ev.range()).unwrap_or_default();
                    match memchr::memmem::find(new.as_bytes(), quote.as_bytes()) {
                        Some(start) => Ok(Evidence {
                            source,
                            start: start as u32,
                            len: ev.len,
                        }),
                        None => Err(GraphError::QuoteNotFound {
                            source_id: self.node(source).id.to_string(),
                            quote: quote.to_string(),
                        }),
                    }
                })
                .collect()
        };
        match c {
            Citer::Node(e) => {
                let mut node = self.node(e).clone();
                if let Detail::Event(d) = &mut node.detail {
                    d.evidence = find(&d.evidence)?;
                }
                if let Some(st) = &mut node.statements {
                    let bases = st
                        .description
                        .iter_mut()
                        .chain(&mut st.notice_period)
                        .chain(st.claims.iter_mut().map(|c| &mut c.basis));
                    for b in bases {
                        if let Basis::Sourced(evs) = b {
                            *evs = find(evs)?;
                        }
                    }
                }
                self.set_node_data(e, node);
            }
            Citer::Relation(r) => {
                let mut edge = self.edge(r).clone();
                if let Some(evs) = edge.rel.evidence.as_own() {
                    edge.rel.evidence = EvidenceRef::own(find(evs)?);
                }
                self.edges.set(r.index(), Some(edge));
            }
        }
        Ok(())
    }

    /// Changes an event: names, kind, date (or rule) and evidence. Participants are set with
    /// [`Graph::set_participants`]. Dates computed from this one, and validity bounds set by
    /// it, follow.
    pub fn update_event(&mut self, ix: NodeIndex, e: NewEvent) -> Result<(), GraphError> {
        let old = self.node(ix).clone();
        let evidence = self.check_evidence(|| format!("event `{}`", old.id), &e.evidence)?;
        self.check_date_given(old.id.as_str(), &e.date, e.inferred.as_ref(), &evidence)?;
        let old_date = old.event().map(|d| d.date);
        // The old rule goes; a new one is applied below.
        self.drop_rule(ix);
        self.uncite(Citer::Node(ix));
        let placeholder = old_date.unwrap_or(FuzzyDate::day(NaiveDate::MIN));
        let (date, rule) = date_and_rule(&e.date, placeholder);
        let names = NewNode {
            id: old.id.to_string(),
            name: e.title,
            labels: e.labels,
            aliases: e.aliases,
            same_as: e.same_as,
            description: e.description,
            notice_period_months: None,
            statements: NewStatements::default(),
        };
        let detail = Detail::Event(EventData {
            kind: e.kind,
            date,
            rule: None,
            inferred: old.event().and_then(|d| d.inferred.clone()),
            evidence,
        });
        let mut node = clean_node(old.id.clone(), Kind::Event, names, detail)?;
        node.statements = self.check_statements(&node, e.statements)?;
        self.replace_node(ix, node);
        self.cite(Citer::Node(ix));
        self.apply_inferred(ix, e.inferred)?;
        if let Some((notification, treaty)) = rule {
            let n = self
                .lookup_id(&notification)
                .map_err(|err| GraphError::DateRule {
                    id: old.id.to_string(),
                    why: err.to_string(),
                })?;
            if n == ix || self.depends_on(n, ix) {
                return Err(GraphError::DateRule {
                    id: old.id.to_string(),
                    why: "its notification depends, directly or not, on the event itself".into(),
                });
            }
            self.apply_rule(ix, &notification, &treaty)?;
        }
        if self.node(ix).event().map(|d| d.date) != old_date {
            self.propagate_date(ix)?;
        }
        Ok(())
    }

    /// Whether event `a`'s date is computed, directly or not, from event `b`'s.
    fn depends_on(&self, a: NodeIndex, b: NodeIndex) -> bool {
        let mut stack = vec![b];
        let mut seen = std::collections::HashSet::new();
        while let Some(at) = stack.pop() {
            if at == a {
                return true;
            }
            if !seen.insert(at) {
                continue;
            }
            stack.extend(self.rule_dependants(at));
        }
        false
    }

    /// Events whose date is computed from this event's (the targets of its notice-period
    /// `LEADS_TO` relations).
    fn rule_dependants(&self, ix: NodeIndex) -> Vec<NodeIndex> {
        self.type_range(ix, RelationType::LeadsTo)
            .iter()
            .filter(|a| {
                a.dir == Direction::Outgoing
                    && self.relation(a.edge).derived == Some(Derived::NoticePeriod)
            })
            .map(|a| a.other)
            .collect()
    }

    /// Sets event `ix`'s date to the notification's date plus the treaty's notice period,
    /// records the rule, and links the two events with a derived `LEADS_TO` relation.
    pub(super) fn apply_rule(
        &mut self,
        ix: NodeIndex,
        notification: &str,
        treaty: &str,
    ) -> Result<(), GraphError> {
        let id = self.node(ix).id.to_string();
        let err = |why: String| GraphError::DateRule {
            id: id.clone(),
            why,
        };
        let n_ix = self
            .lookup_id(notification)
            .map_err(|e| err(e.to_string()))?;
        self.check_kind(n_ix, Some(&[Kind::Event]), "a notification")
            .map_err(|e| err(e.to_string()))?;
        let t_ix = self.lookup_id(treaty).map_err(|e| err(e.to_string()))?;
        let months = self.notice_period(t_ix, treaty).map_err(err)?;
        let base = self
            .node(n_ix)
            .event()
            .map(|d| d.date)
            .unwrap_or(FuzzyDate::day(NaiveDate::MIN));
        let date = base
            .date
            .checked_add_months(Months::new(months))
            .ok_or_else(|| err("the computed date is out of range".into()))?;
        let mut node = self.node(ix).clone();
        if let Detail::Event(d) = &mut node.detail {
            d.date = FuzzyDate {
                date,
                precision: base.precision,
            };
            d.rule = Some(DateRule::NoticePeriod {
                notification: self.node(n_ix).id.clone(),
                treaty: self.node(t_ix).id.clone(),
                months,
            });
        }
        self.replace_node(ix, node);
        self.refs_mut(t_ix).rule_users.push(ix);
        let relation = Relation {
            names: RelationNames::new(None, Some(Arc::from("notice period"))),
            rel: RelationType::LeadsTo,
            valid_from: None,
            valid_until: None,
            evidence: EvidenceRef::Event(ix),
            derived: Some(Derived::NoticePeriod),
        };
        self.check_new_id(n_ix, RelationType::LeadsTo, ix, None)
            .map_err(|e| err(e.to_string()))?;
        self.insert_edge(n_ix, ix, relation);
        Ok(())
    }

    fn notice_period(&self, t_ix: NodeIndex, treaty: &str) -> Result<u32, String> {
        match self.node(t_ix).detail {
            Detail::Treaty {
                notice_period_months: Some(m),
            } => Ok(m),
            Detail::Treaty { .. } => Err(format!("treaty `{treaty}` has no notice period")),
            _ => Err(format!("`{treaty}` is not a treaty")),
        }
    }

    /// Removes event `ix`'s rule: its derived `LEADS_TO` and its place among the treaty's users.
    fn drop_rule(&mut self, ix: NodeIndex) {
        let Some(DateRule::NoticePeriod { treaty, .. }) =
            self.node(ix).event().and_then(|d| d.rule.clone())
        else {
            return;
        };
        let incoming: Vec<EdgeIndex> = self
            .type_range(ix, RelationType::LeadsTo)
            .iter()
            .filter(|a| {
                a.dir == Direction::Incoming
                    && self.relation(a.edge).derived == Some(Derived::NoticePeriod)
            })
            .map(|a| a.edge)
            .collect();
        for e in incoming {
            self.remove_edge(e);
        }
        if let Some(t) = self.lookup(treaty.as_str()) {
            self.refs_mut(t).rule_users.retain(|&u| u != ix);
            self.gc_refs(t);
        }
        let mut node = self.node(ix).clone();
        if let Detail::Event(d) = &mut node.detail {
            d.rule = None;
        }
        self.replace_node(ix, node);
    }

    /// Applies event `ix`'s rule again (its treaty's notice period or its notification's date
    /// changed), and what follows from the new date.
    fn recompute_rule(&mut self, ix: NodeIndex) -> Result<(), GraphError> {
        let Some(DateRule::NoticePeriod {
            notification,
            treaty,
            ..
        }) = self.node(ix).event().and_then(|d| d.rule.clone())
        else {
            return Ok(());
        };
        let before = self.node(ix).event().map(|d| d.date);
        self.drop_rule(ix);
        self.apply_rule(ix, notification.as_str(), treaty.as_str())?;
        if self.node(ix).event().map(|d| d.date) != before {
            self.propagate_date(ix)?;
        }
        Ok(())
    }

    /// After event `ix`'s date changed: the validity bounds it sets and the dates computed
    /// from it follow, transitively.
    fn propagate_date(&mut self, ix: NodeIndex) -> Result<(), GraphError> {
        let date = self.node(ix).event().map(|d| d.date.date);
        let Some(date) = date else { return Ok(()) };
        for e in self.refs_of(ix).bound_users.clone() {
            let mut edge = self.edge(e).clone();
            for b in [&mut edge.rel.valid_from, &mut edge.rel.valid_until]
                .into_iter()
                .flatten()
            {
                if b.origin == BoundOrigin::Event(ix) {
                    b.date = date;
                }
            }
            self.edges.set(e.index(), Some(edge));
            self.check_interval(e)?;
        }
        for dep in self.rule_dependants(ix) {
            self.recompute_rule(dep)?;
        }
        for inf in self.inferrers(ix) {
            self.check_inferred_soon(inf)?;
        }
        Ok(())
    }

    /// Sets who takes part in an event: its derived `ACTOR_IN`, `ADDRESSED_TO` and `CONCERNS`
    /// relations, each carrying the event's evidence.
    pub fn set_participants(
        &mut self,
        event: NodeIndex,
        p: &Participants,
    ) -> Result<(), GraphError> {
        self.check_kind(event, Some(&[Kind::Event]), "an event with participants")?;
        let p = self.prepare_participants(p)?;
        self.commit_participants(event, p)
    }

    /// The checks of [`Graph::set_participants`] that read the graph but change nothing: each
    /// participant exists and may take that part. They do not need the event itself (an event
    /// may end any of these relations), so a bulk load prepares them before adding the event.
    pub(super) fn prepare_participants(
        &self,
        p: &Participants,
    ) -> Result<PreparedParticipants, GraphError> {
        let parts = p
            .actors
            .iter()
            .map(|a| (RelationType::ActorIn, a))
            .chain(
                p.addressed_to
                    .iter()
                    .map(|a| (RelationType::AddressedTo, a)),
            )
            .chain(p.concerns.iter().map(|c| (RelationType::Concerns, c)));
        let edges = parts
            .map(|(rel, part)| {
                let other = self.lookup_id(&part.id)?;
                let (from_kinds, to_kinds) = rel.allowed_ends();
                let (kinds, end) = if rel == RelationType::ActorIn {
                    (from_kinds, "start")
                } else {
                    (to_kinds, "end")
                };
                self.check_kind_of(other, kinds, || {
                    format!("the {end} of a {} relation", rel.as_str())
                })?;
                let evidence = part
                    .evidence
                    .as_ref()
                    .map(|ev| {
                        self.check_quote(|| format!("the participation of `{}`", part.id), ev)
                    })
                    .transpose()?;
                Ok((rel, other, evidence))
            })
            .collect::<Result<_, GraphError>>()?;
        Ok(PreparedParticipants { edges })
    }

    /// Replaces an event's participant relations with prepared ones.
    pub(super) fn commit_participants(
        &mut self,
        event: NodeIndex,
        p: PreparedParticipants,
    ) -> Result<(), GraphError> {
        self.drop_own_derived(event, Derived::Participant);
        for (rel, other, evidence) in p.edges {
            let (f, t) = if rel == RelationType::ActorIn {
                (other, event)
            } else {
                (event, other)
            };
            self.check_new_id(f, rel, t, None)?;
            self.insert_edge(
                f,
                t,
                Relation {
                    names: RelationNames::default(),
                    rel,
                    valid_from: None,
                    valid_until: None,
                    // Its own quote, or the event's, shared.
                    evidence: evidence.map_or(EvidenceRef::Event(event), EvidenceRef::One),
                    derived: Some(Derived::Participant),
                },
            );
        }
        Ok(())
    }

    /// Sets a source's publisher: a derived `PUBLISHED_BY` relation whose evidence is the
    /// byline, a quote of the source's own text.
    pub fn set_publisher(
        &mut self,
        source: NodeIndex,
        publisher: Option<(&str, &str)>,
    ) -> Result<(), GraphError> {
        self.drop_own_derived(source, Derived::Publisher);
        let Some((publisher, byline)) = publisher else {
            return Ok(());
        };
        let source_id = self.node(source).id.to_string();
        let to = self.lookup_id(publisher)?;
        self.check_ends(RelationType::PublishedBy, source, to)?;
        let id = generated_id(&source_id, RelationType::PublishedBy, publisher);
        let evidence = self.check_evidence(
            || format!("relation `{id}`"),
            &[NewEvidence::new(source_id.clone(), byline)],
        )?;
        self.check_new_id(source, RelationType::PublishedBy, to, None)?;
        self.insert_edge(
            source,
            to,
            Relation {
                names: RelationNames::default(),
                rel: RelationType::PublishedBy,
                valid_from: None,
                valid_until: None,
                evidence: EvidenceRef::own(evidence),
                derived: Some(Derived::Publisher),
            },
        );
        Ok(())
    }

    /// Removes the node's own derived relations of one kind (before setting them anew).
    fn drop_own_derived(&mut self, ix: NodeIndex, kind: Derived) {
        let old: Vec<EdgeIndex> = self
            .own_derived(ix)
            .into_iter()
            .filter(|&e| self.relation(e).derived == Some(kind))
            .collect();
        for e in old {
            self.remove_edge(e);
        }
    }

    /// The derived relations that belong to this node's own record (its participants, its
    /// rule's `LEADS_TO`, its publisher), as opposed to those that tie it to another record.
    pub fn own_derived(&self, ix: NodeIndex) -> Vec<EdgeIndex> {
        self.adj(ix)
            .iter()
            .filter(|a| self.is_own(ix, a))
            .map(|a| a.edge)
            .collect()
    }

    fn is_own(&self, ix: NodeIndex, a: &Adj) -> bool {
        let r = self.relation(a.edge);
        match r.derived {
            None => false,
            Some(Derived::Participant) => match r.rel {
                RelationType::ActorIn => a.dir == Direction::Incoming,
                _ => a.dir == Direction::Outgoing && self.ends(a.edge).0 == ix,
            },
            Some(Derived::NoticePeriod) => a.dir == Direction::Incoming,
            Some(Derived::Publisher) => a.dir == Direction::Outgoing,
        }
    }

    /// The first record that refers to the node other than its own derived relations, and
    /// other than by citing it (see [`Graph::first_citer`]).
    pub fn first_referrer(&self, ix: NodeIndex) -> Option<Referrer> {
        for a in self.adj(ix) {
            if self.is_own(ix, a) {
                continue;
            }
            let r = self.relation(a.edge);
            return Some(match r.derived {
                None => Referrer::Relation(self.relation_id(a.edge)),
                Some(Derived::Publisher) => Referrer::Publisher(self.node(a.other).id.clone()),
                // The event this node takes part in, or whose date is computed from it.
                Some(Derived::Participant) => {
                    let (from, to) = self.ends(a.edge);
                    let ev = if r.rel == RelationType::ActorIn {
                        to
                    } else {
                        from
                    };
                    Referrer::Event(self.node(ev).id.clone())
                }
                Some(Derived::NoticePeriod) => Referrer::Event(self.node(a.other).id.clone()),
            });
        }
        let refs = self.refs_of(ix);
        if let Some(&e) = refs.bound_users.first() {
            return Some(Referrer::Relation(self.relation_id(e)));
        }
        if let Some(&ev) = refs.rule_users.first().or(refs.inferrers.first()) {
            return Some(Referrer::Event(self.node(ev).id.clone()));
        }
        None
    }

    /// Events whose date rule names this treaty.
    pub fn rule_users(&self, ix: NodeIndex) -> Vec<NodeIndex> {
        self.refs_of(ix).rule_users.clone()
    }

    /// The first event or relation citing the source, named for a message.
    pub fn first_citer(&self, ix: NodeIndex) -> Option<Referrer> {
        let mut citers = self.refs_of(ix).citers.clone();
        // A source's own statements quoting it go with it.
        citers.retain(|&c| c != Citer::Node(ix));
        citers.sort();
        citers.first().map(|c| {
            Referrer::Citation(match c {
                Citer::Node(e) => format!("event `{}`", self.node(*e).id),
                Citer::Relation(r) => format!("relation `{}`", self.relation_id(*r)),
            })
        })
    }

    /// Removes a node that nothing refers to (check [`Graph::first_referrer`] and
    /// [`Graph::first_citer`] first), with its own derived relations.
    pub fn remove_node(&mut self, ix: NodeIndex) {
        self.drop_rule(ix);
        for e in self.own_derived(ix) {
            self.remove_edge(e);
        }
        self.uncite(Citer::Node(ix));
        if self.node(ix).kind == Kind::Event {
            self.set_inferred(ix, None);
        }
        // Anything left (a caller that did not check) goes too, so no edge dangles.
        for e in self.adj(ix).iter().map(|a| a.edge).collect::<Vec<_>>() {
            if self.contains_relation(e) {
                self.remove_edge(e);
            }
        }
        let node = self.node(ix).clone();
        self.unindex_node(ix);
        self.ids.remove(node.id.as_str());
        self.refs.remove(&ix);
        self.nodes.set(ix.index(), None);
        self.node_total -= 1;
        self.kind_counts[kind_slot(node.kind)] -= 1;
    }

    // -----------------------------------------------------------------------------------------
    // Relations.

    /// Adds a relation record between two existing nodes, checking the kinds at both ends,
    /// the id, the evidence and the validity bounds.
    pub fn add_relation(&mut self, r: NewRelation) -> Result<EdgeIndex, GraphError> {
        let p = self.prepare_relation(&r)?;
        self.commit_relation(p)
    }

    /// The checks of [`Graph::add_relation`] that read the graph but change nothing: ends,
    /// kinds, evidence, validity bounds. Whether its id is free is the commit's to check.
    pub(super) fn prepare_relation(&self, r: &NewRelation) -> Result<PreparedRelation, GraphError> {
        let from = self.lookup_id(&r.from)?;
        let to = self.lookup_id(&r.to)?;
        self.check_ends(r.rel, from, to)?;
        let explicit: Option<Arc<str>> = match &r.id {
            Some(id) if id.trim().is_empty() => {
                return Err(GraphError::Empty {
                    what: "a relation id".into(),
                });
            }
            Some(id) => Some(Arc::from(id.as_str())),
            None => None,
        };
        let relation_id = || {
            explicit
                .as_deref()
                .map_or_else(|| generated_id(&r.from, r.rel, &r.to), str::to_string)
        };
        let label = || format!("relation `{}`", relation_id());
        let evidence = self.check_relation_evidence(label, &r.evidence)?;
        let bound = |spec: &Option<ValiditySpec>| {
            Ok::<_, GraphError>(match spec {
                None => None,
                Some(ValiditySpec::Date(date)) => Some(Bound {
                    date: *date,
                    origin: BoundOrigin::Given,
                }),
                Some(ValiditySpec::Event(event)) => {
                    let ix = self.lookup_id(event)?;
                    self.check_kind(ix, Some(&[Kind::Event]), "a validity bound")?;
                    Some(Bound {
                        date: self
                            .node(ix)
                            .event()
                            .map_or(NaiveDate::MIN, |d| d.date.date),
                        origin: BoundOrigin::Event(ix),
                    })
                }
            })
        };
        let valid_from = bound(&r.valid_from)?;
        let valid_until = bound(&r.valid_until)?;
        // A bound typed in as a date is read from the relation's evidence; one set by an
        // event is known as that event's date is.
        for (name, b) in [("starts", valid_from), ("ends", valid_until)] {
            if let Some(Bound {
                date,
                origin: BoundOrigin::Given,
            }) = b
            {
                let own = evidence.as_own().unwrap_or_default();
                self.check_stated(
                    relation_id,
                    || format!("the day {} {name}", label()),
                    FuzzyDate::day(date),
                    own,
                )?;
            }
        }
        let role = r
            .role
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(Arc::from);
        Ok(PreparedRelation {
            from,
            to,
            rel: Relation {
                names: RelationNames::new(explicit, role),
                rel: r.rel,
                valid_from,
                valid_until,
                evidence,
                derived: None,
            },
        })
    }

    /// Stores a prepared relation if its id is free: what [`Graph::add_relation`] does after
    /// the read-only checks.
    pub(super) fn commit_relation(&mut self, p: PreparedRelation) -> Result<EdgeIndex, GraphError> {
        let PreparedRelation { from, to, rel } = p;
        self.check_new_id(from, rel.rel, to, rel.id().map(|id| &**id))?;
        let bounded_by = [rel.valid_from, rel.valid_until].map(|b| match b {
            Some(Bound {
                origin: BoundOrigin::Event(ev),
                ..
            }) => Some(ev),
            _ => None,
        });
        let e = self.insert_edge(from, to, rel);
        for ev in bounded_by.into_iter().flatten() {
            self.refs_mut(ev).bound_users.push(e);
        }
        if !self.bulk {
            self.check_interval(e)?;
        }
        Ok(e)
    }

    /// Replaces a relation record, keeping its id (given, or the one it was generated with),
    /// so clients' references survive even when its ends change.
    pub fn update_relation(
        &mut self,
        e: EdgeIndex,
        mut r: NewRelation,
    ) -> Result<EdgeIndex, GraphError> {
        let id = self.relation_id(e);
        let keeps_generated = self.relation(e).id().is_none()
            && r.id.is_none()
            && *id == *generated_id(&r.from, r.rel, &r.to);
        r.id = (!keeps_generated).then(|| id.to_string());
        self.remove_edge(e);
        self.add_relation(r)
    }

    /// Removes a relation record (not a derived one: those go with their record).
    pub fn remove_relation(&mut self, e: EdgeIndex) {
        self.remove_edge(e);
    }

    /// Stores a relation and indexes it at both ends. Checks are the caller's.
    pub(super) fn insert_edge(
        &mut self,
        from: NodeIndex,
        to: NodeIndex,
        rel: Relation,
    ) -> EdgeIndex {
        let e = EdgeIndex::new(self.edges.len());
        let rel_type = rel.rel;
        let explicit = rel.id().cloned();
        let own = rel.evidence.as_own().is_some();
        self.edges.push_back(Some(Edge { from, to, rel }));
        if let Some(id) = explicit {
            self.rel_ids.insert(id, e);
        }
        self.edge_total += 1;
        self.type_counts[rel_type as usize] += 1;
        let out = Adj {
            edge: e,
            other: to,
            rel: rel_type,
            dir: Direction::Outgoing,
        };
        let inc = Adj {
            edge: e,
            other: from,
            rel: rel_type,
            dir: Direction::Incoming,
        };
        self.push_adj(from, out);
        self.push_adj(to, inc);
        if own {
            self.cite_new(Citer::Relation(e));
        }
        e
    }

    /// Removes a relation from its ends and every index.
    pub(super) fn remove_edge(&mut self, e: EdgeIndex) {
        let edge = self.edge(e).clone();
        if edge.rel.evidence.as_own().is_some() {
            self.uncite(Citer::Relation(e));
        }
        for b in [edge.rel.valid_from, edge.rel.valid_until]
            .into_iter()
            .flatten()
        {
            if let BoundOrigin::Event(ev) = b.origin
                && self.contains(ev)
            {
                self.refs_mut(ev).bound_users.retain(|&u| u != e);
                self.gc_refs(ev);
            }
        }
        self.pop_adj(edge.from, e);
        self.pop_adj(edge.to, e);
        if let Some(id) = edge.rel.id() {
            self.rel_ids.remove(id);
        }
        self.edges.set(e.index(), None);
        self.edge_total -= 1;
        self.type_counts[edge.rel.rel as usize] -= 1;
    }

    fn push_adj(&mut self, ix: NodeIndex, a: Adj) {
        if self.bulk
            && let Some(b) = &mut self.bulk_state
        {
            // Sorted once when the load finishes.
            if b.adj.len() <= ix.index() {
                b.adj.resize_with(ix.index() + 1, Vec::new);
            }
            b.adj[ix.index()].push(a);
            return;
        }
        let before = self.degree(ix) as u32;
        let adj = self.adj(ix);
        let pos = adj.partition_point(|x| self.cmp_adj(x, &a).is_lt());
        if let Some(Some(slot)) = self.nodes.get_mut(ix.index()) {
            Arc::make_mut(&mut slot.adj).insert(pos, a);
        }
        self.degree_changed(ix, before);
    }

    fn pop_adj(&mut self, ix: NodeIndex, e: EdgeIndex) {
        if self.bulk
            && let Some(b) = &mut self.bulk_state
        {
            if let Some(adj) = b.adj.get_mut(ix.index()) {
                adj.retain(|a| a.edge != e);
            }
            return;
        }
        let before = self.degree(ix) as u32;
        if let Some(Some(slot)) = self.nodes.get_mut(ix.index()) {
            Arc::make_mut(&mut slot.adj).retain(|a| a.edge != e);
        }
        self.degree_changed(ix, before);
    }

    fn degree_changed(&mut self, ix: NodeIndex, before: u32) {
        if self.bulk {
            return;
        }
        let after = self.degree(ix) as u32;
        let node = self.node(ix);
        let (kind, id) = (node.kind, node.id.clone());
        let o = &mut self.orders[kind_slot(kind)].by_degree;
        o.remove(&(before, id.clone()));
        o.insert((after, id), ix);
    }

    // -----------------------------------------------------------------------------------------
    // Checks.

    pub(super) fn lookup_id(&self, raw: &str) -> Result<NodeIndex, GraphError> {
        if let Some(ix) = self.lookup(raw) {
            return Ok(ix);
        }
        // Only a miss pays for telling a malformed id from an unknown one.
        NodeId::parse(raw)?;
        Err(GraphError::UnknownNode {
            id: raw.to_string(),
        })
    }

    pub(super) fn check_kind(
        &self,
        ix: NodeIndex,
        allowed: Option<&[Kind]>,
        what: &str,
    ) -> Result<(), GraphError> {
        self.check_kind_of(ix, allowed, || what.to_string())
    }

    /// [`Graph::check_kind`] naming the role only when it fails (a load checks millions).
    fn check_kind_of(
        &self,
        ix: NodeIndex,
        allowed: Option<&[Kind]>,
        what: impl FnOnce() -> String,
    ) -> Result<(), GraphError> {
        let kind = match &self.bulk_state {
            Some(b) if self.bulk => b.kinds.get(ix.index()).copied(),
            _ => None,
        };
        let kind = kind.unwrap_or_else(|| self.node(ix).kind);
        match allowed {
            Some(kinds) if !kinds.contains(&kind) => Err(GraphError::WrongKind {
                id: self.node(ix).id.to_string(),
                actual: kind.as_str(),
                what: what(),
                expected: kinds
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
            _ => Ok(()),
        }
    }

    fn check_ends(
        &self,
        rel: RelationType,
        from: NodeIndex,
        to: NodeIndex,
    ) -> Result<(), GraphError> {
        let (from_kinds, to_kinds) = rel.allowed_ends();
        self.check_kind_of(from, from_kinds, || {
            format!("the start of a {} relation", rel.as_str())
        })?;
        self.check_kind_of(to, to_kinds, || {
            format!("the end of a {} relation", rel.as_str())
        })
    }

    /// A new relation's id must be free: the given one, or else `from:TYPE:to`.
    fn check_new_id(
        &mut self,
        from: NodeIndex,
        rel: RelationType,
        to: NodeIndex,
        explicit: Option<&str>,
    ) -> Result<(), GraphError> {
        let generated =
            |g: &Graph| generated_id(g.node(from).id.as_str(), rel, g.node(to).id.as_str());
        let taken = match (self.bulk, explicit) {
            // Relation lists are unsorted while loading: a set of the generated ids' parts
            // answers instead of a scan of a hub's list.
            (true, Some(id)) => self.rel_ids.contains_key(id) || self.generated_taken(id),
            (true, None) => {
                let key = pair_key(from, rel, to);
                (!self.rel_ids.is_empty() && self.rel_ids.contains_key(generated(self).as_str()))
                    || !self.bulk_pairs().insert(key)
            }
            (false, Some(id)) => self.lookup_relation(id).is_some(),
            (false, None) => self.lookup_relation(&generated(self)).is_some(),
        };
        if taken {
            return Err(GraphError::DuplicateRelation {
                id: explicit.map_or_else(|| generated(self), str::to_string),
            });
        }
        Ok(())
    }

    /// Whether a relation without a given id would be named `id` (bulk loads only).
    fn generated_taken(&mut self, id: &str) -> bool {
        let Some((from, rest)) = id.split_once(':') else {
            return false;
        };
        let Some((rel, to)) = rest.split_once(':') else {
            return false;
        };
        let (Some(rel), Some(f), Some(t)) =
            (RelationType::parse(rel), self.lookup(from), self.lookup(to))
        else {
            return false;
        };
        let key = pair_key(f, rel, t);
        self.bulk_pairs().contains(&key)
    }

    fn bulk_pairs(&mut self) -> &mut std::collections::HashSet<u64, super::store::FastHash> {
        &mut self.bulk_state.get_or_insert_with(Default::default).pairs
    }

    fn pending_rules(&mut self) -> &mut Vec<(NodeIndex, String, String)> {
        &mut self.bulk_state.get_or_insert_with(Default::default).rules
    }

    fn check_interval(&self, e: EdgeIndex) -> Result<(), GraphError> {
        let rel = self.relation(e);
        if let (Some(f), Some(u)) = (rel.valid_from, rel.valid_until)
            && u.date <= f.date
        {
            return Err(GraphError::EmptyInterval {
                id: self.relation_id(e).to_string(),
                from: f.date,
                until: u.date,
            });
        }
        Ok(())
    }

    /// Checks that there is evidence and that each quote occurs in its source's text; the
    /// result is the quotes' spans.
    pub(super) fn check_evidence(
        &self,
        what: impl Fn() -> String,
        evidence: &[NewEvidence],
    ) -> Result<Arc<[Evidence]>, GraphError> {
        if evidence.is_empty() {
            return Err(GraphError::NoEvidence { what: what() });
        }
        evidence
            .iter()
            .map(|e| self.check_quote(&what, e))
            .collect()
    }

    /// [`Graph::check_evidence`] as a relation keeps it: one quote, the common case, without
    /// allocating.
    fn check_relation_evidence(
        &self,
        what: impl Fn() -> String,
        evidence: &[NewEvidence],
    ) -> Result<EvidenceRef, GraphError> {
        match evidence {
            [one] => Ok(EvidenceRef::One(self.check_quote(&what, one)?)),
            _ => Ok(EvidenceRef::own(self.check_evidence(what, evidence)?)),
        }
    }

    /// The span of the quote in the text of its source, which must be a source: at the
    /// expected start if it is there, else its first occurrence.
    fn check_quote(
        &self,
        what: impl Fn() -> String,
        e: &NewEvidence,
    ) -> Result<Evidence, GraphError> {
        let (source, quote) = (e.source.as_str(), e.quote.as_str());
        let ix = self.lookup_id(source)?;
        let Some(src) = self.node(ix).source() else {
            return Err(GraphError::WrongKind {
                id: source.to_string(),
                actual: self.node(ix).kind.as_str(),
                what: "the source of evidence".into(),
                expected: "source".into(),
            });
        };
        if quote.trim().is_empty() {
            return Err(GraphError::Empty {
                what: format!("a quote of {}", what()),
            });
        }
        let text = src.text.as_bytes();
        let at_hint = e.start.map(|s| s as usize).filter(|&s| {
            s.checked_add(quote.len())
                .and_then(|end| text.get(s..end))
                .is_some_and(|there| there == quote.as_bytes())
        });
        let start = match at_hint {
            Some(s) => s,
            None => memchr::memmem::find(text, quote.as_bytes()).ok_or_else(|| {
                GraphError::QuoteNotFound {
                    source_id: source.to_string(),
                    quote: quote.to_string(),
                }
            })?,
        };
        Ok(Evidence {
            source: ix,
            start: start as u32,
            len: quote.len() as u32,
        })
    }

    // -----------------------------------------------------------------------------------------
    // Reverse references.

    pub(super) fn refs_of(&self, ix: NodeIndex) -> Arc<Refs> {
        if let Some(b) = &self.bulk_state
            && self.bulk
        {
            return Arc::new(b.refs.get(&ix).cloned().unwrap_or_default());
        }
        self.refs.get(&ix).cloned().unwrap_or_default()
    }

    pub(super) fn refs_mut(&mut self, ix: NodeIndex) -> &mut Refs {
        if self.bulk
            && let Some(b) = &mut self.bulk_state
        {
            return b.refs.entry(ix).or_default();
        }
        Arc::make_mut(self.refs.entry(ix).or_default())
    }

    /// Drops an empty entry, so the map holds only nodes that are referred to.
    pub(super) fn gc_refs(&mut self, ix: NodeIndex) {
        if self.bulk {
            return;
        }
        if self.refs.get(&ix).is_some_and(|r| r.is_empty()) {
            self.refs.remove(&ix);
        }
    }

    fn citer_evidence(&self, c: Citer) -> Vec<Evidence> {
        match c {
            Citer::Node(e) => {
                let node = self.node(e);
                let own = node.event().map_or(&[][..], |d| &d.evidence);
                own.iter()
                    .chain(node.statements().evidence())
                    .copied()
                    .collect()
            }
            Citer::Relation(r) => self
                .relation(r)
                .evidence
                .as_own()
                .map(<[Evidence]>::to_vec)
                .unwrap_or_default(),
        }
    }

    fn cite(&mut self, c: Citer) {
        let mut sources: Vec<NodeIndex> = self.citer_evidence(c).iter().map(|e| e.source).collect();
        sources.sort_unstable();
        sources.dedup();
        for s in sources {
            let refs = self.refs_mut(s);
            if !refs.citers.contains(&c) {
                refs.citers.push(c);
            }
        }
    }

    /// [`Graph::cite`] for a record just stored, which no source lists yet: no scan of the
    /// source's citers (a source quoted by thousands of records would make a load quadratic).
    fn cite_new(&mut self, c: Citer) {
        // Most relations have one quote: no list to make for it.
        if let Citer::Relation(r) = c
            && let EvidenceRef::One(e) = self.relation(r).evidence
        {
            self.refs_mut(e.source).citers.push(c);
            return;
        }
        let mut sources: Vec<NodeIndex> = self.citer_evidence(c).iter().map(|e| e.source).collect();
        sources.sort_unstable();
        sources.dedup();
        for s in sources {
            self.refs_mut(s).citers.push(c);
        }
    }

    fn uncite(&mut self, c: Citer) {
        let mut sources: Vec<NodeIndex> = self.citer_evidence(c).iter().map(|e| e.source).collect();
        sources.sort_unstable();
        sources.dedup();
        for s in sources {
            if self.contains(s) {
                self.refs_mut(s).citers.retain(|&x| x != c);
                self.gc_refs(s);
            }
        }
    }
}

/// An event's given date, or `placeholder` and the `(notification, treaty)` of its rule, which
/// sets the date once applied.
fn date_and_rule(
    date: &EventDate,
    placeholder: FuzzyDate,
) -> (FuzzyDate, Option<(String, String)>) {
    match date {
        EventDate::Given(d) => (*d, None),
        EventDate::NoticePeriod {
            notification,
            treaty,
        } => (placeholder, Some((notification.clone(), treaty.clone()))),
    }
}

/// The detail of a state, person, organisation or treaty; only treaties have a notice period.
fn entity_detail(kind: Kind, n: &NewNode) -> Result<Detail, GraphError> {
    if matches!(kind, Kind::Event | Kind::Source) {
        return Err(GraphError::WrongKind {
            id: n.id.clone(),
            actual: kind.as_str(),
            what: "an entity added this way".into(),
            expected: "state, person, organization, treaty".into(),
        });
    }
    match (kind, n.notice_period_months) {
        (Kind::Treaty, months) => Ok(Detail::Treaty {
            notice_period_months: months,
        }),
        (_, None) => Ok(Detail::None),
        (_, Some(_)) => Err(GraphError::WrongKind {
            id: n.id.clone(),
            actual: kind.as_str(),
            what: "a node with a notice period".into(),
            expected: "treaty".into(),
        }),
    }
}

fn source_parts(s: NewSource) -> Result<(NewNode, Detail), GraphError> {
    if s.text.trim().is_empty() {
        return Err(GraphError::Empty {
            what: format!("the text of source `{}`", s.id),
        });
    }
    let detail = Detail::Source(Box::new(SourceData {
        title: s.title.clone(),
        url: s.url,
        published: s.published,
        language: s.language,
        utf16_marks: SourceData::marks_of(&s.text),
        text: s.text,
    }));
    let names = NewNode {
        id: s.id,
        name: s.title,
        description: s.description,
        ..Default::default()
    };
    Ok((names, detail))
}

/// Whether a sameAs link is an absolute http(s) or urn IRI that RDF and JSON-LD exports can
/// write as it is: no spaces, quotes or angle brackets, which would break out of `<...>`.
fn check_iri(link: &str) -> Result<(), &'static str> {
    const MAX: usize = 2048;
    let scheme_ok = ["http://", "https://", "urn:"]
        .iter()
        .any(|s| link.len() > s.len() && link[..s.len()].eq_ignore_ascii_case(s));
    if !scheme_ok {
        return Err("use an absolute IRI starting with https://, http:// or urn:");
    }
    if link.len() > MAX {
        return Err("longer than 2048 bytes");
    }
    if link
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || "<>\"{}|\\^`".contains(c))
    {
        return Err("an IRI cannot hold spaces, control characters or any of <>\"{}|\\^`");
    }
    Ok(())
}

/// A node with checked, trimmed names: a name, labels by valid language tag, distinct aliases.
fn clean_node(id: NodeId, kind: Kind, n: NewNode, detail: Detail) -> Result<Node, GraphError> {
    let name = n.name.trim().to_string();
    if name.is_empty() {
        return Err(GraphError::Empty {
            what: format!("the name of `{id}`"),
        });
    }
    let mut labels = BTreeMap::new();
    for (lang, label) in n.labels {
        check_lang(&lang)?;
        let label = label.trim().to_string();
        if label.is_empty() {
            return Err(GraphError::Empty {
                what: format!("the `{lang}` label of `{id}`"),
            });
        }
        labels.insert(lang, label);
    }
    let mut aliases: Vec<String> = vec![];
    for a in n.aliases {
        let a = a.trim().to_string();
        if a.is_empty() {
            return Err(GraphError::Empty {
                what: format!("an alias of `{id}`"),
            });
        }
        if a != name && !aliases.contains(&a) {
            aliases.push(a);
        }
    }
    let mut same_as: Vec<String> = Vec::with_capacity(n.same_as.len());
    for link in n.same_as {
        let link = link.trim().to_string();
        check_iri(&link).map_err(|why| GraphError::BadSameAs {
            id: id.to_string(),
            value: link.clone(),
            why: why.into(),
        })?;
        if !same_as.contains(&link) {
            same_as.push(link);
        }
    }
    Ok(Node {
        id,
        kind,
        name,
        labels,
        aliases,
        same_as: same_as.into_boxed_slice(),
        description: n.description.trim().to_string(),
        detail,
        // Checked against the graph by the caller (`check_statements`).
        statements: None,
    })
}

/// `(from, type, to)` of a relation in one word, for the bulk load's duplicate check.
fn pair_key(from: NodeIndex, rel: RelationType, to: NodeIndex) -> u64 {
    ((from.index() as u64) << 32) ^ ((to.index() as u64) << 4) ^ rel as u64
}

/// A node's place in the by-name ordering: its normalised name, then its id.
pub(super) fn name_key(n: &Node) -> NameKey {
    (Arc::from(super::normalize(&n.name)), n.id.clone())
}
