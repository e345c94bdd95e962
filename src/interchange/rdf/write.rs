//! Records as RDF triples, and the triples as Turtle or N-Triples. Every field of every record
//! is written, so that [`super::read`] gives back the same records.

use std::io;

use oxrdf::{Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use oxttl::{NTriplesSerializer, TurtleSerializer};

use super::vocab::{self, ng, schema, xsd};
use crate::seed::{
    ClaimRecord, EditorialRecord, EntityRecord, EventRecord, EvidenceRecord, ParticipantRecord,
    RecordSet, RelationRecord, SourceRecord,
};

pub fn write_turtle(records: &RecordSet, base: &str, out: &mut dyn io::Write) -> io::Result<()> {
    let triples = triples(records, base)?;
    let mut serializer = TurtleSerializer::new();
    for (name, iri) in vocab::PREFIXES {
        serializer = serializer.with_prefix(name, iri).map_err(invalid)?;
    }
    // No `@base`: oxttl would make every IRI relative to it, the vocabularies' too
    // (`<//schema.org/>`), which is valid but confuses people and some tools.
    let mut serializer = serializer.for_writer(out);
    for t in &triples {
        serializer.serialize_triple(t)?;
    }
    serializer.finish()?;
    Ok(())
}

pub fn write_ntriples(records: &RecordSet, base: &str, out: &mut dyn io::Write) -> io::Result<()> {
    let triples = triples(records, base)?;
    let mut serializer = NTriplesSerializer::new().for_writer(out);
    for t in &triples {
        serializer.serialize_triple(t)?;
    }
    serializer.finish();
    Ok(())
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e.to_string())
}

/// The triples of a record set, each record's together (the Turtle groups them by subject).
pub fn triples(records: &RecordSet, base: &str) -> io::Result<Vec<Triple>> {
    vocab::check_base(base).map_err(invalid)?;
    let mut w = Writer {
        base,
        out: Vec::new(),
    };
    for s in &records.sources {
        w.source(s);
    }
    for e in &records.entities {
        w.entity(e)?;
    }
    for e in &records.events {
        w.event(e)?;
    }
    for r in &records.relations {
        w.relation(r);
    }
    Ok(grouped(w.out))
}

/// Each subject's triples together, subjects in the order they first appear: a record's
/// resources are written after it, not in between its own statements.
fn grouped(triples: Vec<Triple>) -> Vec<Triple> {
    let mut slot: std::collections::HashMap<NamedOrBlankNode, usize> = Default::default();
    let mut groups: Vec<Vec<Triple>> = Vec::new();
    for t in triples {
        let i = *slot.entry(t.subject.clone()).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[i].push(t);
    }
    groups.into_iter().flatten().collect()
}

struct Writer<'a> {
    base: &'a str,
    out: Vec<Triple>,
}

fn string(s: &str) -> Term {
    Literal::new_simple_literal(s).into()
}

fn integer(n: impl std::fmt::Display) -> Term {
    Literal::new_typed_literal(n.to_string(), xsd("integer")).into()
}

fn date(d: &str) -> Term {
    match vocab::date_type(d) {
        Some(t) => Literal::new_typed_literal(d, xsd(t)).into(),
        None => string(d),
    }
}

impl Writer<'_> {
    fn add(&mut self, s: &NamedNode, p: NamedNode, o: impl Into<Term>) {
        self.out
            .push(Triple::new(NamedOrBlankNode::from(s.clone()), p, o.into()));
    }

    /// Links to the same thing elsewhere, as `schema:sameAs` IRIs. The graph checks them
    /// looser than RDF does (an IRI with, say, a `%` not followed by hex digits): such a one
    /// is kept as an `xsd:anyURI` literal rather than written as an invalid IRI.
    fn same_as(&mut self, n: &NamedNode, links: &[String]) {
        for link in links {
            match NamedNode::new(link.as_str()) {
                Ok(iri) => self.add(n, schema("sameAs"), iri),
                Err(_) => self.add(
                    n,
                    schema("sameAs"),
                    Literal::new_typed_literal(link.as_str(), xsd("anyURI")),
                ),
            }
        }
    }

    fn node(&self, id: &str) -> NamedNode {
        vocab::node_iri(self.base, id)
    }

    fn class(&mut self, s: &NamedNode, class: NamedNode) {
        self.add(s, NamedNode::new_unchecked(vocab::RDF_TYPE), class);
    }

    fn opt(&mut self, s: &NamedNode, p: NamedNode, value: Option<&str>) {
        if let Some(v) = value {
            self.add(s, p, string(v));
        }
    }

    fn description(&mut self, s: &NamedNode, text: &str) {
        if !text.is_empty() {
            self.add(s, schema("description"), string(text));
        }
    }

    /// `name` plain (the English name), `labels` tagged with their language.
    fn names(
        &mut self,
        s: &NamedNode,
        name: &str,
        labels: &std::collections::BTreeMap<String, String>,
        aliases: &[String],
    ) -> io::Result<()> {
        self.add(s, schema("name"), string(name));
        for (lang, label) in labels {
            let literal = Literal::new_language_tagged_literal(label, lang)
                .map_err(|e| invalid(format!("{s}: label language `{lang}`: {e}")))?;
            self.add(s, schema("name"), literal);
        }
        // Alias order is kept by the order of these triples in the document (RDF itself has
        // none); the reader takes them in document order.
        for a in aliases {
            self.add(s, schema("alternateName"), string(a));
        }
        Ok(())
    }

    fn evidence(&mut self, owner: &NamedNode, link: &str, segment: &str, evs: &[EvidenceRecord]) {
        for (i, e) in evs.iter().enumerate() {
            let v = vocab::part_iri(owner, segment, Some(i + 1));
            self.add(owner, ng(link), v.clone());
            self.class(&v, ng(vocab::EVIDENCE));
            self.add(&v, ng("position"), integer(i + 1));
            self.add(&v, ng("source"), self.node(&e.source));
            self.add(&v, ng("quote"), string(&e.quote));
            if let Some(start) = e.start {
                self.add(&v, ng("start"), integer(start));
            }
        }
    }

    fn editorial(
        &mut self,
        owner: &NamedNode,
        link: &str,
        segment: &str,
        e: Option<&EditorialRecord>,
    ) {
        let Some(e) = e else { return };
        let d = vocab::part_iri(owner, segment, None);
        self.add(owner, ng(link), d.clone());
        self.class(&d, ng(vocab::EDITORIAL));
        self.add(&d, ng("by"), string(&e.by));
        self.add(&d, ng("at"), date(&e.at));
        self.opt(&d, ng("note"), e.note.as_deref());
    }

    fn claims(&mut self, owner: &NamedNode, claims: &[ClaimRecord]) {
        for (i, c) in claims.iter().enumerate() {
            let r = vocab::part_iri(owner, "_claim", Some(i + 1));
            self.add(owner, ng("claim"), r.clone());
            self.class(&r, ng(vocab::CLAIM));
            self.add(&r, ng("position"), integer(i + 1));
            self.add(&r, ng("property"), string(&c.property));
            self.add(&r, ng("value"), string(&c.value));
            self.evidence(&r, "evidence", "_evidence", &c.evidence);
            self.editorial(&r, "editorial", "_editorial", c.editorial.as_ref());
        }
    }

    fn source(&mut self, s: &SourceRecord) {
        let n = self.node(&s.id);
        self.class(&n, schema(vocab::SOURCE_CLASS));
        self.add(&n, schema("name"), string(&s.title));
        self.description(&n, &s.description);
        if let Some(p) = &s.publisher {
            self.add(&n, schema("publisher"), self.node(p));
        }
        self.opt(&n, ng("byline"), s.byline.as_deref());
        if let Some(url) = &s.url {
            // An IRI where the text is one (linked data follows it); otherwise a typed string,
            // which reads back the same.
            match NamedNode::new(url.as_str()) {
                Ok(iri) => self.add(&n, schema("url"), iri),
                Err(_) => self.add(
                    &n,
                    schema("url"),
                    Literal::new_typed_literal(url, xsd("anyURI")),
                ),
            }
        }
        self.add(
            &n,
            schema("datePublished"),
            Literal::new_typed_literal(&s.published, xsd("dateTime")),
        );
        self.add(&n, schema("inLanguage"), string(&s.language));
        self.opt(&n, ng("textFile"), s.text_file.as_deref());
        self.opt(&n, schema("text"), s.text.as_deref());
        self.description_basis(
            &n,
            &s.description_evidence,
            s.description_editorial.as_ref(),
        );
    }

    /// The basis of a node's description: its quotes, or who wrote it.
    fn description_basis(
        &mut self,
        n: &NamedNode,
        evidence: &[EvidenceRecord],
        editorial: Option<&EditorialRecord>,
    ) {
        self.evidence(n, "descriptionEvidence", "_description-evidence", evidence);
        self.editorial(
            n,
            "descriptionEditorial",
            "_description-editorial",
            editorial,
        );
    }

    fn entity(&mut self, e: &EntityRecord) -> io::Result<()> {
        let n = self.node(&e.id);
        let class = vocab::ENTITY_CLASSES
            .iter()
            .find(|(kind, _)| *kind == e.kind)
            .map_or_else(|| ng(vocab::OTHER_ENTITY_CLASS), |(_, class)| schema(class));
        self.class(&n, class);
        self.add(&n, ng("kind"), string(&e.kind));
        self.names(&n, &e.name, &e.labels, &e.aliases)?;
        self.same_as(&n, &e.same_as);
        self.description(&n, &e.description);
        if let Some(months) = e.notice_period_months {
            self.add(&n, ng("noticePeriodMonths"), integer(months));
        }
        self.description_basis(
            &n,
            &e.description_evidence,
            e.description_editorial.as_ref(),
        );
        self.evidence(
            &n,
            "noticePeriodEvidence",
            "_notice-period-evidence",
            &e.notice_period_evidence,
        );
        self.editorial(
            &n,
            "noticePeriodEditorial",
            "_notice-period-editorial",
            e.notice_period_editorial.as_ref(),
        );
        self.claims(&n, &e.claims);
        Ok(())
    }

    fn event(&mut self, e: &EventRecord) -> io::Result<()> {
        let n = self.node(&e.id);
        self.class(&n, schema(vocab::EVENT_CLASS));
        self.add(&n, ng("kind"), string(&e.kind));
        self.names(&n, &e.title, &e.labels, &e.aliases)?;
        self.same_as(&n, &e.same_as);
        self.description(&n, &e.description);
        if let Some(d) = &e.date {
            self.add(&n, schema("startDate"), date(d));
        }
        if let Some(rule) = &e.date_rule {
            let r = vocab::part_iri(&n, "_date-rule", None);
            self.add(&n, ng("dateRule"), r.clone());
            self.class(&r, ng(vocab::DATE_RULE));
            self.add(&r, ng("after"), self.node(&rule.after));
            self.add(&r, ng("noticePeriodOf"), self.node(&rule.notice_period_of));
        }
        if let Some(inferred) = &e.date_inferred {
            let r = vocab::part_iri(&n, "_date-inferred", None);
            self.add(&n, ng("dateInferred"), r.clone());
            self.class(&r, ng(vocab::DATE_INFERENCE));
            self.add(&r, ng("reasoning"), string(&inferred.reasoning));
            if let Some(from) = &inferred.from {
                self.add(&r, ng("inferredFrom"), self.node(from));
            }
        }
        let lists = |part| match part {
            vocab::Part::Actor => &e.actors,
            vocab::Part::AddressedTo => &e.addressed_to,
            vocab::Part::Concerns => &e.concerns,
        };
        for (part, property, _) in vocab::PARTS {
            for p in lists(part) {
                self.add(&n, ng(property), self.node(p.id()));
            }
        }
        // The words that name a participant's part, where the record has them.
        for (part, property, segment) in vocab::PARTS {
            for (i, p) in lists(part).iter().enumerate() {
                let ParticipantRecord::Quoted(q) = p else {
                    continue;
                };
                let r = vocab::part_iri(&n, segment, Some(i + 1));
                self.add(&n, ng("participation"), r.clone());
                self.class(&r, ng(vocab::PARTICIPATION));
                self.add(&r, ng("part"), ng(property));
                self.add(&r, ng("participant"), self.node(&q.id));
                self.add(&r, ng("quote"), string(&q.quote));
                if let Some(source) = &q.source {
                    self.add(&r, ng("source"), self.node(source));
                }
                if let Some(start) = q.start {
                    self.add(&r, ng("start"), integer(start));
                }
            }
        }
        self.evidence(&n, "evidence", "_evidence", &e.evidence);
        self.description_basis(
            &n,
            &e.description_evidence,
            e.description_editorial.as_ref(),
        );
        self.claims(&n, &e.claims);
        Ok(())
    }

    fn relation(&mut self, r: &RelationRecord) {
        let from = self.node(&r.from);
        let to = self.node(&r.to);
        let property = vocab::relation_property(&r.rel);
        // The plain triple, for queries that only ask who is related to whom...
        self.add(&from, property.clone(), to.clone());
        // ...and the relation as a resource, for what only it can carry: role, validity and
        // the evidence.
        let n = vocab::relation_iri(self.base, &r.effective_id());
        self.class(&n, ng(vocab::RELATION));
        self.add(&n, ng("subject"), from);
        self.add(&n, ng("predicate"), property);
        self.add(&n, ng("object"), to);
        self.opt(&n, ng("id"), r.id.as_deref());
        self.opt(&n, ng("role"), r.role.as_deref());
        if let Some(d) = &r.valid_from {
            self.add(&n, ng("validFrom"), date(d));
        }
        if let Some(ev) = &r.valid_from_event {
            self.add(&n, ng("validFromEvent"), self.node(ev));
        }
        if let Some(d) = &r.valid_until {
            self.add(&n, ng("validUntil"), date(d));
        }
        if let Some(ev) = &r.valid_until_event {
            self.add(&n, ng("validUntilEvent"), self.node(ev));
        }
        self.evidence(&n, "evidence", "_evidence", &r.evidence);
    }
}
