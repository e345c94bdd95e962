//! What an export holds: the whole graph, or the part a question selects (a neighbourhood, a
//! path), optionally as of a day (only the relations that hold on it). A part is written as
//! records that load on their own: the nodes it needs to be valid come with it (the events a
//! date rule, an inferred date or a validity bound refers to, the treaty whose notice period
//! dates an event, every source a quote is from), and what points outside it is left out (a
//! participant or publisher not in the part).

use std::collections::{BTreeSet, HashSet};

use chrono::NaiveDate;
use petgraph::graph::{EdgeIndex, NodeIndex};

use crate::graph::{Graph, Kind, TraversalFilter};
use crate::seed::{self, ParticipantRecord, RecordSet};

/// The most nodes a neighbourhood export takes unless told otherwise.
pub const DEFAULT_LIMIT: usize = 10_000;
/// The most hops a path export looks along.
pub const MAX_HOPS: usize = 6;

/// Which part of the graph to export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    /// Only relations that hold on this day.
    pub as_of: Option<NaiveDate>,
    /// The neighbourhood of a node: its id, the depth and the most nodes.
    pub around: Option<Around>,
    /// The shortest path between two nodes, by id.
    pub path: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Around {
    pub id: String,
    pub depth: usize,
    pub limit: usize,
}

/// Why a view cannot be exported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewError {
    #[error("`{0}` does not exist")]
    UnknownNode(String),
    #[error("no path from `{from}` to `{to}` within {MAX_HOPS} hops")]
    NoPath { from: String, to: String },
    #[error("give a neighbourhood or a path, not both")]
    Both,
}

/// The records of `view` on `g`.
pub fn records(g: &Graph, view: &View) -> Result<RecordSet, ViewError> {
    let filter = TraversalFilter {
        types: None,
        as_of: view.as_of,
    };
    let lookup = |id: &str| {
        g.lookup(id)
            .ok_or_else(|| ViewError::UnknownNode(id.into()))
    };
    let (nodes, edges): (Vec<NodeIndex>, Vec<EdgeIndex>) = match (&view.around, &view.path) {
        (Some(_), Some(_)) => return Err(ViewError::Both),
        (None, None) => return Ok(whole(g, view.as_of)),
        (Some(a), None) => {
            let sub = g.neighborhood(lookup(&a.id)?, a.depth, &filter, None, a.limit);
            (sub.nodes, sub.edges)
        }
        (None, Some((from, to))) => {
            let path = g
                .shortest_path(lookup(from)?, lookup(to)?, MAX_HOPS, &filter)
                .ok_or_else(|| ViewError::NoPath {
                    from: from.clone(),
                    to: to.clone(),
                })?;
            let mut nodes = vec![path.start];
            nodes.extend(path.hops.iter().map(|h| h.to));
            (nodes, path.hops.iter().map(|h| h.edge).collect())
        }
    };
    Ok(part(g, nodes, edges))
}

/// Every record, or with `as_of` every node and the relations that hold on that day.
fn whole(g: &Graph, as_of: Option<NaiveDate>) -> RecordSet {
    let mut records = seed::records_of(g);
    if let Some(day) = as_of {
        records.relations = g
            .edge_indices()
            .filter(|&e| g.relation(e).derived.is_none() && g.relation(e).holds_on(day))
            .map(|e| seed::relation_record(g, e))
            .collect();
    }
    records
}

/// The records of the given nodes and relations, with what they need to load.
fn part(g: &Graph, nodes: Vec<NodeIndex>, edges: Vec<EdgeIndex>) -> RecordSet {
    let mut kept: HashSet<NodeIndex> = nodes.iter().copied().collect();
    let relations: Vec<EdgeIndex> = edges
        .into_iter()
        .filter(|&e| g.relation(e).derived.is_none())
        .collect();
    // The nodes a kept record refers to and cannot load without, until there are no more.
    let mut work: Vec<NodeIndex> = kept.iter().copied().collect();
    let relation_records: Vec<_> = relations
        .iter()
        .map(|&e| seed::relation_record(g, e))
        .collect();
    for r in &relation_records {
        for id in [&r.valid_from_event, &r.valid_until_event]
            .into_iter()
            .flatten()
        {
            work.extend(g.lookup(id));
        }
    }
    while let Some(ix) = work.pop() {
        kept.insert(ix);
        if g.node(ix).kind != Kind::Event {
            continue;
        }
        let e = seed::event_record(g, ix);
        let rule = e
            .date_rule
            .iter()
            .flat_map(|r| [&r.after, &r.notice_period_of]);
        let inferred = e.date_inferred.iter().filter_map(|i| i.from.as_ref());
        for id in rule.chain(inferred) {
            if let Some(dep) = g.lookup(id)
                && !kept.contains(&dep)
            {
                work.push(dep);
            }
        }
    }
    let mut order: Vec<NodeIndex> = kept.iter().copied().collect();
    order.sort_unstable();
    let ids: HashSet<String> = order.iter().map(|&ix| g.node(ix).id.to_string()).collect();
    let mut out = RecordSet::default();
    for &ix in &order {
        match g.node(ix).kind {
            Kind::Source => {}
            Kind::Event => {
                let mut e = seed::event_record(g, ix);
                for list in [&mut e.actors, &mut e.addressed_to, &mut e.concerns] {
                    list.retain(|p: &ParticipantRecord| ids.contains(p.id()));
                }
                out.events.push(e);
            }
            _ => out.entities.push(seed::entity_record(g, ix)),
        }
    }
    out.relations = relation_records;
    // Every source a kept record quotes, and those their own descriptions quote.
    let mut sources: BTreeSet<NodeIndex> = order
        .iter()
        .copied()
        .filter(|&ix| g.node(ix).kind == Kind::Source)
        .collect();
    let mut cited: Vec<String> = cited_sources(&out);
    while let Some(id) = cited.pop() {
        if let Some(ix) = g.lookup(&id)
            && sources.insert(ix)
        {
            let s = seed::source_record(g, ix);
            cited.extend(s.description_evidence.iter().map(|e| e.source.clone()));
        }
    }
    for ix in sources {
        let mut s = seed::source_record(g, ix);
        if s.publisher.as_ref().is_some_and(|p| !ids.contains(p)) {
            s.publisher = None;
            s.byline = None;
        }
        out.sources.push(s);
    }
    out
}

/// The ids of the sources the records' quotes come from.
fn cited_sources(r: &RecordSet) -> Vec<String> {
    let mut ids = Vec::new();
    let claims = |claims: &[seed::ClaimRecord], ids: &mut Vec<String>| {
        for c in claims {
            ids.extend(c.evidence.iter().map(|e| e.source.clone()));
        }
    };
    for e in &r.entities {
        ids.extend(e.description_evidence.iter().map(|e| e.source.clone()));
        ids.extend(e.notice_period_evidence.iter().map(|e| e.source.clone()));
        claims(&e.claims, &mut ids);
    }
    for e in &r.events {
        ids.extend(e.evidence.iter().map(|e| e.source.clone()));
        ids.extend(e.description_evidence.iter().map(|e| e.source.clone()));
        claims(&e.claims, &mut ids);
        for p in e.actors.iter().chain(&e.addressed_to).chain(&e.concerns) {
            if let ParticipantRecord::Quoted(q) = p {
                ids.extend(q.source.clone());
            }
        }
    }
    for rel in &r.relations {
        ids.extend(rel.evidence.iter().map(|e| e.source.clone()));
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_graph() -> Graph {
        seed::load(&seed::SeedSource::BuiltIn).expect("the default data loads")
    }

    #[test]
    fn a_neighbourhood_exports_records_that_load_on_their_own() {
        let g = default_graph();
        let view = View {
            around: Some(Around {
                id: "person/alar-karis".into(),
                depth: 1,
                limit: DEFAULT_LIMIT,
            }),
            ..View::default()
        };
        let r = records(&g, &view).unwrap();
        let part = seed::build(&r).expect("the part validates as a seed");
        assert!(part.lookup("person/alar-karis").is_some());
        assert!(part.node_count() < g.node_count(), "a part, not the whole");
        assert!(!r.relations.is_empty() || !r.events.is_empty());
        // Every quote's source came along.
        for id in cited_sources(&r) {
            assert!(part.lookup(&id).is_some(), "{id} is cited but missing");
        }
    }

    #[test]
    fn a_path_exports_its_nodes_and_relations_and_what_they_need() {
        let g = default_graph();
        let view = View {
            path: Some(("person/alar-karis".into(), "org/nato".into())),
            ..View::default()
        };
        let r = records(&g, &view).unwrap();
        seed::build(&r).expect("the path validates as a seed");
        let ids: Vec<&str> = r.entities.iter().map(|e| e.id.as_str()).collect();
        assert!(
            ids.contains(&"person/alar-karis") && ids.contains(&"org/nato"),
            "{ids:?}"
        );
    }

    #[test]
    fn as_of_keeps_only_the_relations_that_hold_on_the_day() {
        let g = default_graph();
        let all = records(&g, &View::default()).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let then = records(
            &g,
            &View {
                as_of: Some(day),
                ..View::default()
            },
        )
        .unwrap();
        assert!(then.relations.len() < all.relations.len());
        assert_eq!(then.entities.len(), all.entities.len());
        seed::build(&then).expect("an as-of view validates");
    }

    #[test]
    fn unknown_ends_and_two_questions_are_refused() {
        let g = default_graph();
        let unknown = View {
            path: Some(("state/atlantis".into(), "org/nato".into())),
            ..View::default()
        };
        assert_eq!(
            records(&g, &unknown),
            Err(ViewError::UnknownNode("state/atlantis".into()))
        );
        let both = View {
            path: Some(("state/estonia".into(), "org/nato".into())),
            around: Some(Around {
                id: "state/estonia".into(),
                depth: 1,
                limit: 10,
            }),
            ..View::default()
        };
        assert_eq!(records(&g, &both), Err(ViewError::Both));
    }
}
