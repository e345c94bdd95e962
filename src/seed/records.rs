//! The seed files' records, exactly as written by hand (serde). They are parsed here and turned
//! into validated graph values by the loader; nothing else sees them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `sources.toml`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesFile {
    #[serde(default)]
    pub source: Vec<SourceRecord>,
}

/// `entities.toml`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitiesFile {
    #[serde(default)]
    pub entity: Vec<EntityRecord>,
}

/// `events.toml`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsFile {
    #[serde(default)]
    pub event: Vec<EventRecord>,
}

/// `relations.toml`
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationsFile {
    #[serde(default)]
    pub relation: Vec<RelationRecord>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Id of the publishing organisation; adds a `PUBLISHED_BY` relation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// The text in the source that names the publisher: the evidence for `PUBLISHED_BY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// RFC 3339, e.g. `2025-06-28T12:08:00+03:00`.
    pub published: String,
    pub language: String,
    /// Path of the text file, relative to the seed directory (in seed files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_file: Option<String>,
    /// The text itself (in mutations and the journal; filled from `text_file` when a seed is read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The quotes that state the description (it may quote the source itself)...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub description_evidence: Vec<EvidenceRecord>,
    /// ...or who wrote it as background, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_editorial: Option<EditorialRecord>,
}

/// Who added a statement no source makes, and when: `{ by = "...", at = "2025-06-30" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditorialRecord {
    pub by: String,
    /// `YYYY-MM-DD`.
    pub at: String,
    /// Why, or where it comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A statement about an entity or event that is not a relation, with its basis: `evidence`
/// (quotes that state it) or `editorial`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimRecord {
    /// A lowercase word: `bans`, `founded`, `headquarters`.
    pub property: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editorial: Option<EditorialRecord>,
}

/// How an event's date was inferred when no sentence of its evidence states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InferredRecord {
    /// Why the date is what it is: "reported 'at the same time' as Estonia's note of 27 June".
    pub reasoning: String,
    /// The event it is inferred from (its date bounds this one's precision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// A participant of an event: an id (`"org/un"`), or an id with the words of the source that
/// name its part (`{ id = "org/nato", quote = "support for NATO" }`; `source` defaults to that
/// of the event's first piece of evidence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ParticipantRecord {
    Id(String),
    Quoted(QuotedParticipant),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotedParticipant {
    pub id: String,
    pub quote: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<u32>,
}

impl ParticipantRecord {
    pub fn id(&self) -> &str {
        match self {
            ParticipantRecord::Id(id) => id,
            ParticipantRecord::Quoted(q) => &q.id,
        }
    }

    pub fn id_mut(&mut self) -> &mut String {
        match self {
            ParticipantRecord::Id(id) => id,
            ParticipantRecord::Quoted(q) => &mut q.id,
        }
    }
}

impl From<&str> for ParticipantRecord {
    fn from(id: &str) -> Self {
        ParticipantRecord::Id(id.to_string())
    }
}

// By hand rather than `untagged`: serde's untagged enums answer any mistake with "did not match
// any variant", where a seed's author needs to hear which field is wrong.
impl<'de> Deserialize<'de> for ParticipantRecord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ParticipantRecord;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an id, or a table { id, quote } with optional source and start")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ParticipantRecord::Id(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                QuotedParticipant::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(ParticipantRecord::Quoted)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityRecord {
    pub id: String,
    pub kind: String,
    pub name: String,
    /// Names in other languages, by language tag: `labels = { de = "Estland" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The same entity elsewhere, as absolute IRIs: `same_as = ["http://www.wikidata.org/entity/Q191"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub same_as: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_period_months: Option<u32>,
    /// The quotes that state the description...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub description_evidence: Vec<EvidenceRecord>,
    /// ...or who wrote it as background, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_editorial: Option<EditorialRecord>,
    /// The quotes that state the notice period...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notice_period_evidence: Vec<EvidenceRecord>,
    /// ...or who added it as background, and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_period_editorial: Option<EditorialRecord>,
    /// Other statements about the entity (`[[entity.claims]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRecord {
    pub source: String,
    pub quote: String,
    /// Where the quote starts in the source's text, in bytes: which occurrence is meant when
    /// the words occur more than once, and a check that costs the quote's length instead of a
    /// search of the text. A hint: where the quote is not at `start`, it is searched for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateRuleRecord {
    /// The notification event the period runs from.
    pub after: String,
    /// The treaty whose `notice_period_months` applies.
    pub notice_period_of: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    pub id: String,
    pub kind: String,
    pub title: String,
    /// Titles in other languages, by language tag.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The same event elsewhere, as absolute IRIs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub same_as: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; exactly one of `date` and `date_rule`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_rule: Option<DateRuleRecord>,
    /// How `date` was inferred, when no sentence of the evidence states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_inferred: Option<InferredRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actors: Vec<ParticipantRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addressed_to: Vec<ParticipantRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub concerns: Vec<ParticipantRecord>,
    #[serde(default)]
    pub evidence: Vec<EvidenceRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub description_evidence: Vec<EvidenceRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_editorial: Option<EditorialRecord>,
    /// Other statements about the event (`[[event.claims]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimRecord>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub rel: String,
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from_event: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until_event: Option<String>,
    #[serde(default)]
    pub evidence: Vec<EvidenceRecord>,
}

/// Every record of a graph: the seed format in memory. Seeds are read into one, mutations
/// change one, exports write one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordSet {
    pub sources: Vec<SourceRecord>,
    pub entities: Vec<EntityRecord>,
    pub events: Vec<EventRecord>,
    pub relations: Vec<RelationRecord>,
}

impl RelationRecord {
    /// The relation's id: the given one, or `from:TYPE:to`.
    pub fn effective_id(&self) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| format!("{}:{}:{}", self.from, self.rel, self.to))
    }
}
