//! The header of each file: neo4j-admin's `name:type` fields, and what each column holds.
//!
//! | file | column | holds |
//! |---|---|---|
//! | nodes | `id:ID` | the node's id (`state/ee`) |
//! | nodes | `:LABEL` | `Entity;State`, `Entity;Person`, `Entity;Organization`, `Entity;Treaty`, `Event` or `Source` |
//! | nodes | `kind` | the graph's kind (`state`, …, `event`, `source`): the label, as a property |
//! | nodes | `name` | an entity's name, an event's or source's title |
//! | relationships | `:START_ID`, `:END_ID`, `:TYPE` | the ends and the relation type |
//! | relationships | `derived` | empty for a relation; `participant` for an event's actor, addressee or subject, `publisher` for a source's publisher |
//!
//! The other columns are the records' fields under their camelCase names (see [`NODE_COLUMNS`]
//! and [`RELATIONSHIP_COLUMNS`]).

/// Which rows a node column is for.
pub const SOURCE: u8 = 1;
pub const ENTITY: u8 = 2;
pub const EVENT: u8 = 4;
const ALL: u8 = SOURCE | ENTITY | EVENT;

/// A column: its header field and the rows it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    pub rows: u8,
}

impl Column {
    /// The field's name (`date` of `date:date`; empty for `:LABEL`).
    pub fn name(&self) -> &'static str {
        split(self.header).0
    }
}

const fn col(header: &'static str, rows: u8) -> Column {
    Column { header, rows }
}

/// Node columns, in file order. The index of each is its [`NodeCol`] value.
pub const NODE_COLUMNS: [Column; 26] = [
    col("id:ID", ALL),
    col(":LABEL", ALL),
    col("kind", ALL),
    col("name", ALL),
    col("description", ALL),
    col("descriptionEvidence", ALL),
    col("descriptionEditorial", ALL),
    col("labels", ENTITY | EVENT),
    col("aliases", ENTITY | EVENT),
    col("sameAs", ENTITY | EVENT),
    col("claims", ENTITY | EVENT),
    col("noticePeriodMonths:int", ENTITY),
    col("noticePeriodEvidence", ENTITY),
    col("noticePeriodEditorial", ENTITY),
    col("eventKind", EVENT),
    col("date:date", EVENT),
    col("dateRuleAfter", EVENT),
    col("dateRuleNoticePeriodOf", EVENT),
    col("dateInferredReasoning", EVENT),
    col("dateInferredFrom", EVENT),
    col("evidence", EVENT),
    col("published:datetime", SOURCE),
    col("language", SOURCE),
    col("url", SOURCE),
    col("textFile", SOURCE),
    col("text", SOURCE),
];

/// Positions in [`NODE_COLUMNS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeCol {
    Id,
    Label,
    Kind,
    Name,
    Description,
    DescriptionEvidence,
    DescriptionEditorial,
    Labels,
    Aliases,
    SameAs,
    Claims,
    NoticePeriodMonths,
    NoticePeriodEvidence,
    NoticePeriodEditorial,
    EventKind,
    Date,
    DateRuleAfter,
    DateRuleNoticePeriodOf,
    DateInferredReasoning,
    DateInferredFrom,
    Evidence,
    Published,
    Language,
    Url,
    TextFile,
    Text,
}

/// Which relationship rows a column is for.
pub const RELATION: u8 = 1;
pub const PARTICIPANT: u8 = 2;
pub const PUBLISHER: u8 = 4;
const EVERY_EDGE: u8 = RELATION | PARTICIPANT | PUBLISHER;

/// Relationship columns, in file order. The index of each is its [`RelCol`] value.
pub const RELATIONSHIP_COLUMNS: [Column; 14] = [
    col(":START_ID", EVERY_EDGE),
    col(":END_ID", EVERY_EDGE),
    col(":TYPE", EVERY_EDGE),
    col("derived", EVERY_EDGE),
    col("id", RELATION),
    col("role", RELATION),
    col("validFrom:date", RELATION),
    col("validFromEvent", RELATION),
    col("validUntil:date", RELATION),
    col("validUntilEvent", RELATION),
    col("evidence", RELATION),
    // A participant's words, or a source's byline.
    col("quote", PARTICIPANT | PUBLISHER),
    col("source", PARTICIPANT),
    col("start:int", PARTICIPANT),
];

/// Positions in [`RELATIONSHIP_COLUMNS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelCol {
    Start,
    End,
    Type,
    Derived,
    Id,
    Role,
    ValidFrom,
    ValidFromEvent,
    ValidUntil,
    ValidUntilEvent,
    Evidence,
    Quote,
    Source,
    StartOffset,
}

/// The `derived` values.
pub const DERIVED_PARTICIPANT: &str = "participant";
pub const DERIVED_PUBLISHER: &str = "publisher";

/// The node labels of each kind: every entity is also an `Entity`.
pub fn labels_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "state" => "Entity;State",
        "person" => "Entity;Person",
        "organization" => "Entity;Organization",
        "treaty" => "Entity;Treaty",
        "event" => "Event",
        "source" => "Source",
        _ => return None,
    })
}

/// The kind of a `:LABEL` cell, labels in any order; `None` for any other set of labels.
pub fn kind_of_labels(cell: &str) -> Option<&'static str> {
    let mut entity = false;
    let mut kind = None;
    for label in cell.split(';').filter(|l| !l.is_empty()) {
        let k = match label {
            "Entity" if !entity => {
                entity = true;
                continue;
            }
            "State" => "state",
            "Person" => "person",
            "Organization" => "organization",
            "Treaty" => "treaty",
            "Event" => "event",
            "Source" => "source",
            _ => return None,
        };
        if kind.replace(k).is_some() {
            return None;
        }
    }
    match kind {
        Some("event" | "source") if entity => None,
        k => k,
    }
}

/// The field types neo4j-admin's header format allows (each also as an array, `type[]`).
pub const PROPERTY_TYPES: [&str; 17] = [
    "int",
    "long",
    "float",
    "double",
    "boolean",
    "byte",
    "short",
    "char",
    "string",
    "point",
    "date",
    "localtime",
    "time",
    "localdatetime",
    "datetime",
    "duration",
    "vector",
];

/// A header field's name and type (`("date", "date")`, `("", "LABEL")`, `("name", "")`).
pub fn split(field: &str) -> (&str, &str) {
    match field.rfind(':') {
        Some(i) => (&field[..i], &field[i + 1..]),
        None => (field, ""),
    }
}

/// Checks a header field against neo4j-admin's grammar: `name`, `name:type` with a property
/// type (or its array), or one of the special fields `:ID` (with an optional name and id
/// group), `:LABEL`, `:START_ID`, `:END_ID` (with an optional group), `:TYPE`, `:IGNORE`.
pub fn check_header_field(field: &str) -> Result<(), String> {
    let (name, ty) = split(field);
    if field.ends_with(':') {
        return Err(format!("`{field}`: a `:` with no type after it"));
    }
    let group = |t: &str, kw: &str| {
        t == kw
            || t.strip_prefix(kw)
                .and_then(|r| r.strip_prefix('('))
                .is_some_and(|r| r.ends_with(')') && r.len() > 1)
    };
    let named_ok = !name.is_empty() && !name.contains([':', '"']);
    match ty {
        "" if named_ok => Ok(()),
        t if group(t, "ID") => Ok(()),
        "LABEL" | "TYPE" | "IGNORE" if name.is_empty() => Ok(()),
        t if (group(t, "START_ID") || group(t, "END_ID")) && name.is_empty() => Ok(()),
        t if named_ok && PROPERTY_TYPES.contains(&t.strip_suffix("[]").unwrap_or(t)) => Ok(()),
        _ => Err(format!(
            "`{field}` is not a neo4j-admin header field (`name`, `name:type`, `:ID`, \
             `:LABEL`, `:START_ID`, `:END_ID`, `:TYPE`)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_header_field_follows_neo4j_admins_grammar() {
        for c in NODE_COLUMNS.iter().chain(&RELATIONSHIP_COLUMNS) {
            check_header_field(c.header).unwrap_or_else(|e| panic!("{e}"));
        }
        let nodes: Vec<&str> = NODE_COLUMNS.iter().map(|c| c.header).collect();
        let rels: Vec<&str> = RELATIONSHIP_COLUMNS.iter().map(|c| c.header).collect();
        assert_eq!(nodes.iter().filter(|h| split(h).1 == "ID").count(), 1);
        assert!(nodes.contains(&":LABEL"));
        for special in [":START_ID", ":END_ID", ":TYPE"] {
            assert!(rels.contains(&special), "{special}");
        }
        // Names are unique within a file (neo4j-admin would take a repeat for another field).
        for list in [&nodes, &rels] {
            let mut names: Vec<&str> = list.iter().map(|h| split(h).0).collect();
            names.retain(|n| !n.is_empty());
            let n = names.len();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), n, "{list:?}");
        }
    }

    #[test]
    fn the_grammar_refuses_what_neo4j_admin_refuses() {
        for ok in [
            "name",
            "n:int",
            "tags:string[]",
            ":ID(Group)",
            "id:ID",
            ":START_ID(G)",
        ] {
            assert!(check_header_field(ok).is_ok(), "{ok}");
        }
        for bad in ["n:integer", ":LABELS", "n:", ":", "a:ID(", "n:date[][]"] {
            assert!(check_header_field(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn labels_name_a_kind_in_any_order() {
        assert_eq!(kind_of_labels("Entity;State"), Some("state"));
        assert_eq!(kind_of_labels("Treaty;Entity"), Some("treaty"));
        assert_eq!(kind_of_labels("Event"), Some("event"));
        assert_eq!(kind_of_labels("Entity;Event"), None);
        assert_eq!(kind_of_labels("State;Person"), None);
        assert_eq!(kind_of_labels("Country"), None);
        assert_eq!(kind_of_labels(""), None);
        for kind in [
            "state",
            "person",
            "organization",
            "treaty",
            "event",
            "source",
        ] {
            assert_eq!(kind_of_labels(labels_of(kind).unwrap()), Some(kind));
        }
    }
}
