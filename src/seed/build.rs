//! Building a graph from a record set: each record becomes builder calls, and each problem the
//! builder finds is reported with the record it came from. Seeds and mutations both come here,
//! so a write is validated exactly like the seed.

use std::collections::HashMap;

use super::records::*;
use crate::graph::{
    EventDate, EventKind, FuzzyDate, Graph, GraphBuilder, GraphError, Kind, NewEvent, NewNode,
    NewRelation, NewSource, RelationType, ValiditySpec,
};

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

/// A record's place, for error messages.
#[derive(Debug, Clone)]
struct Location {
    section: Section,
    index: usize,
    id: String,
}

struct Loader {
    builder: GraphBuilder,
    /// Node and relation ids → where they were defined, for errors found only at the end.
    places: HashMap<String, Location>,
}

impl Loader {
    fn new() -> Self {
        Loader {
            builder: GraphBuilder::new(),
            places: HashMap::new(),
        }
    }

    fn fail(&self, loc: &Location, problem: impl ToString) -> BuildError {
        BuildError {
            section: loc.section,
            index: Some(loc.index),
            id: loc.id.clone(),
            problem: problem.to_string(),
        }
    }

    fn run(mut self, records: &RecordSet) -> Result<Graph, BuildError> {
        let RecordSet {
            sources,
            entities,
            events,
            relations,
        } = records;

        // Nodes first, so that edges may point at any node whatever the order in the files.
        for (i, s) in sources.iter().enumerate() {
            let loc = self.place(Section::Sources, i, &s.id);
            self.add_source(&loc, s)?;
        }
        for (i, e) in entities.iter().enumerate() {
            let loc = self.place(Section::Entities, i, &e.id);
            self.add_entity(&loc, e)?;
        }
        for (i, e) in events.iter().enumerate() {
            let loc = self.place(Section::Events, i, &e.id);
            self.add_event(&loc, e)?;
        }
        // Then edges: publishers, event participants, relations.
        for (i, s) in sources.iter().enumerate() {
            let loc = self.place(Section::Sources, i, &s.id);
            self.add_publisher(&loc, s)?;
        }
        for (i, e) in events.iter().enumerate() {
            let loc = self.place(Section::Events, i, &e.id);
            self.add_participants(&loc, e)?;
        }
        for (i, r) in relations.iter().enumerate() {
            let label = r.effective_id();
            let loc = self.place(Section::Relations, i, &label);
            self.add_relation(&loc, r)?;
        }
        let places = std::mem::take(&mut self.places);
        self.builder.finish().map_err(|e| {
            let id = match &e {
                GraphError::DateRule { id, .. } | GraphError::EmptyInterval { id, .. } => {
                    id.clone()
                }
                _ => String::new(),
            };
            match places.get(&id) {
                Some(loc) => BuildError {
                    section: loc.section,
                    index: Some(loc.index),
                    id: loc.id.clone(),
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

    fn place(&mut self, section: Section, index: usize, id: &str) -> Location {
        let loc = Location {
            section,
            index,
            id: id.to_string(),
        };
        self.places
            .entry(id.to_string())
            .or_insert_with(|| loc.clone());
        loc
    }

    fn add_source(&mut self, loc: &Location, s: &SourceRecord) -> Result<(), BuildError> {
        let published = chrono::DateTime::parse_from_rfc3339(&s.published).map_err(|_| {
            self.fail(
                loc,
                format!(
                    "invalid `published` {:?}: use RFC 3339, e.g. 2025-06-28T12:08:00+03:00",
                    s.published
                ),
            )
        })?;
        let text = s
            .text
            .clone()
            .ok_or_else(|| self.fail(loc, "no text: give `text_file` (in a seed) or `text`"))?;
        self.builder
            .add_source(NewSource {
                id: s.id.clone(),
                title: s.title.clone(),
                description: s.description.clone(),
                url: s.url.clone(),
                published,
                language: s.language.clone(),
                text,
            })
            .map_err(|e| self.fail(loc, e))?;
        Ok(())
    }

    fn add_publisher(&mut self, loc: &Location, s: &SourceRecord) -> Result<(), BuildError> {
        let (Some(publisher), byline) = (&s.publisher, &s.byline) else {
            return Ok(());
        };
        let Some(byline) = byline else {
            return Err(self.fail(
                loc,
                "`publisher` needs a `byline`: the text naming the publisher",
            ));
        };
        self.builder
            .add_relation(NewRelation {
                id: None,
                rel: RelationType::PublishedBy,
                from: s.id.clone(),
                to: publisher.clone(),
                role: None,
                valid_from: None,
                valid_until: None,
                evidence: vec![(s.id.clone(), byline.clone())],
            })
            .map_err(|e| self.fail(loc, e))?;
        Ok(())
    }

    fn add_entity(&mut self, loc: &Location, e: &EntityRecord) -> Result<(), BuildError> {
        let kind = Kind::parse(&e.kind)
            .filter(|k| !matches!(k, Kind::Event | Kind::Source))
            .ok_or_else(|| {
                self.fail(
                    loc,
                    format!(
                        "unknown kind `{}`: use state, person, organization or treaty \
                         (events and sources have files of their own)",
                        e.kind
                    ),
                )
            })?;
        self.builder
            .add_entity(
                kind,
                NewNode {
                    id: e.id.clone(),
                    name: e.name.clone(),
                    labels: e.labels.clone(),
                    aliases: e.aliases.clone(),
                    description: e.description.clone(),
                    notice_period_months: e.notice_period_months,
                },
            )
            .map_err(|err| self.fail(loc, err))?;
        Ok(())
    }

    fn add_event(&mut self, loc: &Location, e: &EventRecord) -> Result<(), BuildError> {
        let kind = EventKind::parse(&e.kind).ok_or_else(|| {
            let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
            self.fail(
                loc,
                format!(
                    "unknown event kind `{}`: use one of {}",
                    e.kind,
                    known.join(", ")
                ),
            )
        })?;
        let date = match (&e.date, &e.date_rule) {
            (Some(d), None) => {
                EventDate::Given(FuzzyDate::parse(d).map_err(|err| self.fail(loc, err))?)
            }
            (None, Some(rule)) => EventDate::NoticePeriod {
                notification: rule.after.clone(),
                treaty: rule.notice_period_of.clone(),
            },
            _ => return Err(self.fail(loc, "give exactly one of `date` and `date_rule`")),
        };
        self.builder
            .add_event(NewEvent {
                id: e.id.clone(),
                title: e.title.clone(),
                labels: e.labels.clone(),
                aliases: e.aliases.clone(),
                description: e.description.clone(),
                kind,
                date,
                evidence: evidence(&e.evidence),
            })
            .map_err(|err| self.fail(loc, err))?;
        Ok(())
    }

    /// Each participant becomes a relation carrying the event's evidence.
    fn add_participants(&mut self, loc: &Location, e: &EventRecord) -> Result<(), BuildError> {
        let edges = e
            .actors
            .iter()
            .map(|a| (RelationType::ActorIn, a.clone(), e.id.clone()))
            .chain(
                e.addressed_to
                    .iter()
                    .map(|a| (RelationType::AddressedTo, e.id.clone(), a.clone())),
            )
            .chain(
                e.concerns
                    .iter()
                    .map(|c| (RelationType::Concerns, e.id.clone(), c.clone())),
            );
        for (rel, from, to) in edges {
            self.builder
                .add_relation(NewRelation {
                    id: None,
                    rel,
                    from,
                    to,
                    role: None,
                    valid_from: None,
                    valid_until: None,
                    evidence: evidence(&e.evidence),
                })
                .map_err(|err| self.fail(loc, err))?;
        }
        Ok(())
    }

    fn add_relation(&mut self, loc: &Location, r: &RelationRecord) -> Result<(), BuildError> {
        let rel = RelationType::parse(&r.rel).ok_or_else(|| {
            let known: Vec<&str> = RelationType::ALL.iter().map(|t| t.as_str()).collect();
            self.fail(
                loc,
                format!(
                    "unknown relation type `{}`: use one of {}",
                    r.rel,
                    known.join(", ")
                ),
            )
        })?;
        let valid_from = self.bound(loc, "valid_from", &r.valid_from, &r.valid_from_event)?;
        let valid_until = self.bound(loc, "valid_until", &r.valid_until, &r.valid_until_event)?;
        self.builder
            .add_relation(NewRelation {
                id: r.id.clone(),
                rel,
                from: r.from.clone(),
                to: r.to.clone(),
                role: r.role.clone(),
                valid_from,
                valid_until,
                evidence: evidence(&r.evidence),
            })
            .map_err(|err| self.fail(loc, err))?;
        Ok(())
    }

    fn bound(
        &self,
        loc: &Location,
        field: &str,
        date: &Option<String>,
        event: &Option<String>,
    ) -> Result<Option<ValiditySpec>, BuildError> {
        match (date, event) {
            (None, None) => Ok(None),
            (Some(d), None) => {
                let d =
                    FuzzyDate::parse(d).map_err(|e| self.fail(loc, format!("`{field}`: {e}")))?;
                Ok(Some(ValiditySpec::Date(d.date)))
            }
            (None, Some(e)) => Ok(Some(ValiditySpec::Event(e.clone()))),
            (Some(_), Some(_)) => {
                Err(self.fail(loc, format!("give `{field}` or `{field}_event`, not both")))
            }
        }
    }
}

fn evidence(records: &[EvidenceRecord]) -> Vec<(String, String)> {
    records
        .iter()
        .map(|e| (e.source.clone(), e.quote.clone()))
        .collect()
}
