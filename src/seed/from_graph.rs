//! The records of a graph version: the seed format read back out of the graph, for exports and
//! snapshots. The graph is the state; records are how it is written down. A node's derived
//! relations (participants, a date rule's `LEADS_TO`, a publisher) go back into its record.

use std::sync::Arc;

use petgraph::graph::{EdgeIndex, NodeIndex};

use super::records::*;
use crate::graph::{
    Basis, BoundOrigin, DateRule, Derived, Detail, Direction, Editorial, Evidence, EvidenceRef,
    Graph, Kind, RelationType,
};

/// Every record of the graph, in the order the nodes and relations were added.
pub fn records(g: &Graph) -> RecordSet {
    let mut out = RecordSet::default();
    for ix in g.node_indices() {
        match g.node(ix).kind {
            Kind::Source => out.sources.push(source_record(g, ix)),
            Kind::Event => out.events.push(event_record(g, ix)),
            _ => out.entities.push(entity_record(g, ix)),
        }
    }
    out.relations = g
        .edge_indices()
        .filter(|&e| g.relation(e).derived.is_none())
        .map(|e| relation_record(g, e))
        .collect();
    out
}

pub fn source_record(g: &Graph, ix: NodeIndex) -> SourceRecord {
    let n = g.node(ix);
    let s = n.source().expect("a source node has source data");
    let publisher = g
        .relations_of(
            ix,
            Some(Direction::Outgoing),
            Some(&[RelationType::PublishedBy]),
        )
        .into_iter()
        .find(|v| g.relation(v.edge).derived == Some(Derived::Publisher));
    SourceRecord {
        id: n.id.to_string(),
        title: s.title.clone(),
        description: n.description.clone(),
        publisher: publisher.map(|v| g.node(v.other).id.to_string()),
        byline: publisher.and_then(|v| g.evidence(v.edge).first().map(|e| g.quote(e).to_string())),
        url: s.url.clone(),
        published: s.published.to_rfc3339(),
        language: s.language.clone(),
        text_file: None,
        text: Some(s.text.clone()),
        description_evidence: basis_evidence(g, n.statements().description.as_ref()),
        description_editorial: basis_editorial(n.statements().description.as_ref()),
    }
}

fn evidence_records(g: &Graph, evs: &[Evidence]) -> Vec<EvidenceRecord> {
    evs.iter()
        .map(|e| EvidenceRecord {
            source: g.node(e.source).id.to_string(),
            quote: g.quote(e).to_string(),
            start: Some(e.start),
        })
        .collect()
}

fn basis_evidence(g: &Graph, b: Option<&Basis>) -> Vec<EvidenceRecord> {
    b.map(|b| evidence_records(g, b.evidence()))
        .unwrap_or_default()
}

fn basis_editorial(b: Option<&Basis>) -> Option<EditorialRecord> {
    b.and_then(Basis::editorial).map(editorial_record)
}

pub fn editorial_record(e: &Editorial) -> EditorialRecord {
    EditorialRecord {
        by: e.by.clone(),
        at: e.at.format("%Y-%m-%d").to_string(),
        note: e.note.clone(),
    }
}

fn claim_records(g: &Graph, n: &crate::graph::Node) -> Vec<ClaimRecord> {
    n.statements()
        .claims
        .iter()
        .map(|c| ClaimRecord {
            property: c.property.clone(),
            value: c.value.clone(),
            evidence: evidence_records(g, c.basis.evidence()),
            editorial: c.basis.editorial().map(editorial_record),
        })
        .collect()
}

pub fn entity_record(g: &Graph, ix: NodeIndex) -> EntityRecord {
    let n = g.node(ix);
    EntityRecord {
        id: n.id.to_string(),
        kind: n.kind.as_str().to_string(),
        name: n.name.clone(),
        labels: n.labels.clone(),
        aliases: n.aliases.clone(),
        same_as: n.same_as.to_vec(),
        description: n.description.clone(),
        notice_period_months: match n.detail {
            Detail::Treaty {
                notice_period_months,
            } => notice_period_months,
            _ => None,
        },
        description_evidence: basis_evidence(g, n.statements().description.as_ref()),
        description_editorial: basis_editorial(n.statements().description.as_ref()),
        notice_period_evidence: basis_evidence(g, n.statements().notice_period.as_ref()),
        notice_period_editorial: basis_editorial(n.statements().notice_period.as_ref()),
        claims: claim_records(g, n),
    }
}

pub fn event_record(g: &Graph, ix: NodeIndex) -> EventRecord {
    let n = g.node(ix);
    let d = n.event().expect("an event node has event data");
    let mut rec = EventRecord {
        id: n.id.to_string(),
        kind: d.kind.as_str().to_string(),
        title: n.name.clone(),
        labels: n.labels.clone(),
        aliases: n.aliases.clone(),
        same_as: n.same_as.to_vec(),
        description: n.description.clone(),
        date: None,
        date_rule: None,
        date_inferred: d.inferred.as_ref().map(|i| InferredRecord {
            reasoning: i.reasoning.clone(),
            from: i.from.map(|f| g.node(f).id.to_string()),
        }),
        actors: vec![],
        addressed_to: vec![],
        concerns: vec![],
        evidence: evidence_records(g, &d.evidence),
        description_evidence: basis_evidence(g, n.statements().description.as_ref()),
        description_editorial: basis_editorial(n.statements().description.as_ref()),
        claims: claim_records(g, n),
    };
    match &d.rule {
        Some(DateRule::NoticePeriod {
            notification,
            treaty,
            ..
        }) => {
            rec.date_rule = Some(DateRuleRecord {
                after: notification.to_string(),
                notice_period_of: treaty.to_string(),
            })
        }
        None => rec.date = Some(d.date.to_string()),
    }
    for e in g.own_derived(ix) {
        let r = g.relation(e);
        if r.derived != Some(Derived::Participant) {
            continue;
        }
        let (from, to) = g.ends(e);
        let other = if r.rel == RelationType::ActorIn {
            from
        } else {
            to
        };
        let id = g.node(other).id.to_string();
        let part = match &r.evidence {
            EvidenceRef::One(ev) => ParticipantRecord::Quoted(QuotedParticipant {
                id,
                quote: g.quote(ev).to_string(),
                source: Some(g.node(ev.source).id.to_string()),
                start: Some(ev.start),
            }),
            _ => ParticipantRecord::Id(id),
        };
        match r.rel {
            RelationType::ActorIn => rec.actors.push(part),
            RelationType::AddressedTo => rec.addressed_to.push(part),
            _ => rec.concerns.push(part),
        }
    }
    // The order of the record, not of the relation list (which is sorted by id).
    for list in [&mut rec.actors, &mut rec.addressed_to, &mut rec.concerns] {
        list.sort_by(|a, b| a.id().cmp(b.id()));
    }
    rec
}

pub fn relation_record(g: &Graph, e: EdgeIndex) -> RelationRecord {
    let r = g.relation(e);
    let (from, to) = g.ends(e);
    let bound = |b: Option<crate::graph::Bound>| match b.map(|b| (b.date, b.origin)) {
        None => (None, None),
        Some((_, BoundOrigin::Event(ev))) => (None, Some(g.node(ev).id.to_string())),
        Some((date, BoundOrigin::Given)) => (Some(date.format("%Y-%m-%d").to_string()), None),
    };
    let (valid_from, valid_from_event) = bound(r.valid_from);
    let (valid_until, valid_until_event) = bound(r.valid_until);
    let evidence: Arc<[crate::graph::Evidence]> = Arc::from(g.evidence(e));
    RelationRecord {
        id: r.id().map(|s| s.to_string()),
        rel: r.rel.as_str().to_string(),
        from: g.node(from).id.to_string(),
        to: g.node(to).id.to_string(),
        role: r.role().map(|s| s.to_string()),
        valid_from,
        valid_from_event,
        valid_until,
        valid_until_event,
        evidence: evidence_records(g, &evidence),
    }
}
