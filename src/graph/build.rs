//! The inputs of the graph's write operations ([`NewNode`], [`NewEvent`], ...) and
//! [`GraphBuilder`], which loads many of them at once through the same operations, so a seed
//! is validated exactly like a write.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use petgraph::graph::{EdgeIndex, NodeIndex};

use super::GraphError;
use super::model::*;
use super::store::{Graph, kind_slot};
use super::write::{
    Participants, PreparedEntity, PreparedEvent, PreparedParticipants, PreparedRelation,
};

/// A state, person, organisation or treaty to add.
#[derive(Debug, Clone, Default)]
pub struct NewNode {
    pub id: String,
    pub name: String,
    /// Names in other languages, by language tag.
    pub labels: BTreeMap<String, String>,
    pub aliases: Vec<String>,
    /// Absolute IRIs of the same thing elsewhere.
    pub same_as: Vec<String>,
    pub description: String,
    /// Only treaties have one: the months between a withdrawal notice and its effect.
    pub notice_period_months: Option<u32>,
    /// The basis of the description and notice period, and the node's other claims.
    pub statements: NewStatements,
}

/// What a statement is given with: quotes that state it, or the editors' word for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewBasis {
    Evidence(Vec<NewEvidence>),
    Editorial(Editorial),
}

/// A claim to check: its property, its value and its basis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClaim {
    pub property: String,
    pub value: String,
    pub basis: NewBasis,
}

/// The bases of a node's statements. A description or notice period without one is refused:
/// nothing the graph says is unmarked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewStatements {
    pub description: Option<NewBasis>,
    pub notice_period: Option<NewBasis>,
    pub claims: Vec<NewClaim>,
}

/// How an inferred date was inferred: why, and (optionally) from which event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInferred {
    pub reasoning: String,
    pub from: Option<String>,
}

/// A published document whose text quotes are checked against.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub id: String,
    pub title: String,
    pub description: String,
    pub url: Option<String>,
    pub published: chrono::DateTime<chrono::FixedOffset>,
    pub language: String,
    pub text: String,
    /// The basis of the description.
    pub statements: NewStatements,
}

/// How an event's date is given.
#[derive(Debug, Clone)]
pub enum EventDate {
    Given(FuzzyDate),
    /// The date is the notification event's date plus the treaty's notice period.
    NoticePeriod {
        notification: String,
        treaty: String,
    },
}

/// An event to add. Its participants are added as relations (`ACTOR_IN`, ...), not here.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub id: String,
    pub title: String,
    /// Titles in other languages, by language tag.
    pub labels: BTreeMap<String, String>,
    pub aliases: Vec<String>,
    /// Absolute IRIs of the same thing elsewhere.
    pub same_as: Vec<String>,
    pub description: String,
    pub kind: EventKind,
    pub date: EventDate,
    /// Set when a given date is inferred rather than stated by the evidence.
    pub inferred: Option<NewInferred>,
    pub evidence: Vec<NewEvidence>,
    /// The basis of the description, and the event's claims.
    pub statements: NewStatements,
}

/// A quote to check against a source's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvidence {
    pub source: String,
    pub quote: String,
    /// Where the quote is expected in the text (bytes); it is searched for when not there.
    pub start: Option<u32>,
}

impl NewEvidence {
    pub fn new(source: impl Into<String>, quote: impl Into<String>) -> NewEvidence {
        NewEvidence {
            source: source.into(),
            quote: quote.into(),
            start: None,
        }
    }
}

/// One bound of a relation's validity.
#[derive(Debug, Clone)]
pub enum ValiditySpec {
    Date(NaiveDate),
    /// The date of this event (resolved when the graph is finished, so computed dates work).
    Event(String),
}

/// A relation to add.
#[derive(Debug, Clone)]
pub struct NewRelation {
    /// Generated as `from:TYPE:to` when not given.
    pub id: Option<String>,
    pub rel: RelationType,
    pub from: String,
    pub to: String,
    pub role: Option<String>,
    pub valid_from: Option<ValiditySpec>,
    pub valid_until: Option<ValiditySpec>,
    pub evidence: Vec<NewEvidence>,
}

/// Prepares records for a [`GraphBuilder`] (see [`GraphBuilder::preparer`]); it can be sent
/// to another thread.
pub struct Preparer {
    g: Graph,
}

impl Preparer {
    pub fn entity(&self, kind: Kind, n: NewNode) -> Result<PreparedEntity, GraphError> {
        self.g.prepare_entity(kind, n)
    }

    pub fn event(&self, e: NewEvent) -> Result<PreparedEvent, GraphError> {
        self.g.prepare_event(e)
    }

    /// An event's participants, before the event itself is added.
    pub fn participants(&self, p: &Participants) -> Result<PreparedParticipants, GraphError> {
        self.g.prepare_participants(p)
    }

    pub fn relation(&self, r: &NewRelation) -> Result<PreparedRelation, GraphError> {
        self.g.prepare_relation(r)
    }
}

/// Loads many records at once: the graph's own write operations, with the relation lists'
/// sorting, the degree orderings, computed dates and PageRank done once at the end instead of
/// per record. [`GraphBuilder::finish`] checks what needs every record (date rules may name
/// events defined later, validity bounds computed dates) and returns the graph.
#[derive(Debug)]
pub struct GraphBuilder {
    g: Graph,
    /// The search terms, being built on another thread since every node was added.
    terms: Option<std::thread::JoinHandle<super::terms::TermIndex>>,
}

impl Default for GraphBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl GraphBuilder {
    pub fn new() -> Self {
        let mut g = Graph::empty();
        g.bulk = true;
        g.bulk_state = Some(Default::default());
        GraphBuilder { g, terms: None }
    }

    /// Says that every node has been added (what follows adds relations and computes dates,
    /// which change no node's texts): the search terms are then built from a snapshot on
    /// another thread, so they use the core the relation phases leave idle instead of being
    /// waited for at the end. Adding a node after this is a bug in the caller.
    pub fn all_nodes_added(&mut self) {
        if self.terms.is_some() {
            return;
        }
        let snapshot = self.g.clone_without_bulk_state();
        let terms = std::thread::Builder::new()
            .name("terms".into())
            .spawn(move || super::search::term_index(&snapshot));
        // Without a thread, `finish` builds them.
        self.terms = terms.ok();
    }

    /// Adds a state, person, organisation or treaty.
    pub fn add_entity(&mut self, kind: Kind, n: NewNode) -> Result<NodeId, GraphError> {
        let ix = self.g.add_entity(kind, n)?;
        Ok(self.g.node(ix).id.clone())
    }

    pub fn add_source(&mut self, s: NewSource) -> Result<NodeId, GraphError> {
        let ix = self.g.add_source(s)?;
        Ok(self.g.node(ix).id.clone())
    }

    pub fn add_event(&mut self, e: NewEvent) -> Result<NodeId, GraphError> {
        let ix = self.g.add_event(e)?;
        Ok(self.g.node(ix).id.clone())
    }

    /// Adds a relation between two existing nodes; its id is returned.
    pub fn add_relation(&mut self, r: NewRelation) -> Result<String, GraphError> {
        let e = self.g.add_relation(r)?;
        Ok(self.g.relation_id(e).to_string())
    }

    /// Sets an event's participants (each becomes a relation carrying its evidence).
    pub fn set_participants(&mut self, event: &str, p: &Participants) -> Result<(), GraphError> {
        let ix = self.g.lookup_id(event)?;
        self.g.set_participants(ix, p)
    }

    /// Sets a source's publisher, with the byline that names it as evidence.
    pub fn set_publisher(
        &mut self,
        source: &str,
        publisher: &str,
        byline: &str,
    ) -> Result<(), GraphError> {
        let ix = self.g.lookup_id(source)?;
        self.g.set_publisher(ix, Some((publisher, byline)))
    }

    /// A read-only view of the graph as loaded so far, to prepare records on another thread
    /// while this one commits the ones before them: the checks of a write that only read the
    /// graph (lookups, kinds, quotes) are most of a load's work. A record prepared against
    /// it is valid for this builder as long as what it refers to was loaded before the view
    /// was taken; a record that fails to prepare is added the usual way, for its exact error.
    pub fn preparer(&self) -> Preparer {
        Preparer {
            g: self.g.bulk_snapshot(),
        }
    }

    /// Adds an entity prepared by [`Preparer::entity`].
    pub fn commit_entity(&mut self, e: PreparedEntity) -> Result<(), GraphError> {
        self.g.commit_entity(e).map(drop)
    }

    /// Adds an event prepared by [`Preparer::event`].
    pub fn commit_event(&mut self, e: PreparedEvent) -> Result<NodeIndex, GraphError> {
        self.g.commit_event(e)
    }

    /// Sets the participants of event `ix` as prepared by [`Preparer::participants`].
    pub fn commit_participants(
        &mut self,
        ix: NodeIndex,
        p: PreparedParticipants,
    ) -> Result<(), GraphError> {
        self.g.commit_participants(ix, p)
    }

    /// [`GraphBuilder::set_participants`] of the event at `ix`.
    pub fn set_participants_at(
        &mut self,
        ix: NodeIndex,
        p: &Participants,
    ) -> Result<(), GraphError> {
        self.g.set_participants(ix, p)
    }

    pub fn lookup(&self, id: &str) -> Option<NodeIndex> {
        self.g.lookup(id)
    }

    /// Adds a relation prepared by [`Preparer::relation`].
    pub fn commit_relation(&mut self, r: PreparedRelation) -> Result<(), GraphError> {
        self.g.commit_relation(r).map(drop)
    }

    /// The id of a node (of a prepared record, on the error path).
    pub fn id_of(&self, ix: NodeIndex) -> &str {
        self.g.node(ix).id.as_str()
    }

    /// Computes derived dates, resolves event-based validity bounds, checks every interval,
    /// sorts and indexes what was deferred, and ranks the graph.
    pub fn finish(mut self) -> Result<Graph, GraphError> {
        // The search terms are built on a second core from a snapshot (an O(1) clone, less the
        // loader's maps, which it does not need), from the end of the nodes if the caller said
        // when that was, else from now while this one resolves dates and sorts: finishing
        // changes no node's texts, so the snapshot's are the final ones.
        self.all_nodes_added();
        let finished = self.finish_indexes();
        let terms = match self.terms.take() {
            Some(t) => t
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => super::search::term_index(&self.g),
        };
        finished?;
        let g = &mut self.g;
        g.search = terms;
        if let Some(rank) = super::rank::compute_if_small(g) {
            g.rank = std::sync::Arc::new(rank);
        }
        Ok(self.g)
    }

    /// Everything [`GraphBuilder::finish`] does but the search terms and the rank.
    fn finish_indexes(&mut self) -> Result<(), GraphError> {
        let t = std::time::Instant::now();
        self.resolve_dates()?;
        tracing::debug!(ms = t.elapsed().as_millis() as u64, "bulk load: dates");
        let g = &mut self.g;
        // Validity bounds set by events take the events' (possibly just computed) dates.
        let bounded: Vec<EdgeIndex> = g
            .edge_indices()
            .filter(|&e| {
                let r = g.relation(e);
                [r.valid_from, r.valid_until]
                    .into_iter()
                    .flatten()
                    .any(|b| matches!(b.origin, BoundOrigin::Event(_)))
            })
            .collect();
        for e in bounded {
            let mut edge = g.edge(e).clone();
            for b in [&mut edge.rel.valid_from, &mut edge.rel.valid_until]
                .into_iter()
                .flatten()
            {
                if let BoundOrigin::Event(ix) = b.origin {
                    b.date = g.node(ix).event().map_or(b.date, |d| d.date.date);
                }
            }
            g.edges.set(e.index(), Some(edge));
        }
        for e in g.edge_indices() {
            let rel = g.relation(e);
            if let (Some(f), Some(u)) = (rel.valid_from, rel.valid_until)
                && u.date <= f.date
            {
                return Err(GraphError::EmptyInterval {
                    id: g.relation_id(e).to_string(),
                    from: f.date,
                    until: u.date,
                });
            }
        }
        // Relation lists were appended in load order: sort each once, by type, the other
        // end's id (its rank among all ids, so integers are compared), the relation id.
        let mut id_rank = vec![0u32; g.node_bound()];
        for (i, ix) in g.ids_in_order(None).enumerate() {
            id_rank[ix.index()] = i as u32;
        }
        let ixs: Vec<NodeIndex> = g.node_indices().collect();
        let mut lists = g
            .bulk_state
            .as_mut()
            .map(|b| std::mem::take(&mut b.adj))
            .unwrap_or_default();
        // From here on relation lists are read from the nodes again.
        g.bulk = false;
        for &ix in &ixs {
            let Some(mut adj) = lists.get_mut(ix.index()).map(std::mem::take) else {
                continue;
            };
            adj.sort_by(|a, b| {
                (a.rel, id_rank[a.other.index()])
                    .cmp(&(b.rel, id_rank[b.other.index()]))
                    .then_with(|| g.cmp_relation_ids(a.edge, b.edge))
                    .then_with(|| a.dir.cmp(&b.dir))
            });
            adj.shrink_to_fit();
            if let Some(Some(slot)) = g.nodes.get_mut(ix.index()) {
                slot.adj = std::sync::Arc::new(adj);
            }
        }
        tracing::debug!(ms = t.elapsed().as_millis() as u64, "bulk load: sorted");
        if let Some(b) = g.bulk_state.take() {
            // The persistent map's keys share the nodes' ids instead of copying them.
            g.ids = b
                .ids
                .values()
                .map(|&ix| (g.nodes[ix.index()].as_ref().map(|s| s.node.id.clone()), ix))
                .filter_map(|(id, ix)| Some((id?, ix)))
                .collect();
            g.refs = b
                .refs
                .into_iter()
                .filter(|(_, r)| !r.is_empty())
                .map(|(ix, r)| (ix, std::sync::Arc::new(r)))
                .collect();
        }
        for &ix in &ixs {
            let n = g.node(ix);
            let key = (g.degree(ix) as u32, n.id.clone());
            let kind = n.kind;
            g.orders[kind_slot(kind)].by_degree.insert(key, ix);
        }
        g.count_event_days();
        g.search.finish_bulk();
        tracing::debug!(ms = t.elapsed().as_millis() as u64, "bulk load: indexed");
        Ok(())
    }

    /// Applies the date rules in dependency order, so a computed event may itself be the
    /// notification of another. A cycle leaves some unresolved and is reported.
    fn resolve_dates(&mut self) -> Result<(), GraphError> {
        let mut pending = self
            .g
            .bulk_state
            .as_mut()
            .map(|b| std::mem::take(&mut b.rules))
            .unwrap_or_default();
        while !pending.is_empty() {
            let unresolved: HashSet<NodeIndex> = pending.iter().map(|p| p.0).collect();
            let (ready, waiting): (Vec<_>, Vec<_>) = pending
                .into_iter()
                .partition(|(_, n, _)| self.g.lookup(n).is_none_or(|ix| !unresolved.contains(&ix)));
            if ready.is_empty() {
                return Err(GraphError::DateRule {
                    id: self.g.node(waiting[0].0).id.to_string(),
                    why: "its notification depends, directly or not, on the event itself".into(),
                });
            }
            for (ix, notification, treaty) in ready {
                self.g.apply_rule(ix, &notification, &treaty)?;
            }
            pending = waiting;
        }
        // Inferred dates last: what they are inferred from may be computed.
        let inferred = self
            .g
            .bulk_state
            .as_mut()
            .map(|b| std::mem::take(&mut b.inferred))
            .unwrap_or_default();
        for (ix, inf) in inferred {
            let id = self.g.node(ix).id.to_string();
            let resolved = self.g.resolve_inferred(&id, &inf)?;
            self.g.set_inferred(ix, Some(resolved));
            self.g.check_inferred(ix)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Direction;

    const TEXT: &str = "On 27 June, Ruritania notified the depositary. Withdrawal takes effect after six months. \
                        Freedonia stays from 1 July 2025. In June, Freedonia spoke.";

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ev(quote: &str) -> Vec<NewEvidence> {
        vec![NewEvidence::new("source/doc", quote)]
    }

    /// Freedonia is a party to the treaty, says `evidence`.
    fn freedonia_party(evidence: Vec<NewEvidence>) -> NewRelation {
        NewRelation {
            id: None,
            rel: RelationType::PartyTo,
            from: "state/freedonia".into(),
            to: "treaty/t".into(),
            role: None,
            valid_from: None,
            valid_until: None,
            evidence,
        }
    }

    /// A small graph: two states, a treaty with a 6-month notice period, a notification on
    /// 2025-06-27, its computed effect, and party relations ending at the effect.
    fn builder() -> GraphBuilder {
        let mut b = GraphBuilder::new();
        b.add_source(NewSource {
            id: "source/doc".into(),
            title: "Doc".into(),
            description: String::new(),
            url: None,
            published: chrono::DateTime::parse_from_rfc3339("2025-06-28T12:00:00+00:00").unwrap(),
            language: "en".into(),
            text: TEXT.into(),
            statements: Default::default(),
        })
        .unwrap();
        for (id, name) in [
            ("state/ruritania", "Ruritania"),
            ("state/freedonia", "Freedonia"),
        ] {
            let n = NewNode {
                id: id.into(),
                name: name.into(),
                ..Default::default()
            };
            b.add_entity(Kind::State, n).unwrap();
        }
        let treaty = NewNode {
            id: "treaty/t".into(),
            name: "Treaty".into(),
            notice_period_months: Some(6),
            statements: NewStatements {
                notice_period: Some(NewBasis::Evidence(ev(
                    "Withdrawal takes effect after six months",
                ))),
                ..Default::default()
            },
            ..Default::default()
        };
        b.add_entity(Kind::Treaty, treaty).unwrap();
        b.add_event(NewEvent {
            id: "event/effect".into(),
            title: "Effect".into(),
            labels: BTreeMap::new(),
            aliases: vec![],
            same_as: vec![],
            description: String::new(),
            kind: EventKind::WithdrawalEffective,
            date: EventDate::NoticePeriod {
                notification: "event/note".into(),
                treaty: "treaty/t".into(),
            },
            evidence: ev("Withdrawal takes effect after six months"),
            inferred: None,
            statements: Default::default(),
        })
        .unwrap();
        b.add_event(NewEvent {
            id: "event/note".into(),
            title: "Note".into(),
            labels: BTreeMap::new(),
            aliases: vec![],
            same_as: vec![],
            description: String::new(),
            kind: EventKind::Notification,
            date: EventDate::Given(FuzzyDate::parse("2025-06-27").unwrap()),
            evidence: ev("Ruritania notified the depositary"),
            inferred: None,
            statements: Default::default(),
        })
        .unwrap();
        b.add_event(NewEvent {
            id: "event/speech".into(),
            title: "Speech".into(),
            labels: BTreeMap::new(),
            aliases: vec![],
            same_as: vec![],
            description: String::new(),
            kind: EventKind::Statement,
            date: EventDate::Given(FuzzyDate::parse("2025-06").unwrap()),
            evidence: ev("In June, Freedonia spoke"),
            inferred: None,
            statements: Default::default(),
        })
        .unwrap();
        b.add_relation(NewRelation {
            id: None,
            rel: RelationType::PartyTo,
            from: "state/ruritania".into(),
            to: "treaty/t".into(),
            role: None,
            valid_from: None,
            valid_until: Some(ValiditySpec::Event("event/effect".into())),
            evidence: ev("Ruritania notified"),
        })
        .unwrap();
        b.add_relation(NewRelation {
            id: None,
            rel: RelationType::ActorIn,
            from: "state/freedonia".into(),
            to: "event/speech".into(),
            role: None,
            valid_from: None,
            valid_until: None,
            evidence: ev("Freedonia spoke"),
        })
        .unwrap();
        b
    }

    #[test]
    fn notice_period_dates_are_computed_even_when_defined_first() {
        let g = builder().finish().unwrap();
        let effect = g.node(g.lookup("event/effect").unwrap()).event().unwrap();
        assert_eq!(effect.date, FuzzyDate::day(day("2025-12-27")));
        assert!(matches!(
            &effect.rule,
            Some(DateRule::NoticePeriod { months: 6, .. })
        ));
        // The notification now leads to its effect.
        let note = g.lookup("event/note").unwrap();
        let out = g.relations_of(
            note,
            Some(Direction::Outgoing),
            Some(&[RelationType::LeadsTo]),
        );
        assert_eq!(out.len(), 1);
        assert_eq!(g.node(out[0].other).id.as_str(), "event/effect");
    }

    #[test]
    fn validity_bounds_from_events_take_the_computed_date() {
        let g = builder().finish().unwrap();
        let r = g.relation(
            g.lookup_relation("state/ruritania:PARTY_TO:treaty/t")
                .unwrap(),
        );
        assert_eq!(r.valid_until.unwrap().date, day("2025-12-27"));
        assert!(r.holds_on(day("2025-12-26")));
        assert!(!r.holds_on(day("2025-12-27")));
    }

    #[test]
    fn status_answers_on_the_day_before_of_and_after_a_change() {
        use crate::graph::Status;
        let mut b = builder();
        // Freedonia: party from 2025-07-01, open-ended.
        b.add_relation(NewRelation {
            id: None,
            rel: RelationType::PartyTo,
            from: "state/freedonia".into(),
            to: "treaty/t".into(),
            role: None,
            valid_from: Some(ValiditySpec::Date(day("2025-07-01"))),
            valid_until: None,
            evidence: ev("Freedonia stays"),
        })
        .unwrap();
        let g = b.finish().unwrap();
        let (ru, fr, t) = (
            g.lookup("state/ruritania").unwrap(),
            g.lookup("state/freedonia").unwrap(),
            g.lookup("treaty/t").unwrap(),
        );
        let status = |who, d: &str| g.status(who, RelationType::PartyTo, t, day(d));
        assert!(matches!(status(ru, "2025-12-26"), Status::Holds(_)));
        assert!(matches!(status(ru, "2025-12-27"), Status::Ended(_)));
        assert!(matches!(status(ru, "2025-12-28"), Status::Ended(_)));
        assert!(matches!(status(fr, "2025-06-30"), Status::NotYet(_)));
        assert!(matches!(status(fr, "2025-07-01"), Status::Holds(_)));
        assert!(matches!(status(fr, "9999-12-31"), Status::Holds(_)));
        assert_eq!(
            g.status(ru, RelationType::MemberOf, t, day("2025-01-01")),
            Status::NoRelation
        );
    }

    #[test]
    fn the_timeline_is_oldest_first_and_month_dates_overlap_ranges() {
        let g = builder().finish().unwrap();
        let ids = |v: Vec<petgraph::stable_graph::NodeIndex>| -> Vec<String> {
            v.into_iter().map(|ix| g.node(ix).id.to_string()).collect()
        };
        assert_eq!(
            ids(g.timeline(None, None, None)),
            ["event/speech", "event/note", "event/effect"]
        );
        // A June event is in a range that starts mid-June, and not in one that ends in May.
        assert_eq!(
            ids(g.timeline(Some(day("2025-06-15")), Some(day("2025-06-30")), None)),
            ["event/speech", "event/note"]
        );
        assert!(g.timeline(None, Some(day("2025-05-31")), None).is_empty());
        let freedonia = g.lookup("state/freedonia");
        assert_eq!(ids(g.timeline(None, None, freedonia)), ["event/speech"]);
    }

    /// The counts per date answer what counting the time line's events does, for ranges that
    /// start and end mid-month and mid-year, after a bulk load and after writes.
    #[test]
    fn events_are_counted_in_a_range_as_the_time_line_lists_them() {
        let opts = crate::generate::Options {
            nodes: 3_000,
            seed: 3,
        };
        let (records, _) = crate::generate::records(&opts).unwrap();
        let mut g = crate::seed::build(&records).unwrap();
        let check = |g: &Graph| {
            let mut d = day("2014-02-17");
            let ranges: Vec<(Option<NaiveDate>, Option<NaiveDate>)> = (0..40)
                .map(|i| {
                    d = d + chrono::Days::new(37 * i + 11);
                    (Some(d), Some(d + chrono::Days::new(13 * i * i + 40)))
                })
                .chain([
                    (None, Some(day("2016-03-15"))),
                    (Some(day("2019-07-31")), None),
                ])
                .chain([(Some(day("2020-01-01")), Some(day("2019-01-01")))])
                .collect();
            for (f, t) in ranges {
                let listed = g.events_in(f, t, std::ops::Bound::Unbounded, false).count();
                assert_eq!(g.event_count_in(f, t), listed, "{f:?}..{t:?}");
            }
            assert_eq!(g.event_count_in(None, None), g.event_count());
        };
        check(&g);
        // Writes keep the counts: remove some events, add one known only to its month.
        let before = g.event_count();
        let some: Vec<NodeIndex> = g
            .events_in(None, None, std::ops::Bound::Unbounded, false)
            .step_by(7)
            .take(30)
            .collect();
        for ix in some {
            for own in g.own_derived(ix) {
                g.remove_relation(own);
            }
            if g.first_referrer(ix).is_none() {
                g.remove_node(ix);
            }
        }
        assert!(g.event_count() < before, "some events were removed");
        let source = records.sources[0].id.clone();
        let quote = records.events[0].evidence[0].quote.clone();
        g.add_event(NewEvent {
            id: "event/extra".into(),
            title: "Extra".into(),
            labels: BTreeMap::new(),
            aliases: vec![],
            same_as: vec![],
            description: String::new(),
            kind: EventKind::Statement,
            date: EventDate::Given(FuzzyDate::parse("2017-05").unwrap()),
            evidence: vec![NewEvidence::new(source, quote)],
            inferred: Some(NewInferred {
                reasoning: "a test event known only to its month".into(),
                from: None,
            }),
            statements: Default::default(),
        })
        .unwrap();
        check(&g);
    }

    #[test]
    fn invalid_changes_are_refused_and_leave_the_builder_usable() {
        let mut b = builder();
        let dup = NewNode {
            id: "state/ruritania".into(),
            name: "Again".into(),
            ..Default::default()
        };
        assert!(matches!(
            b.add_entity(Kind::State, dup),
            Err(GraphError::DuplicateId { .. })
        ));
        let no_notice = NewNode {
            id: "state/x".into(),
            name: "X".into(),
            notice_period_months: Some(3),
            ..Default::default()
        };
        assert!(matches!(
            b.add_entity(Kind::State, no_notice),
            Err(GraphError::WrongKind { .. })
        ));
        assert!(matches!(
            b.add_relation(freedonia_party(ev("Freedonia leaves"))),
            Err(GraphError::QuoteNotFound { .. })
        ));
        let g = b.finish().unwrap();
        assert!(g.lookup("state/x").is_none());
        assert!(
            g.lookup_relation("state/freedonia:PARTY_TO:treaty/t")
                .is_none()
        );
    }

    /// A quote's `start` says which occurrence is meant; where the quote is not there (or the
    /// start is past the text), its first occurrence is taken, and a quote that is nowhere is
    /// refused whatever its start.
    #[test]
    fn a_quote_start_picks_the_occurrence_and_a_wrong_one_falls_back_to_the_first() {
        let second = TEXT.rfind("Freedonia").unwrap() as u32;
        let first = TEXT.find("Freedonia").unwrap() as u32;
        assert!(first < second);
        let party = |quote: &str, start: Option<u32>| {
            freedonia_party(vec![NewEvidence {
                start,
                ..NewEvidence::new("source/doc", quote)
            }])
        };
        let span = |start: Option<u32>| {
            let mut b = builder();
            b.add_relation(party("Freedonia", start)).unwrap();
            let g = b.finish().unwrap();
            let e = g
                .lookup_relation("state/freedonia:PARTY_TO:treaty/t")
                .unwrap();
            let ev = g.evidence(e)[0];
            assert_eq!(g.quote(&ev), "Freedonia");
            ev.start
        };
        assert_eq!(span(Some(second)), second);
        assert_eq!(span(None), first);
        assert_eq!(span(Some(second + 1)), first, "not at its start");
        assert_eq!(span(Some(u32::MAX)), first, "past the text");
        assert!(matches!(
            builder().add_relation(party("Freedonia leaves", Some(0))),
            Err(GraphError::QuoteNotFound { .. })
        ));
    }

    #[test]
    fn relations_are_listed_in_a_stable_order() {
        let g = builder().finish().unwrap();
        let note = g.lookup("event/effect").unwrap();
        let views = g.relations_of(note, None, None);
        let types: Vec<RelationType> = views.iter().map(|v| g.relation(v.edge).rel).collect();
        let mut sorted = types.clone();
        sorted.sort();
        assert_eq!(types, sorted);
    }
}
