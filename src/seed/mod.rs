//! Loading a graph from seed files: the hand-editable TOML format described in the README.
//!
//! A seed is a directory with `sources.toml` (required), `entities.toml`, `events.toml` and
//! `relations.toml`, plus the source texts they point to. The default seed is compiled into the
//! binary; any directory in the same format can replace it. Every problem stops the load with
//! the file, the record and the reason; the graph is built only from data that passed.

mod records;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::graph::{
    EventDate, EventKind, FuzzyDate, Graph, GraphBuilder, GraphError, Kind, NewEvent, NewNode,
    NewRelation, NewSource, RelationType, ValiditySpec,
};
use records::*;

/// The default data, compiled in so the binary runs from any directory.
static DEFAULT_SEED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/seed");

/// Why a seed could not be loaded. Each variant names the file; record-level problems also
/// name the record.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{file}: cannot read: {reason}")]
    Read { file: String, reason: String },
    #[error("{file}: {reason}")]
    Syntax { file: String, reason: String },
    #[error("{file}: {record}: {problem}")]
    Invalid {
        file: String,
        record: String,
        problem: String,
    },
}

/// Where seed files come from.
#[derive(Debug, Clone)]
pub enum SeedSource {
    /// The default seed compiled into the binary.
    BuiltIn,
    /// A directory in the seed format.
    Dir(PathBuf),
}

impl SeedSource {
    /// How the seed is named in logs and errors.
    pub fn describe(&self) -> String {
        match self {
            SeedSource::BuiltIn => "built-in seed".into(),
            SeedSource::Dir(p) => p.display().to_string(),
        }
    }

    fn display(&self, rel: &str) -> String {
        match self {
            SeedSource::BuiltIn => format!("seed/{rel} (built in)"),
            SeedSource::Dir(p) => p.join(rel).display().to_string(),
        }
    }

    /// Reads a file of the seed; `Ok(None)` when it does not exist.
    fn read(&self, rel: &str) -> Result<Option<String>, SeedError> {
        let read_err = |reason: String| SeedError::Read {
            file: self.display(rel),
            reason,
        };
        // Seed paths are relative and stay inside the seed directory.
        let path = Path::new(rel);
        if rel.is_empty() || !path.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(read_err(
                "a path in a seed must be relative and stay inside the seed directory".into(),
            ));
        }
        match self {
            SeedSource::BuiltIn => match DEFAULT_SEED.get_file(path) {
                None => Ok(None),
                Some(f) => f
                    .contents_utf8()
                    .map(|s| Some(s.to_string()))
                    .ok_or_else(|| read_err("not UTF-8 text".into())),
            },
            SeedSource::Dir(dir) => match std::fs::read(dir.join(path)) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(read_err(e.to_string())),
                Ok(bytes) => String::from_utf8(bytes)
                    .map(Some)
                    .map_err(|_| read_err("not UTF-8 text".into())),
            },
        }
    }

    fn parse<T: serde::de::DeserializeOwned + Default>(
        &self,
        rel: &str,
        required: bool,
    ) -> Result<T, SeedError> {
        match self.read(rel)? {
            None if required => Err(SeedError::Read {
                file: self.display(rel),
                reason: "missing (a seed directory needs at least sources.toml)".into(),
            }),
            None => Ok(T::default()),
            Some(text) => toml::from_str(&text).map_err(|e| SeedError::Syntax {
                file: self.display(rel),
                reason: e.to_string().trim_end().replace('\n', "\n  "),
            }),
        }
    }
}

/// Loads and validates a seed.
pub fn load(seed: &SeedSource) -> Result<Graph, SeedError> {
    Loader::new(seed).run()
}

const SOURCES: &str = "sources.toml";
const ENTITIES: &str = "entities.toml";
const EVENTS: &str = "events.toml";
const RELATIONS: &str = "relations.toml";

/// A record's place, for error messages: `relation #3 (state/estonia:PARTY_TO:...)`.
#[derive(Debug, Clone)]
struct Location {
    file: &'static str,
    record: String,
}

struct Loader<'a> {
    seed: &'a SeedSource,
    builder: GraphBuilder,
    /// Node and relation ids → where they were defined, for errors found only at the end.
    places: HashMap<String, Location>,
}

impl<'a> Loader<'a> {
    fn new(seed: &'a SeedSource) -> Self {
        Loader {
            seed,
            builder: GraphBuilder::new(),
            places: HashMap::new(),
        }
    }

    fn fail(&self, loc: &Location, problem: impl ToString) -> SeedError {
        SeedError::Invalid {
            file: self.seed.display(loc.file),
            record: loc.record.clone(),
            problem: problem.to_string(),
        }
    }

    fn run(mut self) -> Result<Graph, SeedError> {
        let sources: SourcesFile = self.seed.parse(SOURCES, true)?;
        let entities: EntitiesFile = self.seed.parse(ENTITIES, false)?;
        let events: EventsFile = self.seed.parse(EVENTS, false)?;
        let relations: RelationsFile = self.seed.parse(RELATIONS, false)?;

        // Nodes first, so that edges may point at any node whatever the order in the files.
        for (i, s) in sources.source.iter().enumerate() {
            let loc = self.place(SOURCES, "source", i, &s.id);
            self.add_source(&loc, s)?;
        }
        for (i, e) in entities.entity.iter().enumerate() {
            let loc = self.place(ENTITIES, "entity", i, &e.id);
            self.add_entity(&loc, e)?;
        }
        for (i, e) in events.event.iter().enumerate() {
            let loc = self.place(EVENTS, "event", i, &e.id);
            self.add_event(&loc, e)?;
        }
        // Then edges: publishers, event participants, relations.
        for (i, s) in sources.source.iter().enumerate() {
            let loc = self.place(SOURCES, "source", i, &s.id);
            self.add_publisher(&loc, s)?;
        }
        for (i, e) in events.event.iter().enumerate() {
            let loc = self.place(EVENTS, "event", i, &e.id);
            self.add_participants(&loc, e)?;
        }
        for (i, r) in relations.relation.iter().enumerate() {
            let label =
                r.id.clone()
                    .unwrap_or_else(|| format!("{}:{}:{}", r.from, r.rel, r.to));
            let loc = self.place(RELATIONS, "relation", i, &label);
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
                Some(loc) => SeedError::Invalid {
                    file: self.seed.display(loc.file),
                    record: loc.record.clone(),
                    problem: e.to_string(),
                },
                None => SeedError::Invalid {
                    file: self.seed.describe(),
                    record: "graph".into(),
                    problem: e.to_string(),
                },
            }
        })
    }

    fn place(&mut self, file: &'static str, what: &str, index: usize, id: &str) -> Location {
        let loc = Location {
            file,
            record: format!("{what} #{} (`{id}`)", index + 1),
        };
        self.places
            .entry(id.to_string())
            .or_insert_with(|| loc.clone());
        loc
    }

    fn add_source(&mut self, loc: &Location, s: &SourceRecord) -> Result<(), SeedError> {
        let published = chrono::DateTime::parse_from_rfc3339(&s.published).map_err(|_| {
            self.fail(
                loc,
                format!(
                    "invalid `published` {:?}: use RFC 3339, e.g. 2025-06-28T12:08:00+03:00",
                    s.published
                ),
            )
        })?;
        let text = self
            .seed
            .read(&s.text_file)?
            .ok_or_else(|| self.fail(loc, format!("text file `{}` not found", s.text_file)))?;
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

    fn add_publisher(&mut self, loc: &Location, s: &SourceRecord) -> Result<(), SeedError> {
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

    fn add_entity(&mut self, loc: &Location, e: &EntityRecord) -> Result<(), SeedError> {
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
                    aliases: e.aliases.clone(),
                    description: e.description.clone(),
                    notice_period_months: e.notice_period_months,
                },
            )
            .map_err(|err| self.fail(loc, err))?;
        Ok(())
    }

    fn add_event(&mut self, loc: &Location, e: &EventRecord) -> Result<(), SeedError> {
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
    fn add_participants(&mut self, loc: &Location, e: &EventRecord) -> Result<(), SeedError> {
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

    fn add_relation(&mut self, loc: &Location, r: &RelationRecord) -> Result<(), SeedError> {
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
        let id = self
            .builder
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
        self.places.insert(id, loc.clone());
        Ok(())
    }

    fn bound(
        &self,
        loc: &Location,
        field: &str,
        date: &Option<String>,
        event: &Option<String>,
    ) -> Result<Option<ValiditySpec>, SeedError> {
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
