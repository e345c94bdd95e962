//! The property graph the GraphML, DOT, Cypher and CSV formats share: records seen as nodes
//! (sources, entities, events) and edges (relations, a source's publisher, an event's
//! participants), each in a deterministic order, so every format draws the same graph.

use std::collections::BTreeMap;

use crate::seed::{
    ClaimRecord, EditorialRecord, EntityRecord, EventRecord, EvidenceRecord, ParticipantRecord,
    RecordSet, RelationRecord, SourceRecord,
};

/// What every node has beside its id, kind, name and description, written alike by every
/// format: empty for what a source has none of (labels, aliases, links, claims).
pub struct Shared<'a> {
    pub description_evidence: &'a [EvidenceRecord],
    pub description_editorial: Option<&'a EditorialRecord>,
    pub labels: &'a BTreeMap<String, String>,
    pub aliases: &'a [String],
    pub same_as: &'a [String],
    pub claims: &'a [ClaimRecord],
}

static NO_LABELS: BTreeMap<String, String> = BTreeMap::new();

/// A record that is a node.
#[derive(Debug, Clone, Copy)]
pub enum Node<'a> {
    Source(&'a SourceRecord),
    Entity(&'a EntityRecord),
    Event(&'a EventRecord),
}

impl<'a> Node<'a> {
    pub fn shared(&self) -> Shared<'a> {
        match *self {
            Node::Source(s) => Shared {
                description_evidence: &s.description_evidence,
                description_editorial: s.description_editorial.as_ref(),
                labels: &NO_LABELS,
                aliases: &[],
                same_as: &[],
                claims: &[],
            },
            Node::Entity(e) => Shared {
                description_evidence: &e.description_evidence,
                description_editorial: e.description_editorial.as_ref(),
                labels: &e.labels,
                aliases: &e.aliases,
                same_as: &e.same_as,
                claims: &e.claims,
            },
            Node::Event(e) => Shared {
                description_evidence: &e.description_evidence,
                description_editorial: e.description_editorial.as_ref(),
                labels: &e.labels,
                aliases: &e.aliases,
                same_as: &e.same_as,
                claims: &e.claims,
            },
        }
    }

    pub fn id(&self) -> &'a str {
        match self {
            Node::Source(s) => &s.id,
            Node::Entity(e) => &e.id,
            Node::Event(e) => &e.id,
        }
    }

    /// The graph's kind: `state`, `person`, `organization`, `treaty`, `event` or `source`.
    pub fn kind(&self) -> &'a str {
        match self {
            Node::Source(_) => "source",
            Node::Entity(e) => &e.kind,
            Node::Event(_) => "event",
        }
    }

    /// What a person reads as the node's name: an entity's name, an event's or source's title.
    pub fn name(&self) -> &'a str {
        match self {
            Node::Source(s) => &s.title,
            Node::Entity(e) => &e.name,
            Node::Event(e) => &e.title,
        }
    }

    pub fn description(&self) -> &'a str {
        match self {
            Node::Source(s) => &s.description,
            Node::Entity(e) => &e.description,
            Node::Event(e) => &e.description,
        }
    }
}

/// Every node, by id.
pub fn nodes(records: &RecordSet) -> Vec<Node<'_>> {
    let mut out: Vec<Node> =
        Vec::with_capacity(records.sources.len() + records.entities.len() + records.events.len());
    out.extend(records.sources.iter().map(Node::Source));
    out.extend(records.entities.iter().map(Node::Entity));
    out.extend(records.events.iter().map(Node::Event));
    out.sort_by(|a, b| a.id().cmp(b.id()));
    out
}

/// Which part of an event a participation edge stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Actor,
    AddressedTo,
    Concerns,
}

impl Part {
    pub const ALL: [Part; 3] = [Part::Actor, Part::AddressedTo, Part::Concerns];

    /// The relation type the graph gives the participation (see `RelationType`).
    pub fn rel(self) -> &'static str {
        match self {
            Part::Actor => "ACTOR_IN",
            Part::AddressedTo => "ADDRESSED_TO",
            Part::Concerns => "CONCERNS",
        }
    }

    pub fn of_rel(rel: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.rel() == rel)
    }

    pub fn list(self, e: &EventRecord) -> &[ParticipantRecord] {
        match self {
            Part::Actor => &e.actors,
            Part::AddressedTo => &e.addressed_to,
            Part::Concerns => &e.concerns,
        }
    }

    pub fn list_mut(self, e: &mut EventRecord) -> &mut Vec<ParticipantRecord> {
        match self {
            Part::Actor => &mut e.actors,
            Part::AddressedTo => &mut e.addressed_to,
            Part::Concerns => &mut e.concerns,
        }
    }
}

/// Where an edge comes from in the records.
#[derive(Debug, Clone, Copy)]
pub enum EdgeOrigin<'a> {
    Relation(&'a RelationRecord),
    /// A source's `publisher` (its `byline` is the evidence).
    Publisher(&'a SourceRecord),
    Participant {
        event: &'a EventRecord,
        part: Part,
        participant: &'a ParticipantRecord,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct Edge<'a> {
    pub rel: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub origin: EdgeOrigin<'a>,
}

impl<'a> Edge<'a> {
    /// The quote an edge stands on when it has one of its own (a participant's words, a
    /// byline); a relation's evidence is a list (see [`EdgeOrigin::Relation`]).
    pub fn quote(&self) -> Option<&'a str> {
        match self.origin {
            EdgeOrigin::Relation(_) => None,
            EdgeOrigin::Publisher(s) => s.byline.as_deref(),
            EdgeOrigin::Participant { participant, .. } => match participant {
                ParticipantRecord::Id(_) => None,
                ParticipantRecord::Quoted(q) => Some(&q.quote),
            },
        }
    }
}

/// Every edge: the relations by id, then the publishers by source, then the participations by
/// event (each event's in record order, which a round trip keeps).
pub fn edges(records: &RecordSet) -> Vec<Edge<'_>> {
    let mut relations: Vec<(String, &RelationRecord)> = records
        .relations
        .iter()
        .map(|r| (r.effective_id(), r))
        .collect();
    relations.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<Edge> = relations
        .into_iter()
        .map(|(_, r)| Edge {
            rel: &r.rel,
            from: &r.from,
            to: &r.to,
            origin: EdgeOrigin::Relation(r),
        })
        .collect();
    let mut sources: Vec<&SourceRecord> = records.sources.iter().collect();
    sources.sort_by(|a, b| a.id.cmp(&b.id));
    out.extend(sources.into_iter().filter_map(|s| {
        s.publisher.as_deref().map(|p| Edge {
            rel: "PUBLISHED_BY",
            from: &s.id,
            to: p,
            origin: EdgeOrigin::Publisher(s),
        })
    }));
    let mut events: Vec<&EventRecord> = records.events.iter().collect();
    events.sort_by(|a, b| a.id.cmp(&b.id));
    for event in events {
        for part in Part::ALL {
            for participant in part.list(event) {
                let (from, to) = match part {
                    Part::Actor => (participant.id(), event.id.as_str()),
                    _ => (event.id.as_str(), participant.id()),
                };
                out.push(Edge {
                    rel: part.rel(),
                    from,
                    to,
                    origin: EdgeOrigin::Participant {
                        event,
                        part,
                        participant,
                    },
                });
            }
        }
    }
    out
}
