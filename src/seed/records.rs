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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_period_months: Option<u32>,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; exactly one of `date` and `date_rule`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_rule: Option<DateRuleRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actors: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addressed_to: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub concerns: Vec<String>,
    #[serde(default)]
    pub evidence: Vec<EvidenceRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
