//! [`GraphBuilder`]: the only way data enters a [`Graph`], and so the one place its invariants
//! are checked. The seed loader uses it today; mutations will use it on a copy of the current
//! graph, so a write is validated exactly like the seed.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Months, NaiveDate};
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};

use super::GraphError;
use super::model::*;
use super::store::Graph;

/// A state, person, organisation or treaty to add.
#[derive(Debug, Clone, Default)]
pub struct NewNode {
    pub id: String,
    pub name: String,
    /// Names in other languages, by language tag.
    pub labels: BTreeMap<String, String>,
    pub aliases: Vec<String>,
    pub description: String,
    /// Only treaties have one: the months between a withdrawal notice and its effect.
    pub notice_period_months: Option<u32>,
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
    pub description: String,
    pub kind: EventKind,
    pub date: EventDate,
    /// `(source id, quote)` pairs.
    pub evidence: Vec<(String, String)>,
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
    /// `(source id, quote)` pairs.
    pub evidence: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy)]
enum End {
    From,
    Until,
}

/// Collects nodes and relations, checking each as it comes; [`GraphBuilder::finish`] resolves
/// computed dates and indexes the result.
#[derive(Debug, Default, Clone)]
pub struct GraphBuilder {
    g: StableDiGraph<Node, Relation>,
    ids: HashMap<NodeId, NodeIndex>,
    relation_ids: HashMap<String, EdgeIndex>,
    pending_dates: Vec<(NodeIndex, String, String)>,
    pending_bounds: Vec<(EdgeIndex, End, NodeIndex)>,
}

impl GraphBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a state, person, organisation or treaty.
    pub fn add_entity(&mut self, kind: Kind, n: NewNode) -> Result<NodeId, GraphError> {
        if matches!(kind, Kind::Event | Kind::Source) {
            return Err(GraphError::WrongKind {
                id: n.id,
                actual: kind.as_str(),
                what: "an entity added this way".into(),
                expected: "state, person, organization, treaty".into(),
            });
        }
        let detail = match (kind, n.notice_period_months) {
            (Kind::Treaty, months) => Detail::Treaty {
                notice_period_months: months,
            },
            (_, None) => Detail::None,
            (_, Some(_)) => {
                return Err(GraphError::WrongKind {
                    id: n.id,
                    actual: kind.as_str(),
                    what: "a node with a notice period".into(),
                    expected: "treaty".into(),
                });
            }
        };
        self.insert_node(kind, n, detail)
    }

    pub fn add_source(&mut self, s: NewSource) -> Result<NodeId, GraphError> {
        if s.text.trim().is_empty() {
            return Err(GraphError::Empty {
                what: format!("the text of source `{}`", s.id),
            });
        }
        let detail = Detail::Source(SourceData {
            title: s.title.clone(),
            url: s.url,
            published: s.published,
            language: s.language,
            text: s.text,
        });
        let names = NewNode {
            id: s.id,
            name: s.title,
            description: s.description,
            ..Default::default()
        };
        self.insert_node(Kind::Source, names, detail)
    }

    pub fn add_event(&mut self, e: NewEvent) -> Result<NodeId, GraphError> {
        let what = format!("event `{}`", e.id);
        let evidence = self.check_evidence(&what, &e.evidence)?;
        let (date, pending) = match e.date {
            EventDate::Given(d) => (d, None),
            // A placeholder until `finish` computes it; nothing reads it before then.
            EventDate::NoticePeriod {
                notification,
                treaty,
            } => (FuzzyDate::day(NaiveDate::MIN), Some((notification, treaty))),
        };
        let detail = Detail::Event(EventData {
            kind: e.kind,
            date,
            rule: None,
            evidence,
        });
        let names = NewNode {
            id: e.id,
            name: e.title,
            labels: e.labels,
            aliases: e.aliases,
            description: e.description,
            notice_period_months: None,
        };
        let id = self.insert_node(Kind::Event, names, detail)?;
        if let Some((notification, treaty)) = pending {
            self.pending_dates
                .push((self.ids[&id], notification, treaty));
        }
        Ok(id)
    }

    /// Adds a relation between two existing nodes, checking the kinds at both ends, the
    /// evidence and the validity bounds.
    pub fn add_relation(&mut self, r: NewRelation) -> Result<String, GraphError> {
        let from = self.lookup(&r.from)?;
        let to = self.lookup(&r.to)?;
        let (from_kinds, to_kinds) = r.rel.allowed_ends();
        self.check_kind(
            from,
            from_kinds,
            &format!("the start of a {} relation", r.rel.as_str()),
        )?;
        self.check_kind(
            to,
            to_kinds,
            &format!("the end of a {} relation", r.rel.as_str()),
        )?;
        let id = match r.id {
            Some(id) if id.trim().is_empty() => {
                return Err(GraphError::Empty {
                    what: "a relation id".into(),
                });
            }
            Some(id) => id,
            None => format!("{}:{}:{}", r.from, r.rel.as_str(), r.to),
        };
        if self.relation_ids.contains_key(&id) {
            return Err(GraphError::DuplicateRelation { id });
        }
        let evidence = self.check_evidence(&format!("relation `{id}`"), &r.evidence)?;
        let mut pending = vec![];
        let mut bound =
            |spec: Option<ValiditySpec>, end: End| -> Result<Option<Bound>, GraphError> {
                Ok(match spec {
                    None => None,
                    Some(ValiditySpec::Date(date)) => Some(Bound {
                        date,
                        origin: BoundOrigin::Given,
                    }),
                    Some(ValiditySpec::Event(event)) => {
                        let ix = self.lookup(&event)?;
                        self.check_kind(ix, Some(&[Kind::Event]), "a validity bound")?;
                        pending.push((end, ix));
                        Some(Bound {
                            date: NaiveDate::MIN,
                            origin: BoundOrigin::Event(ix),
                        })
                    }
                })
            };
        let valid_from = bound(r.valid_from, End::From)?;
        let valid_until = bound(r.valid_until, End::Until)?;
        let role = r.role.filter(|s| !s.trim().is_empty());
        let edge = self.g.add_edge(
            from,
            to,
            Relation {
                id: id.clone(),
                rel: r.rel,
                role,
                valid_from,
                valid_until,
                evidence,
            },
        );
        self.relation_ids.insert(id.clone(), edge);
        self.pending_bounds
            .extend(pending.into_iter().map(|(end, ix)| (edge, end, ix)));
        Ok(id)
    }

    /// Computes derived dates, resolves event-based validity bounds, checks every interval
    /// and indexes the graph for queries.
    pub fn finish(mut self) -> Result<Graph, GraphError> {
        self.resolve_dates()?;
        for (edge, end, event) in std::mem::take(&mut self.pending_bounds) {
            let date = self.event_date(event).date;
            let rel = &mut self.g[edge];
            let b = match end {
                End::From => rel.valid_from.as_mut(),
                End::Until => rel.valid_until.as_mut(),
            };
            if let Some(b) = b {
                b.date = date;
            }
        }
        for rel in self.g.edge_weights() {
            if let (Some(f), Some(u)) = (rel.valid_from, rel.valid_until)
                && u.date <= f.date
            {
                return Err(GraphError::EmptyInterval {
                    id: rel.id.clone(),
                    from: f.date,
                    until: u.date,
                });
            }
        }
        Ok(Graph::index(self.g, self.ids, self.relation_ids))
    }

    /// Resolves notice-period dates in dependency order, so a computed event may itself be
    /// the notification of another. A cycle leaves some unresolved and is reported.
    fn resolve_dates(&mut self) -> Result<(), GraphError> {
        let mut pending = std::mem::take(&mut self.pending_dates);
        while !pending.is_empty() {
            let unresolved: HashSet<NodeIndex> = pending.iter().map(|p| p.0).collect();
            let (ready, waiting): (Vec<_>, Vec<_>) = pending
                .into_iter()
                .partition(|(_, n, _)| self.lookup(n).map_or(true, |ix| !unresolved.contains(&ix)));
            if ready.is_empty() {
                return Err(GraphError::DateRule {
                    id: self.g[waiting[0].0].id.to_string(),
                    why: "its notification depends, directly or not, on the event itself".into(),
                });
            }
            for (ix, notification, treaty) in ready {
                self.compute_date(ix, &notification, &treaty)?;
            }
            pending = waiting;
        }
        Ok(())
    }

    /// Sets the date of event `ix` to the notification's date plus the treaty's notice period,
    /// records the rule, and links the two events with a `LEADS_TO` relation.
    fn compute_date(
        &mut self,
        ix: NodeIndex,
        notification: &str,
        treaty: &str,
    ) -> Result<(), GraphError> {
        let id = self.g[ix].id.to_string();
        let err = |why: String| GraphError::DateRule {
            id: id.clone(),
            why,
        };
        let n_ix = self.lookup(notification).map_err(|e| err(e.to_string()))?;
        self.check_kind(n_ix, Some(&[Kind::Event]), "a notification")
            .map_err(|e| err(e.to_string()))?;
        let t_ix = self.lookup(treaty).map_err(|e| err(e.to_string()))?;
        let months = match self.g[t_ix].detail {
            Detail::Treaty {
                notice_period_months: Some(m),
            } => m,
            Detail::Treaty { .. } => {
                return Err(err(format!("treaty `{treaty}` has no notice period")));
            }
            _ => return Err(err(format!("`{treaty}` is not a treaty"))),
        };
        let base = self.event(n_ix).date;
        let date = base
            .date
            .checked_add_months(Months::new(months))
            .ok_or_else(|| err("the computed date is out of range".into()))?;
        let (n_id, t_id) = (self.g[n_ix].id.clone(), self.g[t_ix].id.clone());
        let data = self.event_mut(ix);
        data.date = FuzzyDate {
            date,
            precision: base.precision,
        };
        data.rule = Some(DateRule::NoticePeriod {
            notification: n_id,
            treaty: t_id,
            months,
        });
        let evidence = data
            .evidence
            .iter()
            .map(|e| (e.source.to_string(), e.quote.clone()))
            .collect();
        self.add_relation(NewRelation {
            id: None,
            rel: RelationType::LeadsTo,
            from: notification.to_string(),
            to: id.clone(),
            role: Some("notice period".into()),
            valid_from: None,
            valid_until: None,
            evidence,
        })
        .map_err(|e| err(e.to_string()))?;
        Ok(())
    }

    fn event(&self, ix: NodeIndex) -> &EventData {
        match &self.g[ix].detail {
            Detail::Event(e) => e,
            _ => unreachable!("checked to be an event"),
        }
    }

    fn event_mut(&mut self, ix: NodeIndex) -> &mut EventData {
        match &mut self.g[ix].detail {
            Detail::Event(e) => e,
            _ => unreachable!("checked to be an event"),
        }
    }

    fn event_date(&self, ix: NodeIndex) -> FuzzyDate {
        self.event(ix).date
    }

    /// Adds a node with the id and texts of `n` (its notice period is already in `detail`).
    fn insert_node(
        &mut self,
        kind: Kind,
        n: NewNode,
        detail: Detail,
    ) -> Result<NodeId, GraphError> {
        let NewNode {
            id,
            name,
            labels,
            aliases,
            description,
            notice_period_months: _,
        } = n;
        let id = NodeId::parse(&id)?;
        if self.ids.contains_key(&id) {
            return Err(GraphError::DuplicateId { id: id.to_string() });
        }
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(GraphError::Empty {
                what: format!("the name of `{id}`"),
            });
        }
        let mut clean_labels = BTreeMap::new();
        for (lang, label) in labels {
            check_lang(&lang)?;
            let label = label.trim().to_string();
            if label.is_empty() {
                return Err(GraphError::Empty {
                    what: format!("the `{lang}` label of `{id}`"),
                });
            }
            clean_labels.insert(lang, label);
        }
        let mut clean_aliases: Vec<String> = vec![];
        for a in aliases {
            let a = a.trim().to_string();
            if a.is_empty() {
                return Err(GraphError::Empty {
                    what: format!("an alias of `{id}`"),
                });
            }
            if a != name && !clean_aliases.contains(&a) {
                clean_aliases.push(a);
            }
        }
        let node = Node {
            id: id.clone(),
            kind,
            name,
            labels: clean_labels,
            aliases: clean_aliases,
            description: description.trim().to_string(),
            detail,
        };
        let ix = self.g.add_node(node);
        self.ids.insert(id.clone(), ix);
        Ok(id)
    }

    fn lookup(&self, raw: &str) -> Result<NodeIndex, GraphError> {
        let id = NodeId::parse(raw)?;
        self.ids.get(&id).copied().ok_or(GraphError::UnknownNode {
            id: raw.to_string(),
        })
    }

    fn check_kind(
        &self,
        ix: NodeIndex,
        allowed: Option<&[Kind]>,
        what: &str,
    ) -> Result<(), GraphError> {
        let node = &self.g[ix];
        match allowed {
            Some(kinds) if !kinds.contains(&node.kind) => Err(GraphError::WrongKind {
                id: node.id.to_string(),
                actual: node.kind.as_str(),
                what: what.to_string(),
                expected: kinds
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
            _ => Ok(()),
        }
    }

    /// Checks that there is evidence and that each quote occurs in its source's text.
    fn check_evidence(
        &self,
        what: &str,
        evidence: &[(String, String)],
    ) -> Result<Vec<Evidence>, GraphError> {
        if evidence.is_empty() {
            return Err(GraphError::NoEvidence {
                what: what.to_string(),
            });
        }
        evidence
            .iter()
            .map(|(source, quote)| {
                let ix = self.lookup(source)?;
                let Some(src) = self.g[ix].source() else {
                    return Err(GraphError::WrongKind {
                        id: source.clone(),
                        actual: self.g[ix].kind.as_str(),
                        what: "the source of evidence".into(),
                        expected: "source".into(),
                    });
                };
                if quote.trim().is_empty() {
                    return Err(GraphError::Empty {
                        what: format!("a quote of {what}"),
                    });
                }
                let start =
                    src.text
                        .find(quote.as_str())
                        .ok_or_else(|| GraphError::QuoteNotFound {
                            source_id: source.clone(),
                            quote: quote.clone(),
                        })?;
                Ok(Evidence {
                    source: self.g[ix].id.clone(),
                    quote: quote.clone(),
                    start,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Direction;

    const TEXT: &str = "On 27 June, Ruritania notified the depositary. Withdrawal takes effect after six months. \
                        Freedonia stays. In June, Freedonia spoke.";

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ev(quote: &str) -> Vec<(String, String)> {
        vec![("source/doc".into(), quote.into())]
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
            ..Default::default()
        };
        b.add_entity(Kind::Treaty, treaty).unwrap();
        b.add_event(NewEvent {
            id: "event/effect".into(),
            title: "Effect".into(),
            labels: BTreeMap::new(),
            aliases: vec![],
            description: String::new(),
            kind: EventKind::WithdrawalEffective,
            date: EventDate::NoticePeriod {
                notification: "event/note".into(),
                treaty: "treaty/t".into(),
            },
            evidence: ev("Withdrawal takes effect after six months"),
        })
        .unwrap();
        b.add_event(NewEvent {
            id: "event/note".into(),
            title: "Note".into(),
            labels: BTreeMap::new(),
            aliases: vec![],
            description: String::new(),
            kind: EventKind::Notification,
            date: EventDate::Given(FuzzyDate::parse("2025-06-27").unwrap()),
            evidence: ev("Ruritania notified the depositary"),
        })
        .unwrap();
        b.add_event(NewEvent {
            id: "event/speech".into(),
            title: "Speech".into(),
            labels: BTreeMap::new(),
            aliases: vec![],
            description: String::new(),
            kind: EventKind::Statement,
            date: EventDate::Given(FuzzyDate::parse("2025-06").unwrap()),
            evidence: ev("In June, Freedonia spoke"),
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
        let bad_quote = NewRelation {
            id: None,
            rel: RelationType::PartyTo,
            from: "state/freedonia".into(),
            to: "treaty/t".into(),
            role: None,
            valid_from: None,
            valid_until: None,
            evidence: ev("Freedonia leaves"),
        };
        assert!(matches!(
            b.add_relation(bad_quote),
            Err(GraphError::QuoteNotFound { .. })
        ));
        let g = b.finish().unwrap();
        assert!(g.lookup("state/x").is_none());
        assert!(
            g.lookup_relation("state/freedonia:PARTY_TO:treaty/t")
                .is_none()
        );
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
