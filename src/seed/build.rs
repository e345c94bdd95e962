//! Building a graph from a record set: each record becomes builder calls, and each problem the
//! builder finds is reported with the record it came from. Seeds and mutations both come here,
//! so a write is validated exactly like the seed.

use super::records::*;
use crate::graph::{
    self, Editorial, EventDate, EventKind, FuzzyDate, Graph, GraphBuilder, GraphError, Kind,
    NewBasis, NewClaim, NewEvent, NewEvidence, NewInferred, NewNode, NewParticipant, NewRelation,
    NewSource, NewStatements, Participants, PreparedEntity, PreparedEvent, PreparedParticipants,
    PreparedRelation, RelationType, ValiditySpec,
};
use petgraph::graph::NodeIndex;

/// Builds and validates the graph of a record set. The first problem stops the build.
pub fn build(records: &RecordSet) -> Result<Graph, BuildError> {
    Loader::new().run(records)
}

/// Which list of a record set a record is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Sources,
    Entities,
    Events,
    Relations,
}

impl Section {
    /// The seed file holding this section.
    pub fn file(self) -> &'static str {
        match self {
            Section::Sources => "sources.toml",
            Section::Entities => "entities.toml",
            Section::Events => "events.toml",
            Section::Relations => "relations.toml",
        }
    }

    /// What one record is called in messages.
    pub fn record(self) -> &'static str {
        match self {
            Section::Sources => "source",
            Section::Entities => "entity",
            Section::Events => "event",
            Section::Relations => "relation",
        }
    }
}

/// A record that failed validation: where it is and what is wrong. The seed loader turns it
/// into `file: record #N (`id`): problem`; the mutation API into `record `id`: problem`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} `{id}`: {problem}", section.record())]
pub struct BuildError {
    pub section: Section,
    /// Zero-based position in its section; `None` for problems of the graph as a whole.
    pub index: Option<usize>,
    pub id: String,
    pub problem: String,
}

/// Turns records into builder calls, one record at a time, in the order that lets edges point
/// at any node whatever the order in the files: every node first (sources, entities, events),
/// then publishers, participants and relations. A caller may stream each phase's records from
/// a file (the bulk format does) instead of holding them all.
pub struct Loader {
    builder: GraphBuilder,
    /// Participants prepared with their events in phase 3, set in phase 5.
    held: Vec<HeldParticipants>,
}

/// An event's participants, kept from phase 3 for phase 5: prepared, or as read when they did
/// not pass (they may name an event not yet added; phase 5 says what is wrong, if anything).
struct HeldParticipants {
    index: usize,
    event: NodeIndex,
    participants: Result<PreparedParticipants, Participants>,
}

impl Default for Loader {
    fn default() -> Self {
        Self::new()
    }
}

fn fail(section: Section, index: usize, id: &str, problem: impl ToString) -> BuildError {
    BuildError {
        section,
        index: Some(index),
        id: id.to_string(),
        problem: problem.to_string(),
    }
}

impl Loader {
    pub fn new() -> Self {
        Loader {
            builder: GraphBuilder::new(),
            held: vec![],
        }
    }

    /// Phase 1: a source node.
    pub fn source(&mut self, i: usize, s: &SourceRecord) -> Result<(), BuildError> {
        let f = |p: String| fail(Section::Sources, i, &s.id, p);
        let input = source_input(s).map_err(f)?;
        self.builder
            .add_source(input)
            .map_err(|e| fail(Section::Sources, i, &s.id, e))?;
        Ok(())
    }

    /// Phase 2: an entity node.
    pub fn entity(&mut self, i: usize, e: &EntityRecord) -> Result<(), BuildError> {
        let (kind, input) = entity_input(e).map_err(|p| fail(Section::Entities, i, &e.id, p))?;
        self.builder
            .add_entity(kind, input)
            .map_err(|err| fail(Section::Entities, i, &e.id, err))?;
        Ok(())
    }

    /// Phase 3: an event node.
    pub fn event(&mut self, i: usize, e: &EventRecord) -> Result<(), BuildError> {
        let input = event_node_input(e).map_err(|p| fail(Section::Events, i, &e.id, p))?;
        self.builder
            .add_event(input)
            .map_err(|err| fail(Section::Events, i, &e.id, err))?;
        Ok(())
    }

    /// Says phases 1 to 3 are over (see [`GraphBuilder::all_nodes_added`]).
    pub fn all_nodes_added(&mut self) {
        self.builder.all_nodes_added();
    }

    /// Phase 4: a source's publisher.
    pub fn publisher(&mut self, i: usize, s: &SourceRecord) -> Result<(), BuildError> {
        match (&s.publisher, &s.byline) {
            (None, _) => Ok(()),
            (Some(_), None) => Err(fail(
                Section::Sources,
                i,
                &s.id,
                "`publisher` needs a `byline`: the text naming the publisher",
            )),
            (Some(p), Some(b)) => self
                .builder
                .set_publisher(&s.id, p, b)
                .map_err(|e| fail(Section::Sources, i, &s.id, e)),
        }
    }

    /// Phase 5: an event's participants.
    pub fn participants(&mut self, i: usize, e: &EventRecord) -> Result<(), BuildError> {
        self.builder
            .set_participants(&e.id, &participants(e))
            .map_err(|err| fail(Section::Events, i, &e.id, err))
    }

    /// Phase 6: a relation.
    pub fn relation(&mut self, i: usize, r: &RelationRecord) -> Result<(), BuildError> {
        let input =
            relation_input(r).map_err(|p| fail(Section::Relations, i, &r.effective_id(), p))?;
        self.builder
            .add_relation(input)
            .map_err(|err| fail(Section::Relations, i, &r.effective_id(), err))?;
        Ok(())
    }

    /// A view of the graph loaded so far that prepares the records of a later phase on
    /// another thread (see [`GraphBuilder::preparer`]); [`Loader::commit`] adds them in order.
    pub fn preparer(&self) -> Preparer {
        Preparer(self.builder.preparer())
    }

    /// Adds a record prepared by [`Preparer`], reporting a failure like the phase's method.
    /// An event's participants are kept for [`Loader::held_participants`].
    pub fn commit(&mut self, i: usize, p: Prepared) -> Result<(), BuildError> {
        let b = &mut self.builder;
        match p {
            Prepared::Entity(e) => b
                .commit_entity(e)
                .map_err(|err| fail(Section::Entities, i, &taken_id(&err), err)),
            Prepared::Event(e, participants) => {
                let event = b
                    .commit_event(e)
                    .map_err(|err| fail(Section::Events, i, &taken_id(&err), err))?;
                self.held.push(HeldParticipants {
                    index: i,
                    event,
                    participants,
                });
                Ok(())
            }
            Prepared::Relation(r) => b
                .commit_relation(r)
                .map_err(|err| fail(Section::Relations, i, &taken_id(&err), err)),
        }
    }

    /// Phase 3 for a record that did not prepare: [`Loader::event`], keeping its participants
    /// for [`Loader::held_participants`].
    pub fn event_holding_participants(
        &mut self,
        i: usize,
        mut e: EventRecord,
    ) -> Result<(), BuildError> {
        self.event(i, &e)?;
        if let Some(event) = self.builder.lookup(&e.id) {
            self.held.push(HeldParticipants {
                index: i,
                event,
                participants: Err(take_participants(&mut e)),
            });
        }
        Ok(())
    }

    /// Phase 5 for the participants kept by phase 3, in event order.
    pub fn held_participants(&mut self) -> Result<(), BuildError> {
        for h in std::mem::take(&mut self.held) {
            let b = &mut self.builder;
            match h.participants {
                Ok(p) => b.commit_participants(h.event, p),
                Err(p) => b.set_participants_at(h.event, &p),
            }
            .map_err(|err| fail(Section::Events, h.index, b.id_of(h.event), err))?;
        }
        Ok(())
    }

    /// Checks what needs every record and returns the graph. `locate` finds the record a
    /// problem found only now is about (an event or relation id), on the error path only.
    pub fn finish(
        self,
        locate: impl Fn(&str) -> Option<(Section, usize)>,
    ) -> Result<Graph, BuildError> {
        self.builder.finish().map_err(|e| {
            let id = match &e {
                GraphError::DateRule { id, .. }
                | GraphError::EmptyInterval { id, .. }
                | GraphError::DateNotStated { id, .. } => id.clone(),
                _ => String::new(),
            };
            match locate(&id) {
                Some((section, index)) => BuildError {
                    section,
                    index: Some(index),
                    id,
                    problem: e.to_string(),
                },
                None => BuildError {
                    section: Section::Relations,
                    index: None,
                    id,
                    problem: e.to_string(),
                },
            }
        })
    }

    fn run(self, records: &RecordSet) -> Result<Graph, BuildError> {
        self.run_checking(records, true)
            .map_err(|mut errors| errors.swap_remove(0))
    }

    /// The phases over every record; with `stop_at_first` the first problem ends the build,
    /// else a record that fails is left out and the build goes on, so that every problem is
    /// reported at once (a later record naming one left out is reported too: it would fail
    /// as well once the first is fixed, unless that fix was the id).
    fn run_checking(
        mut self,
        records: &RecordSet,
        stop_at_first: bool,
    ) -> Result<Graph, Vec<BuildError>> {
        let RecordSet {
            sources,
            entities,
            events,
            relations,
        } = records;
        let mut errors = Vec::new();
        let mut check = |result: Result<(), BuildError>| match result {
            Ok(()) => true,
            Err(e) => {
                errors.push(e);
                !stop_at_first
            }
        };
        let went_through = sources
            .iter()
            .enumerate()
            .all(|(i, s)| check(self.source(i, s)))
            && entities
                .iter()
                .enumerate()
                .all(|(i, e)| check(self.entity(i, e)))
            && events
                .iter()
                .enumerate()
                .all(|(i, e)| check(self.event(i, e)))
            && {
                self.all_nodes_added();
                sources
                    .iter()
                    .enumerate()
                    .all(|(i, s)| check(self.publisher(i, s)))
            }
            && events
                .iter()
                .enumerate()
                .all(|(i, e)| check(self.participants(i, e)))
            && relations
                .iter()
                .enumerate()
                .all(|(i, r)| check(self.relation(i, r)));
        if !went_through {
            return Err(errors);
        }
        let built = self.finish(|id| {
            events
                .iter()
                .position(|x| x.id == id)
                .map(|i| (Section::Events, i))
                .or_else(|| {
                    relations
                        .iter()
                        .position(|x| x.effective_id() == id)
                        .map(|i| (Section::Relations, i))
                })
        });
        match built {
            Ok(g) if errors.is_empty() => Ok(g),
            Ok(_) => Err(errors),
            Err(e) => {
                errors.push(e);
                Err(errors)
            }
        }
    }
}

/// Builds a record set's graph, or reports every problem in it (not only the first): what
/// `newsgraph validate` prints.
pub fn build_reporting_all(records: &RecordSet) -> Result<Graph, Vec<BuildError>> {
    Loader::new().run_checking(records, false)
}

/// The id a failed commit names: committing a prepared record checks only that its id is
/// free, so its one error is a duplicate, which says whose.
fn taken_id(err: &GraphError) -> String {
    match err {
        GraphError::DuplicateId { id } | GraphError::DuplicateRelation { id } => id.clone(),
        _ => String::new(),
    }
}

/// A record of phase 2, 3 or 6 checked by a [`Preparer`]: an event with its participants (or,
/// when they did not pass, as read), or a relation.
pub enum Prepared {
    Entity(PreparedEntity),
    Event(PreparedEvent, Result<PreparedParticipants, Participants>),
    Relation(PreparedRelation),
}

/// What preparing a record gave: the prepared record, or the record itself when it did not
/// pass (to add the usual way, which reports what is wrong).
pub enum Attempt<T> {
    Ready(Prepared),
    Again(T),
}

/// Prepares records against the graph as loaded when it was made ([`Loader::preparer`]).
/// A record that does not pass comes back: the phase's method then adds it, which reports
/// exactly what is wrong (so a preparer never needs to name a problem itself).
pub struct Preparer(graph::Preparer);

impl Preparer {
    /// Phase 2.
    pub fn entity(&self, e: EntityRecord) -> Attempt<EntityRecord> {
        match entity_input(&e).map(|(kind, input)| self.0.entity(kind, input)) {
            Ok(Ok(p)) => Attempt::Ready(Prepared::Entity(p)),
            _ => Attempt::Again(e),
        }
    }

    /// Phase 3, with the event's participants (against a view with every source and entity).
    pub fn event(&self, mut e: EventRecord) -> Attempt<EventRecord> {
        let Some(event) = event_node_input(&e)
            .ok()
            .and_then(|input| self.0.event(input).ok())
        else {
            return Attempt::Again(e);
        };
        let participants = take_participants(&mut e);
        let prepared = self.0.participants(&participants).map_err(|_| participants);
        Attempt::Ready(Prepared::Event(event, prepared))
    }

    /// Phase 6 (against a view with every node).
    pub fn relation(&self, r: RelationRecord) -> Attempt<RelationRecord> {
        match relation_input(&r).map(|input| self.0.relation(&input)) {
            Ok(Ok(p)) => Attempt::Ready(Prepared::Relation(p)),
            _ => Attempt::Again(r),
        }
    }
}

fn take_participants(e: &mut EventRecord) -> Participants {
    let p = participants(e);
    e.actors.clear();
    e.addressed_to.clear();
    e.concerns.clear();
    p
}

/// A source record as the graph's input.
pub fn source_input(s: &SourceRecord) -> Result<NewSource, String> {
    let published = chrono::DateTime::parse_from_rfc3339(&s.published).map_err(|_| {
        format!(
            "invalid `published` {:?}: use RFC 3339, e.g. 2025-06-28T12:08:00+03:00",
            s.published
        )
    })?;
    let text = s
        .text
        .clone()
        .ok_or("no text: give `text_file` (in a seed) or `text`")?;
    Ok(NewSource {
        id: s.id.clone(),
        title: s.title.clone(),
        description: s.description.clone(),
        url: s.url.clone(),
        published,
        language: s.language.clone(),
        text,
        statements: NewStatements {
            description: basis(
                "description",
                &s.description_evidence,
                &s.description_editorial,
            )?,
            ..Default::default()
        },
    })
}

/// An entity record as the graph's input.
pub fn entity_input(e: &EntityRecord) -> Result<(Kind, NewNode), String> {
    let kind = Kind::parse(&e.kind)
        .filter(|k| !matches!(k, Kind::Event | Kind::Source))
        .ok_or_else(|| {
            format!(
                "unknown kind `{}`: use state, person, organization or treaty \
                 (events and sources have files of their own)",
                e.kind
            )
        })?;
    Ok((
        kind,
        NewNode {
            id: e.id.clone(),
            name: e.name.clone(),
            labels: e.labels.clone(),
            aliases: e.aliases.clone(),
            same_as: e.same_as.clone(),
            description: e.description.clone(),
            notice_period_months: e.notice_period_months,
            statements: NewStatements {
                description: basis(
                    "description",
                    &e.description_evidence,
                    &e.description_editorial,
                )?,
                notice_period: basis(
                    "notice_period",
                    &e.notice_period_evidence,
                    &e.notice_period_editorial,
                )?,
                claims: claims(&e.claims)?,
            },
        },
    ))
}

/// An event record as the graph's input: the event, and who takes part in it.
pub fn event_input(e: &EventRecord) -> Result<(NewEvent, Participants), String> {
    Ok((event_node_input(e)?, participants(e)))
}

/// An event record as the graph's input, without its participants.
fn event_node_input(e: &EventRecord) -> Result<NewEvent, String> {
    let kind = EventKind::parse(&e.kind).ok_or_else(|| {
        let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        format!(
            "unknown event kind `{}`: use one of {}",
            e.kind,
            known.join(", ")
        )
    })?;
    let date = match (&e.date, &e.date_rule) {
        (Some(d), None) => EventDate::Given(FuzzyDate::parse(d).map_err(|err| err.to_string())?),
        (None, Some(rule)) => EventDate::NoticePeriod {
            notification: rule.after.clone(),
            treaty: rule.notice_period_of.clone(),
        },
        _ => return Err("give exactly one of `date` and `date_rule`".into()),
    };
    Ok(NewEvent {
        id: e.id.clone(),
        title: e.title.clone(),
        labels: e.labels.clone(),
        aliases: e.aliases.clone(),
        same_as: e.same_as.clone(),
        description: e.description.clone(),
        kind,
        date,
        inferred: e.date_inferred.as_ref().map(|i| NewInferred {
            reasoning: i.reasoning.clone(),
            from: i.from.clone(),
        }),
        evidence: evidence(&e.evidence),
        statements: NewStatements {
            description: basis(
                "description",
                &e.description_evidence,
                &e.description_editorial,
            )?,
            notice_period: None,
            claims: claims(&e.claims)?,
        },
    })
}

/// The basis of field `field` of a record: `<field>_evidence` or `<field>_editorial`.
fn basis(
    field: &str,
    evidence: &[EvidenceRecord],
    editorial: &Option<EditorialRecord>,
) -> Result<Option<NewBasis>, String> {
    basis_in(
        &format!("{field}_evidence"),
        &format!("{field}_editorial"),
        evidence,
        editorial,
    )
}

/// A basis given by the keys named `quotes` and `mark`: one of them, or none.
fn basis_in(
    quotes: &str,
    mark: &str,
    evidence: &[EvidenceRecord],
    editorial: &Option<EditorialRecord>,
) -> Result<Option<NewBasis>, String> {
    match (evidence.is_empty(), editorial) {
        (true, None) => Ok(None),
        (false, None) => Ok(Some(NewBasis::Evidence(self::evidence(evidence)))),
        (true, Some(e)) => Ok(Some(NewBasis::Editorial(
            editorial_input(e).map_err(|why| format!("`{mark}`: {why}"))?,
        ))),
        (false, Some(_)) => Err(format!("give `{quotes}` or `{mark}`, not both")),
    }
}

fn editorial_input(e: &EditorialRecord) -> Result<Editorial, String> {
    let at = chrono::NaiveDate::parse_from_str(&e.at, "%Y-%m-%d")
        .map_err(|_| format!("invalid `at` {:?}: use YYYY-MM-DD", e.at))?;
    Ok(Editorial {
        by: e.by.clone(),
        at,
        note: e.note.clone(),
    })
}

fn claims(records: &[ClaimRecord]) -> Result<Vec<NewClaim>, String> {
    records
        .iter()
        .map(|c| {
            let basis = basis_in("evidence", "editorial", &c.evidence, &c.editorial)
                .map_err(|why| format!("claim `{}`: {why}", c.property))?
                .ok_or_else(|| {
                    format!(
                        "claim `{}` has no basis: give the quotes that state it (`evidence`) \
                         or mark it as background (`editorial = {{ by, at }}`)",
                        c.property
                    )
                })?;
            Ok(NewClaim {
                property: c.property.clone(),
                value: c.value.clone(),
                basis,
            })
        })
        .collect()
}

/// Who takes part in an event record.
pub fn participants(e: &EventRecord) -> Participants {
    // A participant's quote is from the event's (first) source unless it says otherwise.
    let default_source = e.evidence.first().map(|ev| ev.source.as_str());
    let each = |list: &[ParticipantRecord]| -> Vec<NewParticipant> {
        list.iter()
            .map(|p| match p {
                ParticipantRecord::Id(id) => NewParticipant::id(id.clone()),
                ParticipantRecord::Quoted(q) => NewParticipant {
                    id: q.id.clone(),
                    evidence: Some(NewEvidence {
                        source: q
                            .source
                            .clone()
                            .or(default_source.map(str::to_string))
                            .unwrap_or_default(),
                        quote: q.quote.clone(),
                        start: q.start,
                    }),
                },
            })
            .collect()
    };
    Participants {
        actors: each(&e.actors),
        addressed_to: each(&e.addressed_to),
        concerns: each(&e.concerns),
    }
}

/// A relation record as the graph's input.
pub fn relation_input(r: &RelationRecord) -> Result<NewRelation, String> {
    let rel = RelationType::parse(&r.rel).ok_or_else(|| {
        let known: Vec<&str> = RelationType::ALL.iter().map(|t| t.as_str()).collect();
        format!(
            "unknown relation type `{}`: use one of {}",
            r.rel,
            known.join(", ")
        )
    })?;
    Ok(NewRelation {
        id: r.id.clone(),
        rel,
        from: r.from.clone(),
        to: r.to.clone(),
        role: r.role.clone(),
        valid_from: bound("valid_from", &r.valid_from, &r.valid_from_event)?,
        valid_until: bound("valid_until", &r.valid_until, &r.valid_until_event)?,
        evidence: evidence(&r.evidence),
    })
}

fn bound(
    field: &str,
    date: &Option<String>,
    event: &Option<String>,
) -> Result<Option<ValiditySpec>, String> {
    match (date, event) {
        (None, None) => Ok(None),
        (Some(d), None) => {
            let d = FuzzyDate::parse(d).map_err(|e| format!("`{field}`: {e}"))?;
            Ok(Some(ValiditySpec::Date(d.date)))
        }
        (None, Some(e)) => Ok(Some(ValiditySpec::Event(e.clone()))),
        (Some(_), Some(_)) => Err(format!("give `{field}` or `{field}_event`, not both")),
    }
}

fn evidence(records: &[EvidenceRecord]) -> Vec<NewEvidence> {
    records
        .iter()
        .map(|e| NewEvidence {
            source: e.source.clone(),
            quote: e.quote.clone(),
            start: e.start,
        })
        .collect()
}
