//! The terms of the RDF form and the IRIs of records: schema.org where a term fits, the
//! newsgraph vocabulary (`ng:`) for the rest. The writer and the reader both take their names
//! from here, so the two cannot drift apart.

use oxrdf::NamedNode;

pub const SCHEMA: &str = "https://schema.org/";
pub const NG: &str = "https://newsgraph.dev/vocab#";
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
pub const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

/// The prefixes the Turtle and JSON-LD documents declare.
pub const PREFIXES: [(&str, &str); 3] = [("schema", SCHEMA), ("ng", NG), ("xsd", XSD)];

pub fn schema(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{SCHEMA}{local}"))
}

pub fn ng(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{NG}{local}"))
}

pub fn xsd(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{XSD}{local}"))
}

/// The schema.org class of each entity kind. Kinds outside this list (which validation refuses)
/// are written as `ng:Entity`, so that a bad record still comes back to be named by `build`.
pub const ENTITY_CLASSES: [(&str, &str); 4] = [
    ("state", "Country"),
    ("person", "Person"),
    ("organization", "GovernmentOrganization"),
    ("treaty", "Legislation"),
];
pub const OTHER_ENTITY_CLASS: &str = "Entity";
pub const EVENT_CLASS: &str = "Event";
pub const SOURCE_CLASS: &str = "NewsArticle";

/// `ng:` classes of the resources that carry a relation or a statement's basis.
pub const RELATION: &str = "Relation";
pub const EVIDENCE: &str = "Evidence";
pub const EDITORIAL: &str = "Editorial";
pub const CLAIM: &str = "Claim";
pub const PARTICIPATION: &str = "Participation";
pub const DATE_RULE: &str = "DateRule";
pub const DATE_INFERENCE: &str = "DateInference";

/// Event participants: the record field, the `ng:` property from the event to the participant,
/// and the path segment of its participation resources.
pub const PARTS: [(Part, &str, &str); 3] = [
    (Part::Actor, "actor", "_actor"),
    (Part::AddressedTo, "addressedTo", "_addressed-to"),
    (Part::Concerns, "concerns", "_concerns"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    Actor,
    AddressedTo,
    Concerns,
}

/// Characters kept as they are in an IRI path segment (RFC 3987 `ipchar` minus `%`, which
/// always starts an escape here so that decoding gives back exactly the id).
fn keeps(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@".contains(c) || is_ucschar(c)
}

/// RFC 3987 `ucschar`: the non-ASCII characters an IRI may hold unescaped.
fn is_ucschar(c: char) -> bool {
    let c = c as u32;
    matches!(c, 0xA0..=0xD7FF | 0xF900..=0xFDCF | 0xFDF0..=0xFFEF)
        || (0x10000..=0xEFFFD).contains(&c) && (c & 0xFFFF) <= 0xFFFD
}

fn encode(raw: &str, keep_slash: bool, out: &mut String) {
    for c in raw.chars() {
        if keeps(c) || (keep_slash && c == '/') {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
}

/// A node's IRI: the base and the id, whose `/` stay path separators (`…/state/estonia`).
pub fn node_iri(base: &str, id: &str) -> NamedNode {
    let mut iri = String::with_capacity(base.len() + id.len());
    iri.push_str(base);
    encode(id, true, &mut iri);
    NamedNode::new_unchecked(iri)
}

/// A relation's IRI. Its id (`from:TYPE:to`, or any text given) is one escaped path segment
/// under `_relation/`: node ids cannot contain `_`, so no node IRI can be the same.
pub fn relation_iri(base: &str, id: &str) -> NamedNode {
    let mut iri = format!("{base}_relation/");
    encode(id, false, &mut iri);
    NamedNode::new_unchecked(iri)
}

/// A resource that belongs to another (its evidence, a claim): `owner/_segment[/n]`, with `_`
/// again keeping it apart from node ids.
pub fn part_iri(owner: &NamedNode, segment: &str, n: Option<usize>) -> NamedNode {
    NamedNode::new_unchecked(match n {
        Some(n) => format!("{}/{segment}/{n}", owner.as_str()),
        None => format!("{}/{segment}", owner.as_str()),
    })
}

/// A relation type as an `ng:` property (`ng:MEMBER_OF`), escaped like an id segment.
pub fn relation_property(rel: &str) -> NamedNode {
    let mut iri = NG.to_string();
    encode(rel, false, &mut iri);
    NamedNode::new_unchecked(iri)
}

/// Undoes the escaping of [`node_iri`] and friends; `None` for a broken escape or bytes that
/// are not UTF-8.
pub fn decode(escaped: &str) -> Option<String> {
    let bytes = escaped.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = escaped.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `xsd` type of a date by its precision: day, month or year. Text that is none of them is
/// written as a plain string, for validation to name.
pub fn date_type(date: &str) -> Option<&'static str> {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = date.split('-').collect();
    match parts.as_slice() {
        [y] if digits(y, 4) => Some("gYear"),
        [y, m] if digits(y, 4) && digits(m, 2) => Some("gYearMonth"),
        [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2) => Some("date"),
        _ => None,
    }
}

/// A base IRI the ids can be appended to.
pub fn check_base(base: &str) -> Result<(), String> {
    if !(base.ends_with('/') || base.ends_with('#')) {
        return Err(format!("the base IRI `{base}` must end in `/` or `#`"));
    }
    NamedNode::new(base)
        .map(|_| ())
        .map_err(|e| format!("the base IRI `{base}` is not an absolute IRI: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_with_odd_characters_make_valid_iris_that_decode_to_the_id() {
        let base = "https://example.org/graph/";
        for id in [
            "state/estonia",
            "state/österreich",
            "org/a b?c#d%e",
            "x/\"<>{}|\\^`",
            "x/tab\there\nnewline",
            "x/\u{FFFE}\u{E000}",
            "😀/ok",
        ] {
            let iri = node_iri(base, id);
            NamedNode::new(iri.as_str()).unwrap_or_else(|e| panic!("{iri}: {e}"));
            let rest = iri
                .as_str()
                .strip_prefix(base)
                .expect("starts with the base");
            assert_eq!(decode(rest).as_deref(), Some(id), "{iri}");
            let rel = relation_iri(base, &format!("{id}:MEMBER_OF:{id}"));
            NamedNode::new(rel.as_str()).unwrap_or_else(|e| panic!("{rel}: {e}"));
            assert!(!rel.as_str()[base.len() + 10..].contains('/'), "{rel}");
        }
        assert_eq!(
            node_iri(base, "state/estonia").as_str(),
            "https://example.org/graph/state/estonia"
        );
    }

    #[test]
    fn broken_escapes_do_not_decode() {
        assert_eq!(decode("a%2"), None);
        assert_eq!(decode("a%zz"), None);
        assert_eq!(decode("a%FF"), None);
        assert_eq!(decode("a%2Fb").as_deref(), Some("a/b"));
    }

    #[test]
    fn dates_are_typed_by_their_precision() {
        assert_eq!(date_type("2025-06-27"), Some("date"));
        assert_eq!(date_type("2025-06"), Some("gYearMonth"));
        assert_eq!(date_type("2025"), Some("gYear"));
        assert_eq!(date_type("27 June 2025"), None);
    }
}
