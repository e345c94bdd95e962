//! RDF in the newsgraph vocabulary back to records. Every resource is read for what the writer
//! puts there; what is missing, doubled or of the wrong kind is a [`Problem`] at the line of
//! its resource, and reading goes on, so that one import names every problem it can.

use std::collections::{BTreeMap, HashMap, HashSet};

use oxrdf::{NamedNode, NamedOrBlankNode, Term, Triple};

use super::vocab::{self, NG, Part, RDF_TYPE, SCHEMA};
use super::{RdfSyntax, parse};
use crate::interchange::{Imported, Origin, Problem};
use crate::seed::{
    ClaimRecord, DateRuleRecord, EditorialRecord, EntityRecord, EventRecord, EvidenceRecord,
    InferredRecord, ParticipantRecord, QuotedParticipant, RecordSet, RelationRecord, SourceRecord,
};

pub fn read(
    input: &[u8],
    syntax: RdfSyntax,
    file: &str,
    base: &str,
) -> Result<Imported, Vec<Problem>> {
    if let Err(reason) = vocab::check_base(base) {
        return Err(vec![Problem {
            file: file.to_string(),
            line: None,
            column: None,
            reason,
        }]);
    }
    let (triples, mut problems) = parse::triples(input, syntax, file, base);
    let index = Index::new(triples);
    let mut reader = Reader {
        file,
        base,
        index: &index,
        used: HashSet::new(),
        problems: Vec::new(),
        direct: Vec::new(),
    };
    let imported = reader.records();
    problems.append(&mut reader.problems);
    problems.truncate(parse::MAX_PROBLEMS);
    if problems.is_empty() {
        Ok(imported)
    } else {
        Err(problems)
    }
}

struct Stmt {
    p: NamedNode,
    o: Term,
    line: u64,
}

/// One subject's statements, in document order.
struct Res {
    line: u64,
    stmts: Vec<Stmt>,
}

impl Res {
    fn all<'a>(&'a self, p: &'a str) -> impl Iterator<Item = &'a Stmt> + 'a {
        self.stmts.iter().filter(move |s| s.p.as_str() == p)
    }

    fn types(&self) -> impl Iterator<Item = &str> {
        self.all(RDF_TYPE).filter_map(|s| match &s.o {
            Term::NamedNode(n) => Some(n.as_str()),
            _ => None,
        })
    }
}

struct Index {
    order: Vec<NamedOrBlankNode>,
    subjects: HashMap<NamedOrBlankNode, Res>,
}

impl Index {
    fn new(triples: Vec<(Triple, u64)>) -> Index {
        let mut order = Vec::new();
        let mut subjects: HashMap<NamedOrBlankNode, Res> = HashMap::new();
        let mut seen: HashSet<Triple> = HashSet::new();
        for (t, line) in triples {
            // A graph is a set: a triple stated twice is one triple.
            if seen.contains(&t) {
                continue;
            }
            seen.insert(t.clone());
            let res = subjects.entry(t.subject.clone()).or_insert_with(|| {
                order.push(t.subject.clone());
                Res {
                    line,
                    stmts: Vec::new(),
                }
            });
            res.stmts.push(Stmt {
                p: t.predicate,
                o: t.object,
                line,
            });
        }
        Index { order, subjects }
    }
}

fn schema(local: &str) -> String {
    format!("{SCHEMA}{local}")
}

fn ng(local: &str) -> String {
    format!("{NG}{local}")
}

/// What a typed subject is, by its class.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Root {
    /// The kind the class implies (`None` for `ng:Entity`, which leaves it to `ng:kind`).
    Entity(Option<&'static str>),
    Event,
    Source,
    Relation,
}

fn root_of(class: &str) -> Option<Root> {
    if let Some(local) = class.strip_prefix(SCHEMA) {
        if let Some((kind, _)) = vocab::ENTITY_CLASSES.iter().find(|(_, c)| *c == local) {
            return Some(Root::Entity(Some(kind)));
        }
        return match local {
            vocab::EVENT_CLASS => Some(Root::Event),
            vocab::SOURCE_CLASS => Some(Root::Source),
            _ => None,
        };
    }
    match class.strip_prefix(NG)? {
        vocab::OTHER_ENTITY_CLASS => Some(Root::Entity(None)),
        vocab::RELATION => Some(Root::Relation),
        _ => None,
    }
}

const PART_CLASSES: [&str; 6] = [
    vocab::EVIDENCE,
    vocab::EDITORIAL,
    vocab::CLAIM,
    vocab::PARTICIPATION,
    vocab::DATE_RULE,
    vocab::DATE_INFERENCE,
];

/// The properties each kind of resource may have besides `rdf:type`, by their short names.
const NODE_COMMON: &[&str] = &[
    "schema:name",
    "schema:description",
    "ng:descriptionEvidence",
    "ng:descriptionEditorial",
];
const ENTITY_PROPS: &[&str] = &[
    "ng:kind",
    "schema:alternateName",
    "ng:noticePeriodMonths",
    "ng:noticePeriodEvidence",
    "ng:noticePeriodEditorial",
    "ng:claim",
];
const EVENT_PROPS: &[&str] = &[
    "ng:kind",
    "schema:alternateName",
    "schema:startDate",
    "ng:dateRule",
    "ng:dateInferred",
    "ng:actor",
    "ng:addressedTo",
    "ng:concerns",
    "ng:participation",
    "ng:evidence",
    "ng:claim",
];
const SOURCE_PROPS: &[&str] = &[
    "schema:publisher",
    "ng:byline",
    "schema:url",
    "schema:datePublished",
    "schema:inLanguage",
    "ng:textFile",
    "schema:text",
];
const RELATION_PROPS: &[&str] = &[
    "ng:subject",
    "ng:predicate",
    "ng:object",
    "ng:id",
    "ng:role",
    "ng:validFrom",
    "ng:validFromEvent",
    "ng:validUntil",
    "ng:validUntilEvent",
    "ng:evidence",
];
const EVIDENCE_PROPS: &[&str] = &["ng:position", "ng:source", "ng:quote", "ng:start"];
const EDITORIAL_PROPS: &[&str] = &["ng:by", "ng:at", "ng:note"];
const CLAIM_PROPS: &[&str] = &[
    "ng:position",
    "ng:property",
    "ng:value",
    "ng:evidence",
    "ng:editorial",
];
const PARTICIPATION_PROPS: &[&str] = &[
    "ng:part",
    "ng:participant",
    "ng:quote",
    "ng:source",
    "ng:start",
];
const DATE_RULE_PROPS: &[&str] = &["ng:after", "ng:noticePeriodOf"];
const DATE_INFERENCE_PROPS: &[&str] = &["ng:reasoning", "ng:inferredFrom"];

/// Whether the IRI `p` is the term `short` (`ng:kind`), without building the IRI.
fn is(p: &str, short: &str) -> bool {
    match short.split_once(':') {
        Some(("schema", local)) => p.strip_prefix(SCHEMA) == Some(local),
        Some(("ng", local)) => p.strip_prefix(NG) == Some(local),
        _ => p == short,
    }
}

fn expand(short: &str) -> String {
    match short.split_once(':') {
        Some(("schema", local)) => schema(local),
        Some(("ng", local)) => ng(local),
        _ => short.to_string(),
    }
}

/// `schema:name` for messages.
fn show(iri: &str) -> String {
    for (prefix, ns) in vocab::PREFIXES {
        if let Some(local) = iri.strip_prefix(ns) {
            return format!("{prefix}:{local}");
        }
    }
    format!("<{iri}>")
}

fn show_subject(s: &NamedOrBlankNode) -> String {
    match s {
        NamedOrBlankNode::NamedNode(n) => format!("<{}>", n.as_str()),
        NamedOrBlankNode::BlankNode(b) => format!("_:{}", b.as_str()),
    }
}

/// Resources in their `ng:position` order; those without one after, in document order.
fn by_position<T>(mut items: Vec<(Option<u32>, T)>) -> Vec<T> {
    items.sort_by_key(|(pos, _)| pos.unwrap_or(u32::MAX));
    items.into_iter().map(|(_, t)| t).collect()
}

fn subject_of(o: &Term) -> Option<NamedOrBlankNode> {
    match o {
        Term::NamedNode(n) => Some(n.clone().into()),
        Term::BlankNode(b) => Some(b.clone().into()),
        _ => None,
    }
}

/// An `ng:` triple of a node that is not in the vocabulary: taken for a relation triple
/// (`<from> ng:TYPE <to>`), to be matched with its `ng:Relation` resource.
struct Direct {
    from: String,
    rel: String,
    to: String,
    line: u64,
}

struct Reader<'a> {
    file: &'a str,
    base: &'a str,
    index: &'a Index,
    used: HashSet<NamedOrBlankNode>,
    problems: Vec<Problem>,
    direct: Vec<Direct>,
}

impl<'a> Reader<'a> {
    fn problem(&mut self, line: u64, reason: String) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            line: Some(line),
            column: None,
            reason,
        });
    }

    fn records(&mut self) -> Imported {
        let mut sources = Vec::new();
        let mut entities = Vec::new();
        let mut events = Vec::new();
        let mut relations = Vec::new();
        let index = self.index;
        for subject in &index.order {
            let Some(res) = index.subjects.get(subject) else {
                continue;
            };
            let roots: Vec<Root> = res.types().filter_map(root_of).collect();
            let root = match roots.as_slice() {
                [] => continue,
                [one] => *one,
                [first, rest @ ..] if rest.iter().all(|r| r == first) => *first,
                _ => {
                    self.problem(
                        res.line,
                        format!(
                            "{} has more than one newsgraph class",
                            show_subject(subject)
                        ),
                    );
                    continue;
                }
            };
            self.used.insert(subject.clone());
            let origin = Origin {
                file: self.file.to_string(),
                line: res.line,
            };
            match root {
                Root::Relation => {
                    if let Some(r) = self.relation(subject, res) {
                        relations.push((r, origin));
                    }
                }
                node => {
                    let Some(id) = self.own_id(subject, res) else {
                        continue;
                    };
                    match node {
                        Root::Entity(kind) => {
                            if let Some(e) = self.entity(id, kind, res) {
                                entities.push((e, origin));
                            }
                        }
                        Root::Event => {
                            if let Some(e) = self.event(id, res) {
                                events.push((e, origin));
                            }
                        }
                        _ => {
                            if let Some(s) = self.source(id, res) {
                                sources.push((s, origin));
                            }
                        }
                    }
                }
            }
        }
        self.check_direct(&relations);
        self.check_unused();
        sources.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        entities.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        events.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        relations.sort_by_cached_key(|r| r.0.effective_id());
        let (sources, source_origins) = sources.into_iter().unzip();
        let (entities, entity_origins) = entities.into_iter().unzip();
        let (events, event_origins) = events.into_iter().unzip();
        let (relations, relation_origins) = relations.into_iter().unzip();
        Imported {
            records: RecordSet {
                sources,
                entities,
                events,
                relations,
            },
            origins: crate::interchange::Origins {
                sources: source_origins,
                entities: entity_origins,
                events: event_origins,
                relations: relation_origins,
            },
        }
    }

    /// Every plain relation triple must be the shadow of a relation resource: that is where
    /// its evidence is.
    fn check_direct(&mut self, relations: &[(RelationRecord, Origin)]) {
        let stated: HashSet<(&str, &str, &str)> = relations
            .iter()
            .map(|(r, _)| (r.from.as_str(), r.rel.as_str(), r.to.as_str()))
            .collect();
        let missing: Vec<(u64, String)> = self
            .direct
            .iter()
            .filter(|d| !stated.contains(&(d.from.as_str(), d.rel.as_str(), d.to.as_str())))
            .map(|d| {
                (
                    d.line,
                    format!(
                        "`{} ng:{} {}` is no newsgraph property, or a relation without its \
                         ng:Relation resource (which carries the evidence)",
                        d.from, d.rel, d.to
                    ),
                )
            })
            .collect();
        for (line, reason) in missing {
            self.problem(line, reason);
        }
    }

    fn check_unused(&mut self) {
        let index = self.index;
        for subject in &index.order {
            if self.used.contains(subject) {
                continue;
            }
            let Some(res) = index.subjects.get(subject) else {
                continue;
            };
            let types: Vec<&str> = res.types().collect();
            let reason = if types.is_empty() {
                format!(
                    "{} has no class (rdf:type) and no record refers to it",
                    show_subject(subject)
                )
            } else if types.iter().any(|t| {
                t.strip_prefix(NG)
                    .is_some_and(|l| PART_CLASSES.contains(&l))
            }) {
                format!("{} is not linked from any record", show_subject(subject))
            } else {
                let shown: Vec<String> = types.iter().map(|t| show(t)).collect();
                format!(
                    "{}: unknown class {} (expected schema:Country, schema:Person, \
                     schema:GovernmentOrganization, schema:Legislation, schema:Event, \
                     schema:NewsArticle or ng:Relation)",
                    show_subject(subject),
                    shown.join(", ")
                )
            };
            self.problem(res.line, reason);
        }
    }

    /// Reports properties of the vocabularies that this kind of resource does not have. Other
    /// vocabularies' statements (`owl:sameAs`, `rdfs:label`...) are left alone. On a node, an
    /// unknown `ng:` property with a node as object is taken for a relation triple.
    fn check_props(&mut self, what: &str, res: &'a Res, allowed: &[&[&str]], node: Option<&str>) {
        for s in &res.stmts {
            let p = s.p.as_str();
            if p == RDF_TYPE
                || allowed
                    .iter()
                    .any(|list| list.iter().any(|short| is(p, short)))
            {
                continue;
            }
            // Read by `same_as` on the nodes that have it; elsewhere it says nothing we keep.
            if p == schema("sameAs") {
                continue;
            }
            if let (Some(from), Some(rel), Term::NamedNode(to)) = (node, p.strip_prefix(NG), &s.o) {
                let (Some(rel), Ok(to)) = (vocab::decode(rel), self.id_of(to.as_str())) else {
                    self.problem(
                        s.line,
                        format!("{what}: {} to <{to}>: not a node of the base", show(p)),
                    );
                    continue;
                };
                self.direct.push(Direct {
                    from: from.to_string(),
                    rel,
                    to,
                    line: s.line,
                });
                continue;
            }
            if p.starts_with(NG) || p.starts_with(SCHEMA) {
                self.problem(s.line, format!("{what}: unknown property {}", show(p)));
            }
        }
    }

    /// The id an IRI names: what follows the base, unescaped.
    fn id_of(&self, iri: &str) -> Result<String, String> {
        let rest = iri
            .strip_prefix(self.base)
            .ok_or_else(|| format!("<{iri}> is not under the base <{}>", self.base))?;
        match vocab::decode(rest) {
            Some(id) if !id.is_empty() => Ok(id),
            _ => Err(format!("<{iri}> does not name an id after the base")),
        }
    }

    fn own_id(&mut self, subject: &NamedOrBlankNode, res: &Res) -> Option<String> {
        let NamedOrBlankNode::NamedNode(n) = subject else {
            self.problem(
                res.line,
                format!(
                    "{}: a node must be named by an IRI under the base",
                    show_subject(subject)
                ),
            );
            return None;
        };
        match self.id_of(n.as_str()) {
            Ok(id) => Some(id),
            Err(reason) => {
                self.problem(res.line, reason);
                None
            }
        }
    }

    /// At most one value of `p`; a second is a problem.
    fn one(&mut self, what: &str, res: &'a Res, p: &str) -> Option<&'a Stmt> {
        let p = expand(p);
        let all: Vec<&'a Stmt> = res.stmts.iter().filter(|s| s.p.as_str() == p).collect();
        let first = *all.first()?;
        if let Some(second) = all.get(1) {
            self.problem(second.line, format!("{what}: more than one {}", show(&p)));
        }
        Some(first)
    }

    fn text(&mut self, what: &str, res: &'a Res, p: &str) -> Option<String> {
        let s = self.one(what, res, p)?;
        match &s.o {
            Term::Literal(l) => Some(l.value().to_string()),
            _ => {
                self.problem(
                    s.line,
                    format!("{what}: {} must be a literal", show(s.p.as_str())),
                );
                None
            }
        }
    }

    fn required_text(&mut self, what: &str, res: &'a Res, p: &str) -> Option<String> {
        let t = self.text(what, res, p);
        if t.is_none() && res.all(&expand(p)).next().is_none() {
            self.problem(res.line, format!("{what}: missing {p}"));
        }
        t
    }

    fn integer(&mut self, what: &str, res: &'a Res, p: &str) -> Option<u32> {
        let s = self.one(what, res, p)?;
        let parsed = match &s.o {
            Term::Literal(l) => l.value().trim().parse::<u32>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.problem(
                s.line,
                format!(
                    "{what}: {} must be a whole number from 0 to {}",
                    show(s.p.as_str()),
                    u32::MAX
                ),
            );
        }
        parsed
    }

    fn node_ref(&mut self, what: &str, s: &Stmt) -> Option<String> {
        let result = match &s.o {
            Term::NamedNode(n) => self.id_of(n.as_str()),
            _ => Err(format!("{} must be the IRI of a node", show(s.p.as_str()))),
        };
        match result {
            Ok(id) => Some(id),
            Err(reason) => {
                self.problem(s.line, format!("{what}: {reason}"));
                None
            }
        }
    }

    fn one_ref(&mut self, what: &str, res: &'a Res, p: &str) -> Option<String> {
        let s = self.one(what, res, p)?;
        self.node_ref(what, s)
    }

    fn required_ref(&mut self, what: &str, res: &'a Res, p: &str) -> Option<String> {
        let r = self.one_ref(what, res, p);
        if r.is_none() && res.all(&expand(p)).next().is_none() {
            self.problem(res.line, format!("{what}: missing {p}"));
        }
        r
    }

    /// The resources `p` links to, each checked for its class and marked as read.
    fn parts(&mut self, what: &str, res: &'a Res, p: &str, class: &str) -> Vec<(&'a Res, String)> {
        let mut out = Vec::new();
        let index = self.index;
        for s in res.all(&expand(p)) {
            let target = subject_of(&s.o);
            let Some((subject, part)) = target.and_then(|t| index.subjects.get(&t).map(|r| (t, r)))
            else {
                self.problem(
                    s.line,
                    format!("{what}: {p} must link to a resource described in the file"),
                );
                continue;
            };
            let expected = ng(class);
            let types: Vec<&str> = part.types().collect();
            if !types.is_empty() && !types.contains(&expected.as_str()) {
                self.problem(
                    part.line,
                    format!("{}: expected ng:{class}", show_subject(&subject)),
                );
                continue;
            }
            self.used.insert(subject.clone());
            out.push((part, show_subject(&subject)));
        }
        out
    }

    fn evidence(&mut self, what: &str, res: &'a Res, p: &str) -> Vec<EvidenceRecord> {
        let mut items = Vec::new();
        for (part, name) in self.parts(what, res, p, vocab::EVIDENCE) {
            let here = format!("{what}: evidence {name}");
            self.check_props(&here, part, &[EVIDENCE_PROPS], None);
            let position = self.integer(&here, part, "ng:position");
            let source = self.required_ref(&here, part, "ng:source");
            let quote = self.required_text(&here, part, "ng:quote");
            let start = self.integer(&here, part, "ng:start");
            if let (Some(source), Some(quote)) = (source, quote) {
                items.push((
                    position,
                    EvidenceRecord {
                        source,
                        quote,
                        start,
                    },
                ));
            }
        }
        by_position(items)
    }

    fn editorial(&mut self, what: &str, res: &'a Res, p: &str) -> Option<EditorialRecord> {
        let parts = self.parts(what, res, p, vocab::EDITORIAL);
        if parts.len() > 1 {
            self.problem(res.line, format!("{what}: more than one {p}"));
        }
        let (part, name) = parts.into_iter().next()?;
        let here = format!("{what}: editorial {name}");
        self.check_props(&here, part, &[EDITORIAL_PROPS], None);
        let by = self.required_text(&here, part, "ng:by");
        let at = self.required_text(&here, part, "ng:at");
        let note = self.text(&here, part, "ng:note");
        Some(EditorialRecord {
            by: by?,
            at: at?,
            note,
        })
    }

    fn claims(&mut self, what: &str, res: &'a Res) -> Vec<ClaimRecord> {
        let mut items = Vec::new();
        for (part, name) in self.parts(what, res, "ng:claim", vocab::CLAIM) {
            let here = format!("{what}: claim {name}");
            self.check_props(&here, part, &[CLAIM_PROPS], None);
            let position = self.integer(&here, part, "ng:position");
            let property = self.required_text(&here, part, "ng:property");
            let value = self.required_text(&here, part, "ng:value");
            let evidence = self.evidence(&here, part, "ng:evidence");
            let editorial = self.editorial(&here, part, "ng:editorial");
            if let (Some(property), Some(value)) = (property, value) {
                items.push((
                    position,
                    ClaimRecord {
                        property,
                        value,
                        evidence,
                        editorial,
                    },
                ));
            }
        }
        by_position(items)
    }

    /// The English name (no language tag), the labels by language, the aliases in document
    /// order.
    fn names(
        &mut self,
        what: &str,
        res: &'a Res,
    ) -> (Option<String>, BTreeMap<String, String>, Vec<String>) {
        let mut name = None;
        let mut labels = BTreeMap::new();
        for s in res.all(&schema("name")) {
            let Term::Literal(l) = &s.o else {
                self.problem(s.line, format!("{what}: schema:name must be a literal"));
                continue;
            };
            match l.language() {
                None if name.is_none() => name = Some(l.value().to_string()),
                None => self.problem(
                    s.line,
                    format!("{what}: more than one schema:name without a language tag"),
                ),
                Some(lang) => {
                    if labels
                        .insert(lang.to_string(), l.value().to_string())
                        .is_some()
                    {
                        self.problem(
                            s.line,
                            format!("{what}: more than one schema:name in `{lang}`"),
                        );
                    }
                }
            }
        }
        if name.is_none() {
            self.problem(
                res.line,
                format!("{what}: missing schema:name (the English name, without a language tag)"),
            );
        }
        let mut aliases = Vec::new();
        for s in res.all(&schema("alternateName")) {
            match &s.o {
                Term::Literal(l) => aliases.push(l.value().to_string()),
                _ => self.problem(
                    s.line,
                    format!("{what}: schema:alternateName must be a literal"),
                ),
            }
        }
        (name, labels, aliases)
    }

    /// `schema:sameAs` links: IRIs, or `xsd:anyURI` literals (how the writer keeps a link
    /// that is no valid IRI to RDF's stricter rules).
    fn same_as(&mut self, what: &str, res: &'a Res) -> Vec<String> {
        let mut links = Vec::new();
        for s in res.all(&schema("sameAs")) {
            match &s.o {
                Term::NamedNode(n) => links.push(n.as_str().to_string()),
                Term::Literal(l) => links.push(l.value().to_string()),
                _ => self.problem(s.line, format!("{what}: schema:sameAs must be an IRI")),
            }
        }
        links
    }

    fn entity(
        &mut self,
        id: String,
        class_kind: Option<&str>,
        res: &'a Res,
    ) -> Option<EntityRecord> {
        let what = format!("entity `{id}`");
        self.check_props(&what, res, &[NODE_COMMON, ENTITY_PROPS], Some(&id));
        let kind = match (self.text(&what, res, "ng:kind"), class_kind) {
            (Some(k), Some(c)) if k != c => {
                self.problem(
                    res.line,
                    format!("{what}: ng:kind `{k}` does not match its class (kind `{c}`)"),
                );
                None
            }
            (Some(k), _) => Some(k),
            (None, Some(c)) => Some(c.to_string()),
            (None, None) => {
                self.problem(res.line, format!("{what}: missing ng:kind"));
                None
            }
        };
        let (name, labels, aliases) = self.names(&what, res);
        let description = self
            .text(&what, res, "schema:description")
            .unwrap_or_default();
        let notice_period_months = self.integer(&what, res, "ng:noticePeriodMonths");
        let description_evidence = self.evidence(&what, res, "ng:descriptionEvidence");
        let description_editorial = self.editorial(&what, res, "ng:descriptionEditorial");
        let notice_period_evidence = self.evidence(&what, res, "ng:noticePeriodEvidence");
        let notice_period_editorial = self.editorial(&what, res, "ng:noticePeriodEditorial");
        let claims = self.claims(&what, res);
        let same_as = self.same_as(&what, res);
        Some(EntityRecord {
            id,
            kind: kind?,
            name: name?,
            labels,
            aliases,
            same_as,
            description,
            notice_period_months,
            description_evidence,
            description_editorial,
            notice_period_evidence,
            notice_period_editorial,
            claims,
        })
    }

    fn participants(&mut self, what: &str, res: &'a Res) -> HashMap<Part, Vec<ParticipantRecord>> {
        let mut quoted: HashMap<(Part, String), QuotedParticipant> = HashMap::new();
        for (part, name) in self.parts(what, res, "ng:participation", vocab::PARTICIPATION) {
            let here = format!("{what}: participation {name}");
            self.check_props(&here, part, &[PARTICIPATION_PROPS], None);
            let which = self.one(&here, part, "ng:part").and_then(|s| {
                vocab::PARTS
                    .iter()
                    .find(|(_, property, _)| s.o == Term::from(vocab::ng(property)))
                    .map(|(p, _, _)| *p)
            });
            if which.is_none() {
                self.problem(
                    part.line,
                    format!("{here}: ng:part must be one of ng:actor, ng:addressedTo, ng:concerns"),
                );
            }
            let id = self.required_ref(&here, part, "ng:participant");
            let quote = self.required_text(&here, part, "ng:quote");
            let source = self.one_ref(&here, part, "ng:source");
            let start = self.integer(&here, part, "ng:start");
            let (Some(which), Some(id), Some(quote)) = (which, id, quote) else {
                continue;
            };
            let q = QuotedParticipant {
                id: id.clone(),
                quote,
                source,
                start,
            };
            if quoted.insert((which, id.clone()), q).is_some() {
                self.problem(
                    part.line,
                    format!("{here}: `{id}` has more than one participation of this part"),
                );
            }
        }
        let mut out = HashMap::new();
        for (part, property, _) in vocab::PARTS {
            let mut ids: Vec<String> = Vec::new();
            for s in res.all(&ng(property)) {
                if let Some(id) = self.node_ref(what, s) {
                    ids.push(id);
                }
            }
            ids.extend(
                quoted
                    .keys()
                    .filter(|(p, _)| *p == part)
                    .map(|(_, id)| id.clone()),
            );
            // As `records_of` gives them: the graph keeps no order of participants.
            ids.sort();
            ids.dedup();
            let list = ids
                .into_iter()
                .map(|id| match quoted.remove(&(part, id.clone())) {
                    Some(q) => ParticipantRecord::Quoted(q),
                    None => ParticipantRecord::Id(id),
                })
                .collect();
            out.insert(part, list);
        }
        out
    }

    fn event(&mut self, id: String, res: &'a Res) -> Option<EventRecord> {
        let what = format!("event `{id}`");
        self.check_props(&what, res, &[NODE_COMMON, EVENT_PROPS], Some(&id));
        let kind = self.required_text(&what, res, "ng:kind");
        let (title, labels, aliases) = self.names(&what, res);
        let description = self
            .text(&what, res, "schema:description")
            .unwrap_or_default();
        let date = self.text(&what, res, "schema:startDate");
        let date_rule = {
            let parts = self.parts(&what, res, "ng:dateRule", vocab::DATE_RULE);
            if parts.len() > 1 {
                self.problem(res.line, format!("{what}: more than one ng:dateRule"));
            }
            match parts.into_iter().next() {
                None => None,
                Some((part, name)) => {
                    let here = format!("{what}: date rule {name}");
                    self.check_props(&here, part, &[DATE_RULE_PROPS], None);
                    let after = self.required_ref(&here, part, "ng:after");
                    let of = self.required_ref(&here, part, "ng:noticePeriodOf");
                    Some(DateRuleRecord {
                        after: after?,
                        notice_period_of: of?,
                    })
                }
            }
        };
        let date_inferred = {
            let parts = self.parts(&what, res, "ng:dateInferred", vocab::DATE_INFERENCE);
            if parts.len() > 1 {
                self.problem(res.line, format!("{what}: more than one ng:dateInferred"));
            }
            match parts.into_iter().next() {
                None => None,
                Some((part, name)) => {
                    let here = format!("{what}: date inference {name}");
                    self.check_props(&here, part, &[DATE_INFERENCE_PROPS], None);
                    let reasoning = self.required_text(&here, part, "ng:reasoning");
                    let from = self.one_ref(&here, part, "ng:inferredFrom");
                    Some(InferredRecord {
                        reasoning: reasoning?,
                        from,
                    })
                }
            }
        };
        let mut parts = self.participants(&what, res);
        let evidence = self.evidence(&what, res, "ng:evidence");
        let description_evidence = self.evidence(&what, res, "ng:descriptionEvidence");
        let description_editorial = self.editorial(&what, res, "ng:descriptionEditorial");
        let claims = self.claims(&what, res);
        let same_as = self.same_as(&what, res);
        Some(EventRecord {
            id,
            kind: kind?,
            title: title?,
            labels,
            aliases,
            same_as,
            description,
            date,
            date_rule,
            date_inferred,
            actors: parts.remove(&Part::Actor).unwrap_or_default(),
            addressed_to: parts.remove(&Part::AddressedTo).unwrap_or_default(),
            concerns: parts.remove(&Part::Concerns).unwrap_or_default(),
            evidence,
            description_evidence,
            description_editorial,
            claims,
        })
    }

    fn source(&mut self, id: String, res: &'a Res) -> Option<SourceRecord> {
        let what = format!("source `{id}`");
        self.check_props(&what, res, &[NODE_COMMON, SOURCE_PROPS], Some(&id));
        let title = self.required_text(&what, res, "schema:name");
        let description = self
            .text(&what, res, "schema:description")
            .unwrap_or_default();
        let publisher = self.one_ref(&what, res, "schema:publisher");
        let byline = self.text(&what, res, "ng:byline");
        let url = match self.one(&what, res, "schema:url").map(|s| (&s.o, s.line)) {
            None => None,
            Some((Term::NamedNode(n), _)) => Some(n.as_str().to_string()),
            Some((Term::Literal(l), _)) => Some(l.value().to_string()),
            Some((_, line)) => {
                self.problem(
                    line,
                    format!("{what}: schema:url must be an IRI or a literal"),
                );
                None
            }
        };
        let published = self.required_text(&what, res, "schema:datePublished");
        let language = self.required_text(&what, res, "schema:inLanguage");
        let text_file = self.text(&what, res, "ng:textFile");
        let text = self.text(&what, res, "schema:text");
        let description_evidence = self.evidence(&what, res, "ng:descriptionEvidence");
        let description_editorial = self.editorial(&what, res, "ng:descriptionEditorial");
        Some(SourceRecord {
            id,
            title: title?,
            description,
            publisher,
            byline,
            url,
            published: published?,
            language: language?,
            text_file,
            text,
            description_evidence,
            description_editorial,
        })
    }

    fn relation(&mut self, subject: &NamedOrBlankNode, res: &'a Res) -> Option<RelationRecord> {
        let what = format!("relation {}", show_subject(subject));
        self.check_props(&what, res, &[RELATION_PROPS], None);
        let from = self.required_ref(&what, res, "ng:subject");
        let to = self.required_ref(&what, res, "ng:object");
        let rel = match self.one(&what, res, "ng:predicate") {
            None => {
                self.problem(
                    res.line,
                    format!("{what}: missing ng:predicate (the relation type)"),
                );
                None
            }
            Some(s) => {
                let rel = match &s.o {
                    Term::NamedNode(n) => n.as_str().strip_prefix(NG).and_then(vocab::decode),
                    _ => None,
                };
                if rel.is_none() {
                    self.problem(
                        s.line,
                        format!(
                            "{what}: ng:predicate must be a relation type such as ng:MEMBER_OF"
                        ),
                    );
                }
                rel
            }
        };
        let id = self.text(&what, res, "ng:id");
        let role = self.text(&what, res, "ng:role");
        let valid_from = self.text(&what, res, "ng:validFrom");
        let valid_from_event = self.one_ref(&what, res, "ng:validFromEvent");
        let valid_until = self.text(&what, res, "ng:validUntil");
        let valid_until_event = self.one_ref(&what, res, "ng:validUntilEvent");
        let evidence = self.evidence(&what, res, "ng:evidence");
        Some(RelationRecord {
            id,
            rel: rel?,
            from: from?,
            to: to?,
            role,
            valid_from,
            valid_from_event,
            valid_until,
            valid_until_event,
            evidence,
        })
    }
}
