//! A deterministic synthetic news graph, for measuring and testing at sizes no hand-written
//! seed reaches (10^3 to 10^6 nodes): states with ministries, officials with careers,
//! international organisations, treaties with notice periods and withdrawals, events from 2000
//! to 2025, and the articles that report them.
//!
//! Every fact is a sentence of an article: each source is one story, and the events and
//! relations it supports are generated with it, their quotes appended to its text, so the
//! output streams (one article's text in memory at a time) and every quote is found verbatim.
//! Randomness is a splitmix64 stream per item (`rng`), so the same `nodes` and `seed` give
//! byte-identical output. A few nodes are hubs by construction: every state is a member of the
//! UN, notes go to the UN, NATO and the EU, and states and treaties are drawn with a skew, so
//! the first states and treaties collect tens of thousands of relations at 10^6 nodes.
//!
//! `world` draws the cast (counts, hubs, names), `story` the facts of each article,
//! `output` writes JSON Lines; `names` invents names, `rng` is the PRNG.

mod names;
mod output;
mod rng;
mod story;
mod world;

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

use crate::seed::{EntityRecord, EventRecord, RecordSet, RelationRecord, SourceRecord};
use output::JsonlSink;
use story::Gen;
use world::{Plan, build_world, write_entities};

/// The smallest graph worth generating (a few of every kind).
pub const MIN_NODES: usize = 100;

/// The seed format to write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// JSON Lines (`*.jsonl`, source texts inline): the bulk format, for any size.
    #[default]
    Jsonl,
    /// TOML files and one text file per source: the hand-edited format, for small graphs.
    Toml,
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Nodes in all, sources and events included (at least [`MIN_NODES`]).
    pub nodes: usize,
    /// The PRNG seed: the same seed and size give the same output.
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub nodes: usize,
    pub sources: usize,
    pub events: usize,
    /// Every relation the graph will hold: explicit ones, event participations,
    /// `PUBLISHED_BY` of sources and the `LEADS_TO` of computed dates.
    pub relations: usize,
    /// Of which event participations.
    pub participations: usize,
    /// Bytes written (0 when records were kept in memory).
    pub bytes: u64,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("--nodes must be at least {MIN_NODES}, not {0}")]
    TooSmall(usize),
    #[error("{}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
}

/// Where generated records go, in the order they are made: all entities, then per source
/// its events, its relations and the source itself.
pub trait Sink {
    fn entity(&mut self, r: EntityRecord) -> io::Result<()>;
    fn event(&mut self, r: EventRecord) -> io::Result<()>;
    fn relation(&mut self, r: RelationRecord) -> io::Result<()>;
    fn source(&mut self, r: SourceRecord) -> io::Result<()>;
}

impl Sink for RecordSet {
    fn entity(&mut self, r: EntityRecord) -> io::Result<()> {
        self.entities.push(r);
        Ok(())
    }
    fn event(&mut self, r: EventRecord) -> io::Result<()> {
        self.events.push(r);
        Ok(())
    }
    fn relation(&mut self, r: RelationRecord) -> io::Result<()> {
        self.relations.push(r);
        Ok(())
    }
    fn source(&mut self, r: SourceRecord) -> io::Result<()> {
        self.sources.push(r);
        Ok(())
    }
}

/// The generated graph as records in memory (for tests and small graphs).
pub fn records(opts: &Options) -> Result<(RecordSet, Summary), GenerateError> {
    Plan::new(opts.nodes)?;
    let mut set = RecordSet::default();
    let summary = generate(opts, &mut set).map_err(|e| GenerateError::Write {
        path: PathBuf::from("memory"),
        reason: e.to_string(),
    })?;
    Ok((set, summary))
}

/// Writes a generated seed into `dir` (created if needed; files of the same format are
/// replaced, a directory holding the other format is refused).
pub fn write_dir(opts: &Options, dir: &Path, format: Format) -> Result<Summary, GenerateError> {
    let fail = |path: &Path, e: &dyn std::fmt::Display| GenerateError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let (mine, other) = match format {
        Format::Jsonl => ("jsonl", "toml"),
        Format::Toml => ("toml", "jsonl"),
    };
    Plan::new(opts.nodes)?;
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, &e))?;
    for section in ["sources", "entities", "events", "relations"] {
        let path = dir.join(format!("{section}.{other}"));
        if path.exists() {
            return Err(fail(
                &path,
                &format!(
                    "exists: the directory holds a seed in the other format ({other}, not {mine}); use another directory"
                ),
            ));
        }
    }
    match format {
        Format::Jsonl => {
            let mut sink = JsonlSink::create(dir)?;
            let mut summary = generate(opts, &mut sink).map_err(|e| fail(dir, &e))?;
            summary.bytes = sink.finish()?;
            Ok(summary)
        }
        Format::Toml => {
            let (set, mut summary) = records(opts)?;
            let files = crate::seed::export(&set).map_err(|e| fail(dir, &e))?;
            for (rel, content) in files {
                let path = dir.join(&rel);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| fail(parent, &e))?;
                }
                std::fs::write(&path, &content).map_err(|e| fail(&path, &e))?;
                summary.bytes += content.len() as u64;
            }
            Ok(summary)
        }
    }
}

/// Writes the whole graph to `sink` (fails, writing nothing, when `opts.nodes` is below
/// [`MIN_NODES`]).
pub fn generate(opts: &Options, sink: &mut dyn Sink) -> io::Result<Summary> {
    let plan = Plan::new(opts.nodes).map_err(io::Error::other)?;
    let world = build_world(opts, plan);
    let mut g = Gen {
        w: &world,
        used: HashSet::new(),
        summary: Summary::default(),
    };
    g.summary.nodes += write_entities(&world, sink)?;
    for k in 0..plan.sources {
        g.article(k, sink)?;
    }
    g.summary.nodes += g.summary.events + g.summary.sources;
    debug_assert_eq!(g.summary.nodes, opts.nodes);
    Ok(g.summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    use crate::seed::{SeedSource, build, read};

    fn small(nodes: usize, seed: u64) -> (RecordSet, Summary) {
        records(&Options { nodes, seed }).unwrap()
    }

    #[test]
    fn the_same_size_and_seed_give_the_same_bytes() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let opts = Options {
            nodes: 1500,
            seed: 42,
        };
        let sa = write_dir(&opts, a.path(), Format::Jsonl).unwrap();
        let sb = write_dir(&opts, b.path(), Format::Jsonl).unwrap();
        assert_eq!(sa, sb);
        for f in [
            "sources.jsonl",
            "entities.jsonl",
            "events.jsonl",
            "relations.jsonl",
        ] {
            let (x, y) = (
                std::fs::read(a.path().join(f)).unwrap(),
                std::fs::read(b.path().join(f)).unwrap(),
            );
            assert!(!x.is_empty() && x == y, "{f} differs");
        }
        let other = small(1500, 43).0;
        let (same, _) = small(1500, 42);
        assert_ne!(other, same, "another seed gives another graph");
        assert_eq!(sa.nodes, 1500);
    }

    #[test]
    fn a_small_graph_passes_the_seed_validation() {
        for (format, nodes) in [(Format::Jsonl, 1200), (Format::Toml, 300)] {
            let dir = tempfile::tempdir().unwrap();
            let summary = write_dir(&Options { nodes, seed: 7 }, dir.path(), format).unwrap();
            let records = read(&SeedSource::Dir(dir.path().to_path_buf())).unwrap();
            let graph = build(&records).unwrap_or_else(|e| panic!("{format:?}: {e}"));
            assert_eq!(graph.node_count(), nodes, "{format:?}");
            assert_eq!(graph.node_count(), summary.nodes);
            assert_eq!(graph.relation_count(), summary.relations, "{format:?}");
            assert!(summary.bytes > 0);
        }
    }

    #[test]
    fn the_degree_is_about_five_and_the_hubs_are_hubs() {
        let (set, summary) = small(5000, 1);
        let avg = summary.relations as f64 / summary.nodes as f64;
        assert!((4.0..6.0).contains(&avg), "{avg} relations per node");
        let mut degree: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &set.relations {
            *degree.entry(&r.from).or_default() += 1;
            *degree.entry(&r.to).or_default() += 1;
        }
        for e in &set.events {
            for x in e.actors.iter().chain(&e.addressed_to).chain(&e.concerns) {
                *degree.entry(x.id()).or_default() += 1;
            }
        }
        let avg_entity = 2.0 * summary.relations as f64 / summary.nodes as f64;
        for hub in ["org/un", "state/s-00000"] {
            let d = degree[hub];
            assert!(d as f64 > 40.0 * avg_entity, "{hub}: degree {d}");
        }
        assert!(degree["org/nato"] > 100, "{}", degree["org/nato"]);
        // Every kind of record the README promises is there.
        assert!(set.events.iter().any(|e| e.date_rule.is_some()));
        assert!(
            set.events
                .iter()
                .any(|e| e.date.as_ref().is_some_and(|d| d.len() == 7))
        );
        assert!(set.relations.iter().any(|r| r.valid_until_event.is_some()));
        assert!(
            set.entities
                .iter()
                .any(|e| !e.labels.is_empty() && e.kind == "state")
        );
        assert!(
            set.entities
                .iter()
                .any(|e| !e.aliases.is_empty() && e.kind == "person")
        );
        assert!(set.sources.len() * 20 <= summary.nodes && set.sources.len() * 50 >= summary.nodes);
    }

    #[test]
    fn too_few_nodes_are_refused() {
        let e = records(&Options { nodes: 10, seed: 1 }).unwrap_err();
        assert!(e.to_string().contains("at least 100"), "{e}");
    }
}
