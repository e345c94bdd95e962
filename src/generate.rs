//! A deterministic synthetic news graph, for measuring and testing at sizes no hand-written
//! seed reaches (10^3 to 10^6 nodes): states with ministries, officials with careers,
//! international organisations, treaties with notice periods and withdrawals, events from 2000
//! to 2025, and the articles that report them.
//!
//! Every fact is a sentence of an article: each source is one story, and the events and
//! relations it supports are generated with it, their quotes appended to its text, so the
//! output streams (one article's text in memory at a time) and every quote is found verbatim.
//! Randomness is a splitmix64 stream per item ([`rng`]), so the same `nodes` and `seed` give
//! byte-identical output. A few nodes are hubs by construction: every state is a member of the
//! UN, notes go to the UN, NATO and the EU, and states and treaties are drawn with a skew, so
//! the first states and treaties collect tens of thousands of relations at 10^6 nodes.

mod names;
mod rng;

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use crate::seed::{
    DateRuleRecord, EntityRecord, EventRecord, EvidenceRecord, RecordSet, RelationRecord,
    SourceRecord,
};
use rng::Rng;

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

/// A writer that counts what passes through it.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Streams records to the four `.jsonl` files of a bulk seed.
struct JsonlSink {
    files: Vec<(PathBuf, Counting<BufWriter<File>>)>,
}

impl JsonlSink {
    const SOURCES: usize = 0;
    const ENTITIES: usize = 1;
    const EVENTS: usize = 2;
    const RELATIONS: usize = 3;

    fn create(dir: &Path) -> Result<Self, GenerateError> {
        let mut files = vec![];
        for name in [
            "sources.jsonl",
            "entities.jsonl",
            "events.jsonl",
            "relations.jsonl",
        ] {
            let path = dir.join(name);
            let f = File::create(&path).map_err(|e| GenerateError::Write {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            let w = Counting {
                inner: BufWriter::with_capacity(1 << 20, f),
                bytes: 0,
            };
            files.push((path, w));
        }
        Ok(JsonlSink { files })
    }

    fn put<T: serde::Serialize>(&mut self, file: usize, record: &T) -> io::Result<()> {
        let w = &mut self.files[file].1;
        serde_json::to_writer(&mut *w, record).map_err(io::Error::other)?;
        w.write_all(b"\n")
    }

    /// Flushes every file; the bytes written.
    fn finish(self) -> Result<u64, GenerateError> {
        let mut total = 0;
        for (path, mut w) in self.files {
            w.flush().map_err(|e| GenerateError::Write {
                path,
                reason: e.to_string(),
            })?;
            total += w.bytes;
        }
        Ok(total)
    }
}

impl Sink for JsonlSink {
    fn entity(&mut self, r: EntityRecord) -> io::Result<()> {
        self.put(Self::ENTITIES, &r)
    }
    fn event(&mut self, r: EventRecord) -> io::Result<()> {
        self.put(Self::EVENTS, &r)
    }
    fn relation(&mut self, r: RelationRecord) -> io::Result<()> {
        self.put(Self::RELATIONS, &r)
    }
    fn source(&mut self, r: SourceRecord) -> io::Result<()> {
        self.put(Self::SOURCES, &r)
    }
}

/// How many nodes of each kind.
#[derive(Debug, Clone, Copy)]
struct Plan {
    states: usize,
    /// Two per state: its foreign ministry and one other body.
    ministries: usize,
    intl: usize,
    publishers: usize,
    persons: usize,
    treaties: usize,
    events: usize,
    sources: usize,
    /// `SUPPORTS` and `AGGRESSION_AGAINST` relations, spread over the sources.
    supports: usize,
    aggressions: usize,
}

impl Plan {
    fn new(n: usize) -> Result<Plan, GenerateError> {
        if n < MIN_NODES {
            return Err(GenerateError::TooSmall(n));
        }
        let sources = (n / 30).max(2);
        let states = (n * 15 / 1000).max(5);
        let treaties = (n / 200).max(3);
        let intl = (n / 100).max(HUBS.len() + 2);
        let publishers = (sources / 8).max(1);
        let persons = n * 30 / 100;
        let fixed = sources + 3 * states + treaties + intl + publishers + persons;
        Ok(Plan {
            states,
            ministries: 2 * states,
            intl,
            publishers,
            persons,
            treaties,
            events: n - fixed,
            sources,
            supports: n * 7 / 10,
            aggressions: (n / 500).max(1),
        })
    }
}

/// The international organisations that are hubs: id slug, name, acronym, German, French.
const HUBS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "un",
        "United Nations",
        "UN",
        "Vereinte Nationen",
        "Nations unies",
    ),
    (
        "nato",
        "North Atlantic Treaty Organization",
        "NATO",
        "Nordatlantikpakt-Organisation",
        "Organisation du traité de l'Atlantique nord",
    ),
    (
        "eu",
        "European Union",
        "EU",
        "Europäische Union",
        "Union européenne",
    ),
    (
        "osce",
        "Organization for Security and Co-operation in Europe",
        "OSCE",
        "Organisation für Sicherheit und Zusammenarbeit in Europa",
        "Organisation pour la sécurité et la coopération en Europe",
    ),
    (
        "african-union",
        "African Union",
        "AU",
        "Afrikanische Union",
        "Union africaine",
    ),
    (
        "asean",
        "Association of Southeast Asian Nations",
        "ASEAN",
        "Verband Südostasiatischer Nationen",
        "Association des nations de l'Asie du Sud-Est",
    ),
];
const UN: u32 = 0;
const NATO: u32 = 1;
const EU: u32 = 2;

/// The second body of each state, after its foreign ministry.
const BODIES: &[&str] = &[
    "Ministry of Defence",
    "Ministry of Justice",
    "Ministry of Finance",
    "Ministry of the Interior",
    "Parliament",
];

/// A node, by kind and index within its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ref {
    State(u32),
    Ministry(u32),
    Intl(u32),
    Publisher(u32),
    Person(u32),
    Treaty(u32),
}

/// Every entity's name, generated before anything refers to them.
struct World {
    plan: Plan,
    seed: u64,
    states: Vec<String>,
    /// Ministry `2s` is state `s`'s foreign ministry, `2s + 1` its `BODIES[body[s]]`.
    ministries: Vec<String>,
    body: Vec<u8>,
    intl: Vec<String>,
    publishers: Vec<String>,
    persons: Vec<String>,
    treaties: Vec<String>,
    notice: Vec<u32>,
}

// Tags of the per-item PRNG streams.
const TAG_STATE: u64 = 1;
const TAG_INTL: u64 = 2;
const TAG_PUBLISHER: u64 = 3;
const TAG_PERSON: u64 = 4;
const TAG_TREATY: u64 = 5;
const TAG_SOURCE: u64 = 6;
const TAG_CAREER: u64 = 7;
const TAG_MEMBERS: u64 = 8;
const TAG_PARTIES: u64 = 9;
const TAG_INTL_MEMBERS: u64 = 10;

impl World {
    fn id(&self, r: Ref) -> String {
        match r {
            Ref::State(i) => format!("state/s-{i:05}"),
            Ref::Ministry(i) => format!("org/m-{i:06}"),
            Ref::Intl(i) => match HUBS.get(i as usize) {
                Some(hub) => format!("org/{}", hub.0),
                None => format!("org/io-{i:05}"),
            },
            Ref::Publisher(i) => format!("org/pub-{i:05}"),
            Ref::Person(i) => format!("person/p-{i:06}"),
            Ref::Treaty(i) => format!("treaty/t-{i:05}"),
        }
    }

    fn name(&self, r: Ref) -> &str {
        match r {
            Ref::State(i) => &self.states[i as usize],
            Ref::Ministry(i) => &self.ministries[i as usize],
            Ref::Intl(i) => &self.intl[i as usize],
            Ref::Publisher(i) => &self.publishers[i as usize],
            Ref::Person(i) => &self.persons[i as usize],
            Ref::Treaty(i) => &self.treaties[i as usize],
        }
    }

    /// A number unique to the node, for the set of relations already made.
    fn key(&self, r: Ref) -> u64 {
        let p = &self.plan;
        let (base, i) = match r {
            Ref::State(i) => (0, i),
            Ref::Ministry(i) => (p.states, i),
            Ref::Intl(i) => (p.states + p.ministries, i),
            Ref::Publisher(i) => (p.states + p.ministries + p.intl, i),
            Ref::Person(i) => (p.states + p.ministries + p.intl + p.publishers, i),
            Ref::Treaty(i) => (
                p.states + p.ministries + p.intl + p.publishers + p.persons,
                i,
            ),
        };
        (base + i as usize) as u64
    }

    /// Names what the node's name should be preceded by in a sentence.
    fn the(&self, r: Ref) -> String {
        match r {
            Ref::Ministry(_) | Ref::Intl(_) | Ref::Treaty(_) => format!("the {}", self.name(r)),
            _ => self.name(r).to_string(),
        }
    }

    fn state(&self, rng: &mut Rng) -> Ref {
        Ref::State(rng.skewed(self.plan.states) as u32)
    }
    fn treaty(&self, rng: &mut Rng) -> Ref {
        Ref::Treaty(rng.skewed(self.plan.treaties) as u32)
    }
    fn person(&self, rng: &mut Rng) -> Ref {
        Ref::Person(rng.below(self.plan.persons) as u32)
    }
    fn ministry(&self, rng: &mut Rng) -> Ref {
        Ref::Ministry(rng.below(self.plan.ministries) as u32)
    }
    fn intl(&self, rng: &mut Rng) -> Ref {
        Ref::Intl(rng.below(self.plan.intl) as u32)
    }

    /// Someone who acts: mostly officials, then states and their bodies.
    fn actor(&self, rng: &mut Rng) -> Ref {
        match rng.below(20) {
            0..=9 => self.person(rng),
            10..=14 => self.state(rng),
            15..=17 => self.ministry(rng),
            _ => self.intl(rng),
        }
    }

    /// What an event is about.
    fn subject(&self, rng: &mut Rng) -> Ref {
        match rng.below(20) {
            0..=7 => self.state(rng),
            8..=12 => self.treaty(rng),
            13..=16 => self.person(rng),
            17..=18 => self.intl(rng),
            _ => self.ministry(rng),
        }
    }

    /// Whom a note or a statement is addressed to: the hubs, often.
    fn addressee(&self, rng: &mut Rng) -> Ref {
        match rng.below(20) {
            0..=6 => Ref::Intl(UN),
            7..=8 => Ref::Intl(NATO),
            9..=10 => Ref::Intl(EU),
            11..=14 => self.state(rng),
            _ => self.intl(rng),
        }
    }
}

fn build_world(opts: &Options, plan: Plan) -> World {
    let seed = opts.seed;
    let mut w = World {
        plan,
        seed,
        states: Vec::with_capacity(plan.states),
        ministries: Vec::with_capacity(plan.ministries),
        body: Vec::with_capacity(plan.states),
        intl: Vec::with_capacity(plan.intl),
        publishers: Vec::with_capacity(plan.publishers),
        persons: Vec::with_capacity(plan.persons),
        treaties: Vec::with_capacity(plan.treaties),
        notice: Vec::with_capacity(plan.treaties),
    };
    for i in 0..plan.states {
        let mut rng = Rng::derive(seed, TAG_STATE, i as u64);
        let (name, _, _) = names::state(&mut rng);
        let body = rng.below(BODIES.len());
        w.ministries
            .push(format!("Ministry of Foreign Affairs of {name}"));
        w.ministries.push(format!("{} of {name}", BODIES[body]));
        w.body.push(body as u8);
        w.states.push(name);
    }
    for i in 0..plan.intl {
        match HUBS.get(i) {
            Some(hub) => w.intl.push(hub.1.to_string()),
            None => {
                let mut rng = Rng::derive(seed, TAG_INTL, i as u64);
                w.intl.push(names::organisation(&mut rng).0);
            }
        }
    }
    for i in 0..plan.publishers {
        let mut rng = Rng::derive(seed, TAG_PUBLISHER, i as u64);
        w.publishers.push(names::publisher(&mut rng));
    }
    for i in 0..plan.persons {
        let mut rng = Rng::derive(seed, TAG_PERSON, i as u64);
        w.persons.push(names::person(&mut rng).0);
    }
    for i in 0..plan.treaties {
        let mut rng = Rng::derive(seed, TAG_TREATY, i as u64);
        let (name, months) = names::treaty(&mut rng);
        w.treaties.push(name);
        w.notice.push(months);
    }
    w
}

/// The entity records (names drawn again from the same streams as [`build_world`]).
fn write_entities(w: &World, sink: &mut dyn Sink) -> io::Result<usize> {
    let seed = w.seed;
    let entity = |id: String, kind: &str, name: &str| EntityRecord {
        id,
        kind: kind.to_string(),
        name: name.to_string(),
        labels: BTreeMap::new(),
        aliases: vec![],
        description: String::new(),
        notice_period_months: None,
    };
    let mut count = 0;
    for i in 0..w.plan.states {
        let mut rng = Rng::derive(seed, TAG_STATE, i as u64);
        let (name, aliases, labels) = names::state(&mut rng);
        let r = Ref::State(i as u32);
        let mut e = entity(w.id(r), "state", &name);
        e.aliases = aliases;
        e.labels = labels;
        e.description = format!(
            "A state; its foreign ministry is the {}.",
            w.ministries[2 * i]
        );
        sink.entity(e)?;
        count += 1;
    }
    for i in 0..w.plan.ministries {
        let r = Ref::Ministry(i as u32);
        let mut e = entity(w.id(r), "organization", w.name(r));
        if i % 2 == 0 {
            let adj = names::adjective(&w.states[i / 2]);
            e.aliases = vec![format!("{adj} Foreign Ministry")];
        }
        sink.entity(e)?;
        count += 1;
    }
    for i in 0..w.plan.intl {
        let r = Ref::Intl(i as u32);
        let mut e = entity(w.id(r), "organization", w.name(r));
        match HUBS.get(i) {
            Some(&(_, _, acronym, de, fr)) => {
                e.aliases = vec![acronym.to_string()];
                e.labels = BTreeMap::from([("de".into(), de.into()), ("fr".into(), fr.into())]);
                e.description = "An international organisation; a hub of the graph.".into();
            }
            None => {
                let mut rng = Rng::derive(seed, TAG_INTL, i as u64);
                e.aliases = vec![names::organisation(&mut rng).1];
                e.description = "An international organisation.".into();
            }
        }
        sink.entity(e)?;
        count += 1;
    }
    for i in 0..w.plan.publishers {
        let r = Ref::Publisher(i as u32);
        let mut e = entity(w.id(r), "organization", w.name(r));
        e.description = "A newspaper.".into();
        sink.entity(e)?;
        count += 1;
    }
    for i in 0..w.plan.persons {
        let mut rng = Rng::derive(seed, TAG_PERSON, i as u64);
        let (name, aliases) = names::person(&mut rng);
        let mut e = entity(w.id(Ref::Person(i as u32)), "person", &name);
        e.aliases = aliases;
        sink.entity(e)?;
        count += 1;
    }
    for i in 0..w.plan.treaties {
        let r = Ref::Treaty(i as u32);
        let mut e = entity(w.id(r), "treaty", w.name(r));
        e.notice_period_months = Some(w.notice[i]);
        sink.entity(e)?;
        count += 1;
    }
    Ok(count)
}

fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn date(d: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(d).expect("generated dates are in range")
}

fn iso(d: i32) -> String {
    date(d).format("%Y-%m-%d").to_string()
}

fn long(d: i32) -> String {
    date(d).format("%-d %B %Y").to_string()
}

fn first_day() -> i32 {
    day(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap())
}

fn last_day() -> i32 {
    day(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// One article being written: its id, its text so far and what it reports.
struct Article {
    id: String,
    text: String,
}

impl Article {
    /// Appends `sentence` and returns `quote` (a part of it) as evidence.
    fn cite(&mut self, sentence: &str, quote: String) -> Vec<EvidenceRecord> {
        debug_assert!(sentence.contains(&quote));
        self.text.push(' ');
        self.text.push_str(sentence);
        vec![EvidenceRecord {
            source: self.id.clone(),
            quote,
        }]
    }
}

/// The relation-type numbers of the set of relations already made.
#[derive(Clone, Copy)]
enum Rel {
    HoldsOffice = 1,
    PartOf,
    MemberOf,
    PartyTo,
    Supports,
    Aggression,
}

impl Rel {
    fn as_str(self) -> &'static str {
        match self {
            Rel::HoldsOffice => "HOLDS_OFFICE",
            Rel::PartOf => "PART_OF",
            Rel::MemberOf => "MEMBER_OF",
            Rel::PartyTo => "PARTY_TO",
            Rel::Supports => "SUPPORTS",
            Rel::Aggression => "AGGRESSION_AGAINST",
        }
    }
}

struct Gen<'w> {
    w: &'w World,
    /// `from`, type and `to` of every explicit relation made: ids must be unique.
    used: HashSet<u64>,
    summary: Summary,
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

/// Splits `total` items over `parts`: the range of part `k`.
fn share(total: usize, parts: usize, k: usize) -> std::ops::Range<usize> {
    total * k / parts..total * (k + 1) / parts
}

impl Gen<'_> {
    /// Whether `from TYPE to` is new (and now taken).
    fn fresh(&mut self, from: Ref, rel: Rel, to: Ref) -> bool {
        let key = (self.w.key(from) << 34) | ((rel as u64) << 30) | self.w.key(to);
        from != to && self.used.insert(key)
    }

    #[allow(clippy::too_many_arguments)]
    fn relation(
        &mut self,
        sink: &mut dyn Sink,
        rel: Rel,
        from: Ref,
        to: Ref,
        role: Option<String>,
        valid: (Option<i32>, Option<i32>),
        evidence: Vec<EvidenceRecord>,
    ) -> io::Result<()> {
        self.summary.relations += 1;
        sink.relation(RelationRecord {
            id: None,
            rel: rel.as_str().into(),
            from: self.w.id(from),
            to: self.w.id(to),
            role,
            valid_from: valid.0.map(iso),
            valid_from_event: None,
            valid_until: valid.1.map(iso),
            valid_until_event: None,
            evidence,
        })
    }

    /// One source: a story of events and relations, then the source with their sentences.
    fn article(&mut self, k: usize, sink: &mut dyn Sink) -> io::Result<()> {
        let w = self.w;
        let p = w.plan;
        let mut rng = Rng::derive(w.seed, TAG_SOURCE, k as u64);
        let published =
            first_day() + 365 + rng.below((last_day() - first_day() - 365) as usize) as i32;
        let publisher = Ref::Publisher((k % p.publishers) as u32);
        let byline = format!("{} - {}", w.name(publisher), long(published));
        let mut a = Article {
            id: format!("source/src-{k:06}"),
            text: format!("{byline}."),
        };
        let mut headline = None;
        let mut story: Vec<(usize, String)> = vec![];

        let events = share(p.events, p.sources, k);
        let mut i = events.start;
        while i < events.end {
            let when = published - rng.below(365) as i32;
            let title = if i + 1 < events.end && rng.chance(0.04) {
                if let Some(t) = self.withdrawal(sink, &mut rng, &mut a, i, when)? {
                    i += 2;
                    Some(t)
                } else {
                    None
                }
            } else {
                None
            };
            let start = i;
            let title = match title {
                Some(t) => t,
                None => {
                    i += 1;
                    self.event(sink, &mut rng, &mut a, i - 1, when)?
                }
            };
            headline.get_or_insert_with(|| title.clone());
            story.push((start, title));
        }

        // The standing facts, each list spread over the sources by index.
        for m in (k..p.ministries).step_by(p.sources) {
            let (from, to) = (Ref::Ministry(m as u32), Ref::State((m / 2) as u32));
            if self.fresh(from, Rel::PartOf, to) {
                let quote = format!(
                    "The {} is part of the government of {}",
                    w.name(from),
                    w.name(to)
                );
                let ev = a.cite(&format!("{quote}."), quote);
                self.relation(sink, Rel::PartOf, from, to, None, (None, None), ev)?;
            }
        }
        for s in (k..p.states).step_by(p.sources) {
            self.memberships(sink, &mut a, s)?;
        }
        for o in (k..p.intl).step_by(p.sources) {
            self.intl_memberships(sink, &mut a, o)?;
        }
        for t in (k..p.treaties).step_by(p.sources) {
            self.parties(sink, &mut a, t)?;
        }
        for person in (k..p.persons).step_by(p.sources) {
            self.career(sink, &mut a, person)?;
        }
        for _ in share(p.supports, p.sources, k) {
            self.support(sink, &mut rng, &mut a, &story)?;
        }
        for _ in share(p.aggressions, p.sources, k) {
            self.aggression(sink, &mut rng, &mut a)?;
        }

        let headline = headline.unwrap_or_else(|| format!("News from {}", w.name(publisher)));
        self.summary.sources += 1;
        self.summary.relations += 1; // PUBLISHED_BY
        a.text.push('\n');
        let text = format!("{headline}\n\n{}", a.text);
        sink.source(SourceRecord {
            id: a.id,
            title: headline,
            description: String::new(),
            publisher: Some(w.id(publisher)),
            byline: Some(byline),
            url: Some(format!(
                "https://news.example/{}/{k}",
                w.id(publisher).trim_start_matches("org/")
            )),
            published: format!("{}T09:00:00+00:00", iso(published)),
            language: "en".into(),
            text_file: None,
            text: Some(text),
        })
    }

    fn push_event(&mut self, sink: &mut dyn Sink, e: EventRecord) -> io::Result<()> {
        let n = e.actors.len() + e.addressed_to.len() + e.concerns.len();
        self.summary.events += 1;
        self.summary.participations += n;
        self.summary.relations += n;
        sink.event(e)
    }

    /// An ordinary event; its title.
    fn event(
        &mut self,
        sink: &mut dyn Sink,
        rng: &mut Rng,
        a: &mut Article,
        i: usize,
        when: i32,
    ) -> io::Result<String> {
        let w = self.w;
        let (kind, verbs): (&str, &[&str]) = match rng.below(20) {
            0..=4 => (
                "statement",
                &[
                    "commented on",
                    "criticised",
                    "praised",
                    "raised concerns about",
                    "called for talks on",
                ],
            ),
            5..=7 => (
                "announcement",
                &["announced new measures on", "announced a review of"],
            ),
            8..=9 => (
                "decision",
                &["adopted a decision on", "decided to reconsider"],
            ),
            10 => (
                "approval",
                &["approved the plan on", "endorsed the position on"],
            ),
            11..=12 => ("notification", &["gave formal notice concerning"]),
            13 => ("signing", &["signed an agreement on"]),
            14 => ("ratification", &["ratified the agreement on"]),
            15 => (
                "entry-into-force",
                &["welcomed the entry into force of the rules on"],
            ),
            16 => ("publication", &["published a report on"]),
            _ => ("other", &["met to discuss", "held talks on"]),
        };
        let mut actors: Vec<Ref> = vec![];
        let mut concerns: Vec<Ref> = vec![];
        let mut addressed: Vec<Ref> = vec![];
        match kind {
            "notification" | "ratification" => {
                let s = w.state(rng);
                actors.push(s);
                if let Ref::State(s) = s
                    && rng.chance(0.5)
                {
                    actors.push(Ref::Ministry(2 * s));
                }
                concerns.push(w.treaty(rng));
                addressed.push(if rng.chance(0.7) {
                    Ref::Intl(UN)
                } else {
                    w.intl(rng)
                });
            }
            "signing" => {
                for _ in 0..rng.range(2, 4) {
                    actors.push(w.state(rng));
                }
                concerns.push(w.treaty(rng));
            }
            "publication" => actors.push(Ref::Publisher(rng.below(w.plan.publishers) as u32)),
            _ => {}
        }
        for _ in actors.len()..rng.range(1, 3) {
            actors.push(w.actor(rng));
        }
        for _ in concerns.len()..rng.range(1, 4) {
            concerns.push(w.subject(rng));
        }
        let extra = match rng.below(20) {
            0..=4 => 0,
            5..=12 => 1,
            13..=16 => 2,
            _ => 3,
        };
        for _ in 0..extra {
            addressed.push(w.addressee(rng));
        }
        for list in [&mut actors, &mut concerns, &mut addressed] {
            let mut seen = vec![];
            list.retain(|r| {
                let new = !seen.contains(r);
                seen.push(*r);
                new
            });
        }
        let verb = *rng.pick(verbs);
        let join = |list: &[Ref]| -> String {
            let v: Vec<String> = list.iter().map(|r| w.the(*r)).collect();
            let v: Vec<&str> = v.iter().map(String::as_str).collect();
            names::list(&v)
        };
        let mut quote = format!("{} {verb} {}", join(&actors), join(&concerns));
        if !addressed.is_empty() {
            quote.push_str(&format!(" in a note to {}", join(&addressed)));
        }
        let month = rng.chance(0.1);
        let sentence = if month {
            format!("In {}, {quote}.", date(when).format("%B %Y"))
        } else {
            format!("On {}, {quote}.", long(when))
        };
        let title = capitalise(&format!(
            "{} {verb} {}",
            w.the(actors[0]),
            w.the(concerns[0])
        ));
        let evidence = a.cite(&sentence, quote);
        let d = date(when);
        let ids = |list: &[Ref]| list.iter().map(|r| w.id(*r)).collect::<Vec<_>>();
        self.push_event(
            sink,
            EventRecord {
                id: format!("event/e-{i:07}"),
                kind: kind.into(),
                title: title.clone(),
                labels: BTreeMap::new(),
                aliases: vec![],
                description: String::new(),
                date: Some(if month {
                    format!("{:04}-{:02}", d.year(), d.month())
                } else {
                    iso(when)
                }),
                date_rule: None,
                actors: ids(&actors),
                addressed_to: ids(&addressed),
                concerns: ids(&concerns),
                evidence,
            },
        )?;
        Ok(title)
    }

    /// A state notifies the UN that it leaves a treaty (event `i`); the withdrawal takes effect
    /// the treaty's notice period later (event `i + 1`, a computed date), which ends the
    /// state's `PARTY_TO`. `None` when the drawn state is already a party (no event made).
    fn withdrawal(
        &mut self,
        sink: &mut dyn Sink,
        rng: &mut Rng,
        a: &mut Article,
        i: usize,
        when: i32,
    ) -> io::Result<Option<String>> {
        let w = self.w;
        let (state, treaty) = (w.state(rng), w.treaty(rng));
        if !self.fresh(state, Rel::PartyTo, treaty) {
            return Ok(None);
        }
        let Ref::Treaty(t) = treaty else {
            unreachable!()
        };
        let months = w.notice[t as usize];
        let (s_name, t_name) = (w.name(state), w.the(treaty));
        let notification = format!("event/e-{i:07}");
        let effect = format!("event/e-{:07}", i + 1);

        let quote = format!("{s_name} notified the United Nations of its withdrawal from {t_name}");
        let evidence = a.cite(&format!("On {}, {quote}.", long(when)), quote);
        let title = format!("{s_name} notifies the United Nations of its withdrawal from {t_name}");
        self.push_event(
            sink,
            EventRecord {
                id: notification.clone(),
                kind: "notification".into(),
                title: title.clone(),
                labels: BTreeMap::new(),
                aliases: vec![],
                description: String::new(),
                date: Some(iso(when)),
                date_rule: None,
                actors: vec![w.id(state)],
                addressed_to: vec![w.id(Ref::Intl(UN))],
                concerns: vec![w.id(treaty)],
                evidence,
            },
        )?;
        let quote = format!(
            "The withdrawal of {s_name} from {t_name} takes effect {months} months after its notification"
        );
        let evidence = a.cite(&format!("{quote}."), quote);
        self.push_event(
            sink,
            EventRecord {
                id: effect.clone(),
                kind: "withdrawal-effective".into(),
                title: format!("{s_name}'s withdrawal from {t_name} takes effect"),
                labels: BTreeMap::new(),
                aliases: vec![],
                description: String::new(),
                date: None,
                date_rule: Some(DateRuleRecord {
                    after: notification,
                    notice_period_of: w.id(treaty),
                }),
                actors: vec![],
                addressed_to: vec![],
                concerns: vec![w.id(treaty), w.id(state)],
                evidence,
            },
        )?;
        self.summary.relations += 1; // the LEADS_TO the computed date adds
        let since = when - rng.range(365, 15 * 365) as i32;
        let quote = format!(
            "{s_name} had been a party to {t_name} since {}",
            long(since)
        );
        let evidence = a.cite(&format!("{quote}."), quote);
        self.summary.relations += 1;
        sink.relation(RelationRecord {
            id: None,
            rel: Rel::PartyTo.as_str().into(),
            from: w.id(state),
            to: w.id(treaty),
            role: None,
            valid_from: Some(iso(since)),
            valid_from_event: None,
            valid_until: None,
            valid_until_event: Some(effect),
            evidence,
        })?;
        Ok(Some(title))
    }

    /// State `s` in the UN (every state), NATO and the EU (some), and a few other bodies.
    fn memberships(&mut self, sink: &mut dyn Sink, a: &mut Article, s: usize) -> io::Result<()> {
        let w = self.w;
        let mut rng = Rng::derive(w.seed, TAG_MEMBERS, s as u64);
        let state = Ref::State(s as u32);
        let mut orgs = vec![(Ref::Intl(UN), None)];
        if rng.chance(0.25) {
            orgs.push((Ref::Intl(NATO), Some(self.past(&mut rng))));
        }
        if rng.chance(0.15) {
            orgs.push((Ref::Intl(EU), Some(self.past(&mut rng))));
        }
        for _ in 0..rng.range(1, 7) {
            let o = HUBS.len() + rng.below(w.plan.intl - HUBS.len());
            orgs.push((Ref::Intl(o as u32), None));
        }
        for (org, since) in orgs {
            if !self.fresh(state, Rel::MemberOf, org) {
                continue;
            }
            let ev = match since {
                None => {
                    let quote = format!("{} is a member of {}", w.name(state), w.the(org));
                    a.cite(&format!("{quote}."), quote)
                }
                Some(d) => {
                    let quote = format!("{} joined {} on {}", w.name(state), w.the(org), long(d));
                    a.cite(&format!("{quote}."), quote)
                }
            };
            self.relation(sink, Rel::MemberOf, state, org, None, (since, None), ev)?;
        }
        Ok(())
    }

    /// A day from 1995 to 2024, for things that began before the story.
    fn past(&self, rng: &mut Rng) -> i32 {
        first_day() - 5 * 365 + rng.below(29 * 365) as i32
    }

    /// Organisation `o` in up to two others.
    fn intl_memberships(
        &mut self,
        sink: &mut dyn Sink,
        a: &mut Article,
        o: usize,
    ) -> io::Result<()> {
        let w = self.w;
        let mut rng = Rng::derive(w.seed, TAG_INTL_MEMBERS, o as u64);
        let from = Ref::Intl(o as u32);
        for _ in 0..rng.range(0, 2) {
            let to = w.intl(&mut rng);
            if self.fresh(from, Rel::MemberOf, to) {
                let quote = format!("{} is a member of {}", capitalise(&w.the(from)), w.the(to));
                let ev = a.cite(&format!("{quote}."), quote);
                self.relation(sink, Rel::MemberOf, from, to, None, (None, None), ev)?;
            }
        }
        Ok(())
    }

    /// The parties of treaty `t`: about 60 states on average, four in five for treaty 0.
    fn parties(&mut self, sink: &mut dyn Sink, a: &mut Article, t: usize) -> io::Result<()> {
        let w = self.w;
        let n = w.plan.states;
        let mut rng = Rng::derive(w.seed, TAG_PARTIES, t as u64);
        let count = if t == 0 {
            n * 4 / 5
        } else {
            (1 + rng.below(120)).min(n)
        };
        let treaty = Ref::Treaty(t as u32);
        let mut chosen = vec![];
        if count * 3 >= n {
            let p = count as f64 / n as f64;
            chosen.extend((0..n).filter(|_| rng.chance(p)));
        } else {
            let mut seen = HashSet::new();
            while chosen.len() < count {
                let s = rng.skewed(n);
                if seen.insert(s) {
                    chosen.push(s);
                }
            }
        }
        for s in chosen {
            let state = Ref::State(s as u32);
            if !self.fresh(state, Rel::PartyTo, treaty) {
                continue;
            }
            let since = self.past(&mut rng);
            let quote = format!(
                "{} became a party to {} on {}",
                w.name(state),
                w.the(treaty),
                long(since)
            );
            let ev = a.cite(&format!("{quote}."), quote);
            self.relation(
                sink,
                Rel::PartyTo,
                state,
                treaty,
                None,
                (Some(since), None),
                ev,
            )?;
        }
        Ok(())
    }

    /// The offices person `i` held, one after another; the last may last until today.
    fn career(&mut self, sink: &mut dyn Sink, a: &mut Article, i: usize) -> io::Result<()> {
        let w = self.w;
        let p = w.plan;
        let mut rng = Rng::derive(w.seed, TAG_CAREER, i as u64);
        let person = Ref::Person(i as u32);
        let home = if rng.chance(0.5) {
            rng.below(p.states)
        } else {
            rng.skewed(p.states)
        };
        let mut start = first_day() + rng.below(20 * 365) as i32;
        for _ in 0..rng.range(1, 3) {
            let (org, roles): (Ref, &[&str]) = match rng.below(20) {
                0..=5 => (
                    Ref::Ministry(2 * home as u32),
                    &[
                        "Minister of Foreign Affairs",
                        "Deputy Minister",
                        "State Secretary",
                        "Spokesperson",
                    ],
                ),
                6..=11 => (
                    Ref::Ministry(2 * home as u32 + 1),
                    if BODIES[w.body[home] as usize] == "Parliament" {
                        &["Member of Parliament", "Speaker"]
                    } else {
                        &["Minister", "Deputy Minister", "Director", "Adviser"]
                    },
                ),
                12..=14 => (
                    Ref::State(home as u32),
                    &[
                        "President",
                        "Prime Minister",
                        "Ambassador to the United Nations",
                    ],
                ),
                15..=17 => (
                    w.intl(&mut rng),
                    &["Secretary-General", "Special Envoy", "Director"],
                ),
                _ => (
                    Ref::Publisher(rng.below(p.publishers) as u32),
                    &["Editor", "Correspondent"],
                ),
            };
            let role = *rng.pick(roles);
            let until = start + rng.range(365, 6 * 365) as i32;
            let open = until > last_day();
            if self.fresh(person, Rel::HoldsOffice, org) {
                let (name, place) = (w.name(person), w.the(org));
                let what = match org {
                    Ref::State(_) => format!("{role} of {place}"),
                    Ref::Publisher(_) => format!("{role} for {place}"),
                    _ => format!("{role} in {place}"),
                };
                let ev = if open {
                    let quote = format!("{name} has served as {what}");
                    a.cite(&format!("Since {}, {quote}.", long(start)), quote)
                } else {
                    let quote = format!("{name} served as {what}");
                    a.cite(
                        &format!("From {} to {}, {quote}.", long(start), long(until)),
                        quote,
                    )
                };
                let valid = (Some(start), (!open).then_some(until));
                self.relation(
                    sink,
                    Rel::HoldsOffice,
                    person,
                    org,
                    Some(role.into()),
                    valid,
                    ev,
                )?;
            }
            if open {
                break;
            }
            start = until + rng.below(200) as i32;
        }
        Ok(())
    }

    /// Someone declares support for someone or something (sometimes an event of the story).
    fn support(
        &mut self,
        sink: &mut dyn Sink,
        rng: &mut Rng,
        a: &mut Article,
        story: &[(usize, String)],
    ) -> io::Result<()> {
        let w = self.w;
        let from = match rng.below(20) {
            0..=10 => w.person(rng),
            11..=15 => w.state(rng),
            _ => w.ministry(rng),
        };
        if rng.chance(0.15) && !story.is_empty() {
            // Events are not `Ref`s: their keys are their numbers with bit 29 set.
            let (e, title) = rng.pick(story);
            let e = *e;
            let key = (w.key(from) << 34) | ((Rel::Supports as u64) << 30) | (1 << 29) | e as u64;
            if self.used.insert(key) {
                let quote = format!("{} welcomed the news ({title})", capitalise(&w.the(from)));
                let ev = a.cite(&format!("{quote}."), quote);
                self.summary.relations += 1;
                sink.relation(RelationRecord {
                    id: None,
                    rel: Rel::Supports.as_str().into(),
                    from: w.id(from),
                    to: format!("event/e-{e:07}"),
                    role: None,
                    valid_from: None,
                    valid_from_event: None,
                    valid_until: None,
                    valid_until_event: None,
                    evidence: ev,
                })?;
            }
            return Ok(());
        }
        let to = match rng.below(20) {
            0..=5 => w.state(rng),
            6..=9 => w.person(rng),
            10..=12 => w.treaty(rng),
            13..=15 => w.intl(rng),
            16 => Ref::Intl(UN),
            _ => w.ministry(rng),
        };
        if self.fresh(from, Rel::Supports, to) {
            let quote = format!(
                "{} declared support for {}",
                capitalise(&w.the(from)),
                w.the(to)
            );
            let ev = a.cite(&format!("{quote}."), quote);
            self.relation(sink, Rel::Supports, from, to, None, (None, None), ev)?;
        }
        Ok(())
    }

    /// A state's aggression against another, some of them over.
    fn aggression(
        &mut self,
        sink: &mut dyn Sink,
        rng: &mut Rng,
        a: &mut Article,
    ) -> io::Result<()> {
        let w = self.w;
        let (from, to) = (w.state(rng), Ref::State(rng.below(w.plan.states) as u32));
        if !self.fresh(from, Rel::Aggression, to) {
            return Ok(());
        }
        let since = first_day() + rng.below(24 * 365) as i32;
        let quote = format!(
            "{} launched an aggression against {} on {}",
            w.name(from),
            w.name(to),
            long(since)
        );
        let mut ev = a.cite(&format!("{quote}."), quote);
        let until = rng
            .chance(0.3)
            .then(|| since + rng.range(30, 3 * 365) as i32);
        if let Some(u) = until {
            let quote = format!(
                "The aggression of {} against {} ended on {}",
                w.name(from),
                w.name(to),
                long(u)
            );
            ev.extend(a.cite(&format!("{quote}."), quote));
        }
        self.relation(
            sink,
            Rel::Aggression,
            from,
            to,
            None,
            (Some(since), until),
            ev,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
                *degree.entry(x).or_default() += 1;
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
