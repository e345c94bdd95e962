//! What the graph's statements rest on, as the API shows it: claims with their basis, the
//! editorial marks, how each date is known, and the one `support` answer every node, relation
//! and claim has ("what supports this?"), with each quote located in its source's text.

use std::sync::Arc;

use async_graphql::{Enum, Object, SimpleObject};
use petgraph::stable_graph::{EdgeIndex, NodeIndex};

use super::analysis::in_range;
use super::error::ApiError;
use super::execute::charge;
use super::scalars::Date;
use super::types::{DatePrecision, Event, Evidence, NodeRef, NoticePeriodRule};
use crate::graph::{self, Basis, Graph};

/// How many quotes an entity's `support` lists unless told.
const DEFAULT_SUPPORT_LIMIT: usize = 10;
/// The most it lists.
pub const MAX_SUPPORT_LIMIT: usize = 100;

/// Where a statement comes from.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Origin {
    /// Quotes of a source state it.
    Sourced,
    /// The editors added it as background; `editorial` says who, when and why.
    Editorial,
    /// Nothing supports it: an entity no source mentions (see `unsourced`).
    Unsourced,
}

/// Background the editors vouch for, which no source states.
#[derive(SimpleObject, Clone)]
pub struct Editorial {
    /// Who added it: an editor, or the name of the write token it was written with.
    pub by: String,
    /// When.
    pub at: Date,
    /// Why, or where it comes from.
    pub note: Option<String>,
}

impl From<&graph::Editorial> for Editorial {
    fn from(e: &graph::Editorial) -> Self {
        Editorial {
            by: e.by.clone(),
            at: Date(e.at),
            note: e.note.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Claim {
    pub property: String,
    pub value: String,
    basis: Basis,
    g: Arc<Graph>,
}

/// A statement about an entity or event that is not a relation (`bans: the use of
/// anti-personnel mines`), with what it rests on. The entity's `description` and a treaty's
/// notice period are claims too (`description`, `notice_period_months`).
#[Object]
impl Claim {
    /// What is stated: a lowercase word such as `bans`, `description` or `notice_period_months`.
    async fn property(&self) -> &str {
        &self.property
    }

    /// The value stated.
    async fn value(&self) -> &str {
        &self.value
    }

    /// Whether a source states it or the editors added it.
    async fn origin(&self) -> Origin {
        origin_of(&self.basis)
    }

    /// The quotes that state it (none for editorial background).
    async fn evidence(&self) -> Vec<Evidence> {
        evidence(&self.g, self.basis.evidence())
    }

    /// Who added it, when and why, for editorial background.
    async fn editorial(&self) -> Option<Editorial> {
        self.basis.editorial().map(Editorial::from)
    }

    /// What supports it: its quotes, located in their sources, or its editorial mark.
    async fn support(&self) -> Support {
        Support {
            g: self.g.clone(),
            origin: origin_of(&self.basis),
            evidence: self.basis.evidence().to_vec(),
            editorial: self
                .basis
                .editorial()
                .map(Editorial::from)
                .into_iter()
                .collect(),
            inherited_from: None,
        }
    }
}

fn origin_of(b: &Basis) -> Origin {
    match b {
        Basis::Sourced(_) => Origin::Sourced,
        Basis::Editorial(_) => Origin::Editorial,
    }
}

fn evidence(g: &Arc<Graph>, evs: &[graph::Evidence]) -> Vec<Evidence> {
    evs.iter().map(|e| Evidence::new(g, e)).collect()
}

/// The claims of a node: its description, its notice period, then the others in the order
/// given; only those of `property` when it is given.
pub fn claims(r: &NodeRef, property: Option<&str>) -> Vec<Claim> {
    let node = r.g.node(r.ix);
    let st = node.statements();
    let notice = match node.detail {
        graph::Detail::Treaty {
            notice_period_months: Some(m),
        } => Some(m.to_string()),
        _ => None,
    };
    let own = [
        (
            graph::DESCRIPTION,
            Some(node.description.clone()),
            &st.description,
        ),
        (graph::NOTICE_PERIOD, notice, &st.notice_period),
    ];
    let own = own.into_iter().filter_map(|(p, v, b)| {
        Some(Claim {
            property: p.to_string(),
            value: v?,
            basis: b.clone()?,
            g: r.g.clone(),
        })
    });
    let others = st.claims.iter().map(|c| Claim {
        property: c.property.clone(),
        value: c.value.clone(),
        basis: c.basis.clone(),
        g: r.g.clone(),
    });
    own.chain(others)
        .filter(|c| property.is_none_or(|p| p == c.property))
        .collect()
}

#[derive(Clone)]
pub struct Support {
    g: Arc<Graph>,
    origin: Origin,
    evidence: Vec<graph::Evidence>,
    editorial: Vec<Editorial>,
    inherited_from: Option<NodeIndex>,
}

/// The answer to "what supports this?": the quotes (each located in its source's text, to
/// highlight), the editorial marks, and for a participation without a quote of its own the
/// event whose evidence it shows.
#[Object]
impl Support {
    /// `SOURCED` when a quote supports it, else `EDITORIAL` when the editors vouch for it,
    /// else `UNSOURCED`.
    async fn origin(&self) -> Origin {
        self.origin
    }

    /// The quotes, each with its offsets in its source's `text`.
    async fn evidence(&self) -> Vec<Evidence> {
        evidence(&self.g, &self.evidence)
    }

    /// The editorial marks of its statements without quotes.
    async fn editorial(&self) -> &[Editorial] {
        &self.editorial
    }

    /// Whether the quotes are not its own but its event's: a participant the event's evidence
    /// names, without words of its own.
    async fn inherited(&self) -> bool {
        self.inherited_from.is_some()
    }

    /// The event whose evidence it shows, when `inherited`.
    async fn inherited_from(&self) -> Option<Event> {
        self.inherited_from.map(|ix| {
            Event(NodeRef {
                g: self.g.clone(),
                ix,
            })
        })
    }
}

impl Support {
    fn of(g: &Arc<Graph>, s: graph::Support) -> Support {
        let origin = if !s.evidence.is_empty() {
            Origin::Sourced
        } else if !s.editorial.is_empty() {
            Origin::Editorial
        } else {
            Origin::Unsourced
        };
        Support {
            g: g.clone(),
            origin,
            evidence: s.evidence,
            editorial: s.editorial.iter().map(|e| Editorial::from(&**e)).collect(),
            inherited_from: s.inherited_from,
        }
    }
}

/// What supports a node, at most `limit` quotes (default 10, at most 100).
pub fn node_support(r: &NodeRef, limit: Option<i32>) -> Result<Support, ApiError> {
    let limit = limit_of(limit)?;
    charge(limit)?;
    Ok(Support::of(&r.g, r.g.node_support(r.ix, limit)))
}

/// What supports a relation, at most `limit` quotes.
pub fn relation_support(
    g: &Arc<Graph>,
    e: EdgeIndex,
    limit: Option<i32>,
) -> Result<Support, ApiError> {
    let mut s = g.relation_support(e);
    s.evidence.truncate(limit_of(limit)?);
    Ok(Support::of(g, s))
}

fn limit_of(limit: Option<i32>) -> Result<usize, ApiError> {
    limit.map_or(Ok(DEFAULT_SUPPORT_LIMIT), |l| {
        in_range("limit", l, 0, MAX_SUPPORT_LIMIT as i32)
    })
}

/// How a date is known.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DateBasisKind {
    /// A sentence of the evidence states it (`evidence` are its words).
    Stated,
    /// A rule computed it (`rule`), from dates known in their own ways.
    Computed,
    /// An editor inferred it from context (`reasoning`, `inferredFrom`).
    Inferred,
}

#[derive(Clone)]
pub struct DateBasis {
    r: NodeRef,
    /// The event whose date it is (for a relation's bound, the event that sets it).
    event: NodeIndex,
    /// For a bound typed in as a date: the relation whose evidence states it, and the day.
    bound: Option<(EdgeIndex, chrono::NaiveDate)>,
    /// The words that state the date and their precision, found once when first asked for
    /// (`reasoning`, `evidence` and `maxPrecision` all read them).
    statement: Arc<std::sync::OnceLock<Option<(graph::Evidence, graph::Precision)>>>,
}

impl DateBasis {
    /// The basis of an event's date.
    pub fn of_event(r: &NodeRef) -> DateBasis {
        DateBasis {
            r: r.clone(),
            event: r.ix,
            bound: None,
            statement: Default::default(),
        }
    }

    /// The basis of a relation's bound: the event's, or the relation's own evidence.
    pub fn of_bound(g: &Arc<Graph>, e: EdgeIndex, b: graph::Bound) -> DateBasis {
        let (from, _) = g.ends(e);
        match b.origin {
            graph::BoundOrigin::Event(ix) => DateBasis {
                r: NodeRef { g: g.clone(), ix },
                event: ix,
                bound: None,
                statement: Default::default(),
            },
            graph::BoundOrigin::Given => DateBasis {
                r: NodeRef {
                    g: g.clone(),
                    ix: from,
                },
                event: from,
                bound: Some((e, b.date)),
                statement: Default::default(),
            },
        }
    }

    fn data(&self) -> Option<&graph::EventData> {
        self.r.g.node(self.event).event()
    }

    fn basis_kind(&self) -> DateBasisKind {
        if self.bound.is_some() {
            return DateBasisKind::Stated;
        }
        match self.data().map(|d| d.date_basis()) {
            Some(graph::DateBasis::Computed) => DateBasisKind::Computed,
            Some(graph::DateBasis::Inferred) => DateBasisKind::Inferred,
            _ => DateBasisKind::Stated,
        }
    }

    /// The words that state the date, as a span of their source, and how precisely.
    fn statement(&self) -> Option<(graph::Evidence, graph::Precision)> {
        *self.statement.get_or_init(|| {
            let g = &self.r.g;
            match self.bound {
                Some((e, day)) => g
                    .date_statement(graph::FuzzyDate::day(day), g.evidence(e))
                    .ok(),
                None => {
                    let d = self.data()?;
                    if d.date_basis() != graph::DateBasis::Stated {
                        return None;
                    }
                    g.date_statement(d.date, &d.evidence).ok()
                }
            }
        })
    }
}

/// How a date is known, and how precisely that allows it to be given.
#[Object]
impl DateBasis {
    /// Whether the source states the date, a rule computed it, or an editor inferred it.
    async fn kind(&self) -> DateBasisKind {
        self.basis_kind()
    }

    /// How the date is known, in words.
    async fn reasoning(&self) -> String {
        let g = &self.r.g;
        match self.basis_kind() {
            DateBasisKind::Stated => match self.statement() {
                Some((ev, _)) => format!("Stated by the source: \"{}\".", g.quote(&ev)),
                None => "Stated by the source.".into(),
            },
            DateBasisKind::Computed => match self.data().and_then(|d| d.rule.clone()) {
                Some(graph::DateRule::NoticePeriod {
                    notification,
                    treaty,
                    months,
                }) => {
                    let name = |id: &graph::NodeId| {
                        g.lookup(id.as_str())
                            .map_or(id.to_string(), |ix| g.node(ix).name.clone())
                    };
                    format!(
                        "Computed: {months} months (the notice period of the {}) after {}.",
                        name(&treaty),
                        name(&notification)
                    )
                }
                None => "Computed by a rule.".into(),
            },
            DateBasisKind::Inferred => self
                .data()
                .and_then(|d| d.inferred.as_ref())
                .map_or_else(String::new, |i| i.reasoning.clone()),
        }
    }

    /// For a stated date: the words of the source that state it (highlight them with the
    /// offsets).
    async fn evidence(&self) -> Option<Evidence> {
        self.statement()
            .map(|(ev, _)| Evidence::new(&self.r.g, &ev))
    }

    /// For an inferred date: the event it is inferred from.
    async fn inferred_from(&self) -> Option<Event> {
        if self.bound.is_some() {
            return None;
        }
        let from = self.data()?.inferred.as_ref()?.from?;
        Some(Event(self.r.at(from)))
    }

    /// For a computed date: the rule.
    async fn rule(&self) -> Option<NoticePeriodRule> {
        if self.bound.is_some() {
            return None;
        }
        let rule = self.data()?.rule.clone()?;
        Some(NoticePeriodRule::new(self.r.at(self.event), rule))
    }

    /// For a relation's bound set by an event: that event.
    async fn event(&self) -> Option<Event> {
        if self.bound.is_some() {
            return None;
        }
        Some(Event(self.r.at(self.event)))
    }

    /// The finest precision this basis supports: a date is never given more precisely. The
    /// words' precision for a stated date, the precision of what it is inferred from (at most
    /// `MONTH` without one) for an inferred one, the input's for a computed one.
    async fn max_precision(&self) -> DatePrecision {
        let g = &self.r.g;
        let p = match self.basis_kind() {
            DateBasisKind::Stated => self.statement().map(|(_, p)| p),
            DateBasisKind::Computed => self.data().map(|d| d.date.precision),
            DateBasisKind::Inferred => self.data().and_then(|d| {
                let inf = d.inferred.as_ref()?;
                Some(match inf.from {
                    Some(f) => g.node(f).event()?.date.precision,
                    None => graph::Precision::Month,
                })
            }),
        };
        p.unwrap_or(graph::Precision::Year).into()
    }
}
