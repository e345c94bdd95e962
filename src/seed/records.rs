//! The seed files' records, exactly as written by hand (serde). They are parsed here and turned
//! into validated graph values by the loader; nothing else sees them.

use std::collections::BTreeMap;

use serde::Deserialize;

/// `sources.toml`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesFile {
    #[serde(default)]
    pub source: Vec<SourceRecord>,
}

/// `entities.toml`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitiesFile {
    #[serde(default)]
    pub entity: Vec<EntityRecord>,
}

/// `events.toml`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsFile {
    #[serde(default)]
    pub event: Vec<EventRecord>,
}

/// `relations.toml`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationsFile {
    #[serde(default)]
    pub relation: Vec<RelationRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Id of the publishing organisation; adds a `PUBLISHED_BY` relation.
    pub publisher: Option<String>,
    /// The text in the source that names the publisher: the evidence for `PUBLISHED_BY`.
    pub byline: Option<String>,
    pub url: Option<String>,
    /// RFC 3339, e.g. `2025-06-28T12:08:00+03:00`.
    pub published: String,
    pub language: String,
    /// Path of the text file, relative to the seed directory.
    pub text_file: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityRecord {
    pub id: String,
    pub kind: String,
    pub name: String,
    /// Names in other languages, by language tag: `labels = { de = "Estland" }`.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub description: String,
    pub notice_period_months: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRecord {
    pub source: String,
    pub quote: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateRuleRecord {
    /// The notification event the period runs from.
    pub after: String,
    /// The treaty whose `notice_period_months` applies.
    pub notice_period_of: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    pub id: String,
    pub kind: String,
    pub title: String,
    /// Titles in other languages, by language tag.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub description: String,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; exactly one of `date` and `date_rule`.
    pub date: Option<String>,
    pub date_rule: Option<DateRuleRecord>,
    #[serde(default)]
    pub actors: Vec<String>,
    #[serde(default)]
    pub addressed_to: Vec<String>,
    #[serde(default)]
    pub concerns: Vec<String>,
    #[serde(default)]
    pub evidence: Vec<EvidenceRecord>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelationRecord {
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub rel: String,
    pub from: String,
    pub to: String,
    pub role: Option<String>,
    pub valid_from: Option<String>,
    pub valid_from_event: Option<String>,
    pub valid_until: Option<String>,
    pub valid_until_event: Option<String>,
    #[serde(default)]
    pub evidence: Vec<EvidenceRecord>,
}
