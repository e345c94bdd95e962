//! JSON-LD 1.1: the same triples as the Turtle, as a compact document (`@context` with the
//! prefixes, one node object per subject in `@graph`). Written from the triples rather than
//! from the records so that the two forms cannot say different things.

use std::collections::HashMap;
use std::io;

use oxrdf::{NamedNode, NamedOrBlankNode, Term, Triple};
use serde_json::{Map, Value, json};

use super::vocab;
use crate::seed::RecordSet;

pub fn write_jsonld(records: &RecordSet, base: &str, out: &mut dyn io::Write) -> io::Result<()> {
    let triples = super::write::triples(records, base)?;
    serde_json::to_writer_pretty(&mut *out, &document(&triples))?;
    out.write_all(b"\n")
}

/// `schema:name` for a term of a declared vocabulary, else the full IRI.
fn compact(iri: &NamedNode) -> String {
    for (prefix, ns) in vocab::PREFIXES {
        if let Some(local) = iri.as_str().strip_prefix(ns)
            && !local.is_empty()
            && !local.starts_with("//")
        {
            return format!("{prefix}:{local}");
        }
    }
    iri.as_str().to_string()
}

fn subject_id(s: &NamedOrBlankNode) -> String {
    match s {
        NamedOrBlankNode::NamedNode(n) => n.as_str().to_string(),
        NamedOrBlankNode::BlankNode(b) => format!("_:{}", b.as_str()),
    }
}

fn value(o: &Term) -> Value {
    match o {
        Term::NamedNode(n) => json!({ "@id": n.as_str() }),
        Term::BlankNode(b) => json!({ "@id": format!("_:{}", b.as_str()) }),
        Term::Literal(l) => {
            if let Some(lang) = l.language() {
                json!({ "@value": l.value(), "@language": lang })
            } else if l.datatype().as_str() == format!("{}string", vocab::XSD) {
                Value::String(l.value().to_string())
            } else {
                json!({ "@value": l.value(), "@type": compact(&l.datatype().into_owned()) })
            }
        }
        #[allow(unreachable_patterns)]
        _ => Value::Null,
    }
}

fn document(triples: &[Triple]) -> Value {
    let mut order: Vec<String> = Vec::new();
    let mut nodes: HashMap<String, Map<String, Value>> = HashMap::new();
    for t in triples {
        let id = subject_id(&t.subject);
        let node = nodes.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            let mut m = Map::new();
            m.insert("@id".into(), Value::String(id));
            m
        });
        let (key, v) = if t.predicate.as_str() == vocab::RDF_TYPE {
            let Term::NamedNode(class) = &t.object else {
                continue;
            };
            ("@type".to_string(), Value::String(compact(class)))
        } else {
            (compact(&t.predicate), value(&t.object))
        };
        if let Value::Array(values) = node.entry(key).or_insert_with(|| Value::Array(vec![])) {
            values.push(v);
        }
    }
    let context: Map<String, Value> = vocab::PREFIXES
        .iter()
        .map(|(p, ns)| (p.to_string(), Value::String(ns.to_string())))
        .collect();
    let graph: Vec<Value> = order
        .into_iter()
        .filter_map(|id| nodes.remove(&id).map(Value::Object))
        .collect();
    json!({ "@context": context, "@graph": graph })
}
