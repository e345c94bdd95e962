//! What each statement of the graph rests on, checked when it is written: a node's description,
//! notice period and claims have quotes or an editorial mark; a given date is stated by its
//! evidence at least as precisely as it is given, or says how it was inferred. The write
//! operations call these checks; the API asks the same functions where the words are.

use std::sync::Arc;

use petgraph::graph::{EdgeIndex, NodeIndex};

use super::GraphError;
use super::build::{NewBasis, NewInferred, NewStatements};
use super::dates::{DateMention, stated_dates};
use super::model::*;
use super::store::{Graph, sentence_around};

/// The longest claim property accepted.
const MAX_PROPERTY_LEN: usize = 64;

impl Graph {
    /// Checks the bases of `node`'s statements against the node's own fields: a description
    /// has a basis exactly when it is not empty, a notice period exactly when there is one,
    /// and every claim has a property, a value and a basis.
    pub(super) fn check_statements(
        &self,
        node: &Node,
        s: NewStatements,
    ) -> Result<Option<Box<Statements>>, GraphError> {
        let id = node.id.as_str();
        let has_notice = matches!(
            node.detail,
            Detail::Treaty {
                notice_period_months: Some(_)
            }
        );
        let field = |name: &str, present: bool, basis: Option<NewBasis>| match (present, basis) {
            (true, None) => Err(GraphError::Unmarked {
                what: format!("the {name} of `{id}`"),
            }),
            (false, Some(_)) => Err(GraphError::BadClaim {
                id: id.to_string(),
                why: format!("it has no {name} for the basis given for one"),
            }),
            (_, None) => Ok(None),
            (true, Some(b)) => self
                .check_basis(|| format!("the {name} of `{id}`"), b)
                .map(Some),
        };
        let description = field(DESCRIPTION, !node.description.is_empty(), s.description)?;
        let notice_period = field("notice period", has_notice, s.notice_period)?;
        let mut claims: Vec<Claim> = Vec::with_capacity(s.claims.len());
        for c in s.claims {
            let property = c.property.trim().to_string();
            let bad = |why: String| GraphError::BadClaim {
                id: id.to_string(),
                why,
            };
            if property.is_empty()
                || property.len() > MAX_PROPERTY_LEN
                || !property.starts_with(|c: char| c.is_ascii_lowercase())
                || !property
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                return Err(bad(format!(
                    "invalid claim property `{property}`: use a lowercase word such as `bans` \
                     (letters, digits and `_`, at most {MAX_PROPERTY_LEN})"
                )));
            }
            if property == DESCRIPTION || property == NOTICE_PERIOD {
                return Err(bad(format!(
                    "`{property}` is a field of its own: give it there, with its basis"
                )));
            }
            let value = c.value.trim().to_string();
            if value.is_empty() {
                return Err(GraphError::Empty {
                    what: format!("the value of claim `{property}` of `{id}`"),
                });
            }
            if claims
                .iter()
                .any(|x| x.property == property && x.value == value)
            {
                return Err(bad(format!(
                    "the claim `{property}: {value}` is given twice"
                )));
            }
            let basis = self.check_basis(|| format!("claim `{property}` of `{id}`"), c.basis)?;
            claims.push(Claim {
                property,
                value,
                basis,
            });
        }
        let s = Statements {
            description,
            notice_period,
            claims,
        };
        Ok((!s.is_empty()).then(|| Box::new(s)))
    }

    fn check_basis(&self, what: impl Fn() -> String, b: NewBasis) -> Result<Basis, GraphError> {
        match b {
            NewBasis::Evidence(ev) => Ok(Basis::Sourced(self.check_evidence(what, &ev)?)),
            NewBasis::Editorial(mut e) => {
                e.by = e.by.trim().to_string();
                if e.by.is_empty() {
                    return Err(GraphError::Empty {
                        what: format!("who added {} (`by`)", what()),
                    });
                }
                e.note = e
                    .note
                    .map(|n| n.trim().to_string())
                    .filter(|n| !n.is_empty());
                Ok(Basis::Editorial(Arc::new(e)))
            }
        }
    }

    /// The words of `evidence`'s sentences that state `date` at least as precisely as it is
    /// given, as a span of their source, with how precisely they state it; else the words
    /// that state it less precisely, if any.
    pub fn date_statement(
        &self,
        date: FuzzyDate,
        evidence: &[Evidence],
    ) -> Result<(Evidence, Precision), Option<(String, Precision)>> {
        let mut closest = None;
        for ev in evidence {
            let Some(src) = self.slot(ev.source).and_then(|s| s.node.source()) else {
                continue;
            };
            let text = src.text.as_str();
            let (start, end) = (ev.start as usize, (ev.start + ev.len) as usize);
            if text.get(start..end).is_none() {
                continue;
            }
            let sentence = sentence_around(text, start, end);
            let offset = sentence.as_ptr() as usize - text.as_ptr() as usize;
            for m in stated_dates(sentence, src.published.date_naive()) {
                let span = |m: DateMention| Evidence {
                    source: ev.source,
                    start: (offset + m.start) as u32,
                    len: (m.end - m.start) as u32,
                };
                if m.states(date) {
                    return Ok((span(m), m.date.precision));
                }
                if closest.is_none() && m.states_less_than(date) {
                    closest = Some((sentence[m.start..m.end].to_string(), m.date.precision));
                }
            }
        }
        Err(closest)
    }

    /// Checks that `date`, given for `what` (of the record `id`), is stated by the sentences
    /// of `evidence`. Both names are made only for the error: a bulk load checks every date.
    pub(super) fn check_stated(
        &self,
        id: impl Fn() -> String,
        what: impl Fn() -> String,
        date: FuzzyDate,
        evidence: &[Evidence],
    ) -> Result<(), GraphError> {
        match self.date_statement(date, evidence) {
            Ok(_) => Ok(()),
            Err(closest) => Err(GraphError::DateNotStated {
                id: id(),
                what: what(),
                date: date.to_string(),
                why: match closest {
                    Some((words, p)) => format!(
                        "its evidence gives only the {} (\"{words}\"): give the date as \
                         precisely as that, or say how the rest is known",
                        precision_name(p)
                    ),
                    None => "no sentence of its evidence states it: quote one that does, or \
                             say how the date was inferred"
                        .into(),
                },
            }),
        }
    }

    /// Checks an inferred date against what it is inferred from, once that event's date is
    /// known: no more precise than it, and a period that contains it. Without an event, at
    /// most a month.
    pub(super) fn check_inferred(&self, ix: NodeIndex) -> Result<(), GraphError> {
        let node = self.node(ix);
        let Some(d) = node.event() else { return Ok(()) };
        let Some(inf) = &d.inferred else {
            return Ok(());
        };
        let bad = |why: String| GraphError::DateNotStated {
            id: node.id.to_string(),
            what: format!("event `{}`", node.id),
            date: d.date.to_string(),
            why,
        };
        match inf.from {
            None if d.date.precision == Precision::Day => Err(bad(
                "a date inferred from context is at most a month: name the event it is \
                 inferred from (`from`) to give a day"
                    .into(),
            )),
            None => Ok(()),
            Some(f) => {
                let Some(fd) = self.node(f).event().map(|e| e.date) else {
                    return Ok(());
                };
                let from = &self.node(f).id;
                if d.date.precision < fd.precision {
                    return Err(bad(format!(
                        "it is inferred from `{from}`, whose date is known only to the {}",
                        precision_name(fd.precision)
                    )));
                }
                if !(d.date.date <= fd.date && fd.date <= d.date.last_day()) {
                    return Err(bad(format!(
                        "it is inferred from `{from}` ({fd}), which its period does not contain"
                    )));
                }
                Ok(())
            }
        }
    }

    /// [`Graph::check_inferred`] now, or at the end of the write when one is under way.
    pub(super) fn check_inferred_soon(&mut self, ix: NodeIndex) -> Result<(), GraphError> {
        match &mut self.batch {
            Some(b) => {
                b.checks.push((b.at, ix));
                Ok(())
            }
            None => self.check_inferred(ix),
        }
    }

    /// Starts a write of several changes: the checks between records wait for its end.
    pub fn begin_batch(&mut self) {
        self.batch = Some(Box::default());
    }

    /// Says which change of the batch applies next (for the error of a deferred check).
    pub fn batch_change(&mut self, i: usize) {
        if let Some(b) = &mut self.batch {
            b.at = i;
        }
    }

    /// Ends the batch: makes the checks it deferred, and names the change that called for the
    /// first that fails.
    pub fn end_batch(&mut self) -> Result<(), (usize, GraphError)> {
        let Some(b) = self.batch.take() else {
            return Ok(());
        };
        for (i, ix) in b.checks {
            if self.contains(ix) {
                self.check_inferred(ix).map_err(|e| (i, e))?;
            }
        }
        Ok(())
    }

    /// The inference of a new or changed event, its reasoning checked and `from` resolved.
    pub(super) fn resolve_inferred(
        &self,
        id: &str,
        inf: &NewInferred,
    ) -> Result<Inferred, GraphError> {
        let reasoning = inf.reasoning.trim().to_string();
        if reasoning.is_empty() {
            return Err(GraphError::Empty {
                what: format!("the reasoning of the inferred date of `{id}`"),
            });
        }
        let from = match &inf.from {
            None => None,
            Some(f) => {
                let f_ix = self.lookup_id(f)?;
                self.check_kind(f_ix, Some(&[Kind::Event]), "what a date is inferred from")?;
                if self.node(f_ix).id.as_str() == id {
                    return Err(GraphError::DateNotStated {
                        id: id.to_string(),
                        what: format!("event `{id}`"),
                        date: String::new(),
                        why: "its date cannot be inferred from itself".into(),
                    });
                }
                Some(f_ix)
            }
        };
        Ok(Inferred { reasoning, from })
    }

    /// Sets event `ix`'s inference (resolved), registering it with the event it names.
    pub(super) fn set_inferred(&mut self, ix: NodeIndex, inf: Option<Inferred>) {
        let old = self.node(ix).event().and_then(|d| d.inferred.clone());
        if let Some(f) = old.as_ref().and_then(|o| o.from) {
            self.refs_mut(f).inferrers.retain(|&u| u != ix);
            self.gc_refs(f);
        }
        if let Some(f) = inf.as_ref().and_then(|i| i.from) {
            self.refs_mut(f).inferrers.push(ix);
        }
        if old.is_none() && inf.is_none() {
            return;
        }
        let mut node = self.node(ix).clone();
        if let Detail::Event(d) = &mut node.detail {
            d.inferred = inf.map(Arc::new);
        }
        self.set_node_data(ix, node);
    }

    /// The events whose date is inferred from event `ix`'s.
    pub(super) fn inferrers(&self, ix: NodeIndex) -> Vec<NodeIndex> {
        self.refs_of(ix).inferrers.clone()
    }
}

/// What supports a node or relation: the quotes, the editorial marks, and (for a participation
/// without its own quote) the event whose evidence it shows.
#[derive(Debug, Clone, Default)]
pub struct Support {
    pub evidence: Vec<Evidence>,
    pub editorial: Vec<Arc<Editorial>>,
    pub inherited_from: Option<NodeIndex>,
}

impl Graph {
    /// What supports a node: the quotes of its own statements (an event's evidence, a
    /// source's byline, the bases of its description, notice period and claims), then, for an
    /// entity, the quotes of the relations at it, up to `limit` quotes in all.
    pub fn node_support(&self, ix: NodeIndex, limit: usize) -> Support {
        let node = self.node(ix);
        let mut out = Support::default();
        let add = |out: &mut Support, ev: &Evidence| {
            if out.evidence.len() < limit && !out.evidence.contains(ev) {
                out.evidence.push(*ev);
            }
        };
        if let Some(d) = node.event() {
            d.evidence.iter().for_each(|e| add(&mut out, e));
        }
        let st = node.statements();
        for b in st
            .description
            .iter()
            .chain(&st.notice_period)
            .chain(st.claims.iter().map(|c| &c.basis))
        {
            match b {
                Basis::Sourced(evs) => evs.iter().for_each(|e| add(&mut out, e)),
                Basis::Editorial(e) => {
                    if !out.editorial.iter().any(|x| x == e) {
                        out.editorial.push(e.clone());
                    }
                }
            }
        }
        // An entity is known from what the sources say about it: its relations.
        for v in self.relation_list(ix).iter() {
            if out.evidence.len() >= limit {
                break;
            }
            for e in self.evidence(v.edge) {
                add(&mut out, e);
            }
        }
        out
    }

    /// What supports a relation: its quotes, or its event's for a participation without its own.
    pub fn relation_support(&self, e: EdgeIndex) -> Support {
        Support {
            evidence: self.evidence(e).to_vec(),
            editorial: vec![],
            inherited_from: self.evidence_inherited_from(e),
        }
    }

    /// The event whose evidence a relation shows instead of its own.
    pub fn evidence_inherited_from(&self, e: EdgeIndex) -> Option<NodeIndex> {
        match self.relation(e).evidence {
            EvidenceRef::Event(ix) => Some(ix),
            _ => None,
        }
    }

    /// Whether no source supports the node: an entity (not an event or source, which have
    /// evidence by construction) with no relation and no sourced statement.
    pub fn is_unsourced(&self, ix: NodeIndex) -> bool {
        let node = self.node(ix);
        !matches!(node.kind, Kind::Event | Kind::Source)
            && self.degree(ix) == 0
            && node.statements().evidence().next().is_none()
    }

    /// The entities no source supports, by kind then id, at most `limit`. They are the start
    /// of each kind's by-degree ordering (degree 0), so this costs what it lists, plus the
    /// isolated entities with sourced statements it skips.
    pub fn unsourced(&self, limit: usize) -> (Vec<NodeIndex>, usize) {
        let mut out = vec![];
        let mut total = 0;
        for kind in [Kind::State, Kind::Person, Kind::Organization, Kind::Treaty] {
            let isolated = self
                .orders_of(kind)
                .by_degree
                .iter()
                .take_while(|((d, _), _)| *d == 0);
            for (_, &ix) in isolated {
                if self.is_unsourced(ix) {
                    total += 1;
                    if out.len() < limit {
                        out.push(ix);
                    }
                }
            }
        }
        (out, total)
    }
}

fn precision_name(p: Precision) -> &'static str {
    match p {
        Precision::Day => "day",
        Precision::Month => "month",
        Precision::Year => "year",
    }
}
