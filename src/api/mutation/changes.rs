//! Inputs → seed records → store [`Change`]s. Updates become patches, resolved against the
//! current record inside the store under its write lock, so two editors changing different
//! fields of one record both land. What the input itself gets wrong (a `null` for a field
//! that cannot be empty, a `clientMutationId` inside a batch) is a [`UserError`] here;
//! everything else is checked by the store with the seed's rules.

use std::collections::BTreeMap;

use async_graphql::{ID, MaybeUndefined};

use super::inputs::*;
use super::user_errors::{UserError, UserErrorCode};
use crate::graph::{self, Kind};
use crate::seed::{
    DateRuleRecord, EntityRecord, EventRecord, EvidenceRecord, RelationRecord, SourceRecord,
};
use crate::store::{
    Change, EntityPatch as StoreEntityPatch, EventPatch as StoreEventPatch,
    RelationPatch as StoreRelationPatch, SourcePatch as StoreSourcePatch,
};

fn labels(v: Option<Vec<LabelInput>>) -> BTreeMap<String, String> {
    v.unwrap_or_default()
        .into_iter()
        .map(|l| (l.lang, l.value))
        .collect()
}

fn ids(v: Option<Vec<ID>>) -> Vec<String> {
    v.unwrap_or_default().into_iter().map(|i| i.0).collect()
}

fn evidence(v: Vec<EvidenceInput>) -> Vec<EvidenceRecord> {
    v.into_iter()
        .map(|e| EvidenceRecord {
            source: e.source.0,
            quote: e.quote,
            start: None,
        })
        .collect()
}

fn date_rule(d: DateRuleInput) -> DateRuleRecord {
    DateRuleRecord {
        after: d.after.0,
        notice_period_of: d.notice_period_of.0,
    }
}

/// An update's field that cannot be empty: absent keeps, a value replaces, `null` is refused.
fn required<T>(v: MaybeUndefined<T>, field: &str) -> Result<Option<T>, UserError> {
    match v {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Value(v) => Ok(Some(v)),
        MaybeUndefined::Null => Err(UserError::new(
            &[field],
            UserErrorCode::Invalid,
            format!("`{field}` cannot be cleared; leave it out to keep it"),
        )),
    }
}

/// An optional text: `null` clears it, which the store's patches write as the empty string.
fn text(v: MaybeUndefined<String>) -> Option<String> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(String::new()),
        MaybeUndefined::Value(s) => Some(s),
    }
}

/// An optional list: `null` empties it.
fn list<T>(v: MaybeUndefined<Vec<T>>) -> Option<Vec<T>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(Vec::new()),
        MaybeUndefined::Value(l) => Some(l),
    }
}

fn source_record(s: CreateSourceInput) -> SourceRecord {
    SourceRecord {
        id: s.id.0,
        title: s.title,
        description: s.description.unwrap_or_default(),
        publisher: s.publisher.map(|p| p.0),
        byline: s.byline,
        url: s.url,
        published: s.published_at.0.to_rfc3339(),
        language: s.language,
        text_file: None,
        text: Some(s.text),
    }
}

fn event_record(e: CreateEventInput) -> EventRecord {
    EventRecord {
        id: e.id.0,
        kind: graph::EventKind::from(e.event_kind).as_str().to_string(),
        title: e.title,
        labels: labels(e.labels),
        aliases: e.aliases.unwrap_or_default(),
        description: e.description.unwrap_or_default(),
        date: e.date.map(|d| d.0.to_string()),
        date_rule: e.date_rule.map(date_rule),
        actors: ids(e.actors),
        addressed_to: ids(e.addressed_to),
        concerns: ids(e.concerns),
        evidence: evidence(e.evidence),
    }
}

/// The record a `createRelation` input adds (its id is `from:TYPE:to` unless given).
fn relation_record(r: CreateRelationInput) -> RelationRecord {
    RelationRecord {
        id: r.id.map(|i| i.0),
        rel: graph::RelationType::from(r.rel_type).as_str().to_string(),
        from: r.from.0,
        to: r.to.0,
        role: r.role.filter(|s| !s.is_empty()),
        valid_from: r.valid_from.map(|d| d.0.to_string()),
        valid_from_event: r.valid_from_event.map(|i| i.0),
        valid_until: r.valid_until.map(|d| d.0.to_string()),
        valid_until_event: r.valid_until_event.map(|i| i.0),
        evidence: evidence(r.evidence),
    }
}

/// The `clientMutationId` an input carries.
pub(super) fn client_mutation_id(input: &ChangeInput) -> Option<&String> {
    match input {
        ChangeInput::CreateSource(i) => i.client_mutation_id.as_ref(),
        ChangeInput::UpdateSource(i) => i.client_mutation_id.as_ref(),
        ChangeInput::DeleteSource(i) => i.client_mutation_id.as_ref(),
        ChangeInput::CreateEntity(i) => i.client_mutation_id.as_ref(),
        ChangeInput::UpdateEntity(i) => i.client_mutation_id.as_ref(),
        ChangeInput::DeleteEntity(i) => i.client_mutation_id.as_ref(),
        ChangeInput::CreateEvent(i) => i.client_mutation_id.as_ref(),
        ChangeInput::UpdateEvent(i) => i.client_mutation_id.as_ref(),
        ChangeInput::DeleteEvent(i) => i.client_mutation_id.as_ref(),
        ChangeInput::CreateRelation(i) => i.client_mutation_id.as_ref(),
        ChangeInput::UpdateRelation(i) => i.client_mutation_id.as_ref(),
        ChangeInput::DeleteRelation(i) => i.client_mutation_id.as_ref(),
        ChangeInput::MergeEntities(i) => i.client_mutation_id.as_ref(),
    }
}

/// Turns one input into a change.
pub(super) fn to_change(input: ChangeInput) -> Result<Change, UserError> {
    Ok(match input {
        ChangeInput::CreateSource(s) => Change::AddSource {
            source: source_record(s),
        },
        ChangeInput::UpdateSource(p) => Change::PatchSource {
            id: p.id.0,
            patch: StoreSourcePatch {
                title: required(p.title, "title")?,
                text: required(p.text, "text")?,
                published: required(p.published_at, "publishedAt")?.map(|d| d.0.to_rfc3339()),
                language: required(p.language, "language")?,
                url: text(p.url),
                description: text(p.description),
                publisher: text(p.publisher.map_value(|v| v.0)),
                byline: text(p.byline),
            },
        },
        ChangeInput::DeleteSource(d) => Change::RemoveSource { id: d.id.0 },
        ChangeInput::CreateEntity(e) => Change::AddEntity {
            entity: EntityRecord {
                id: e.id.0,
                kind: Kind::from(e.kind).as_str().to_string(),
                name: e.name,
                labels: labels(e.labels),
                aliases: e.aliases.unwrap_or_default(),
                description: e.description.unwrap_or_default(),
                notice_period_months: e.notice_period_months,
            },
        },
        ChangeInput::UpdateEntity(p) => Change::PatchEntity {
            id: p.id.0,
            patch: StoreEntityPatch {
                name: required(p.name, "name")?,
                labels: list(p.labels).map(|l| labels(Some(l))),
                aliases: list(p.aliases),
                description: text(p.description),
                clear_notice_period: p.notice_period_months.is_null(),
                notice_period_months: p.notice_period_months.take(),
            },
        },
        ChangeInput::DeleteEntity(d) => Change::RemoveEntity {
            id: d.id.0,
            cascade: d.cascade,
        },
        ChangeInput::CreateEvent(e) => Change::AddEvent {
            event: event_record(e),
        },
        ChangeInput::UpdateEvent(p) => {
            // An event is dated by one of `date` and `dateRule`: clearing one needs the other.
            let (date, rule) = (p.date, p.date_rule);
            if (date.is_null() && !rule.is_value()) || (rule.is_null() && !date.is_value()) {
                let field = if date.is_null() { "date" } else { "dateRule" };
                return Err(UserError::new(
                    &[field],
                    UserErrorCode::Invalid,
                    "an event needs a `date` or a `dateRule`: give the other to clear this one",
                ));
            }
            Change::PatchEvent {
                id: p.id.0,
                patch: StoreEventPatch {
                    kind: required(p.event_kind, "eventKind")?
                        .map(|k| graph::EventKind::from(k).as_str().to_string()),
                    title: required(p.title, "title")?,
                    date: date.take().map(|d| d.0.to_string()),
                    date_rule: rule.take().map(date_rule),
                    actors: list(p.actors).map(|v| ids(Some(v))),
                    addressed_to: list(p.addressed_to).map(|v| ids(Some(v))),
                    concerns: list(p.concerns).map(|v| ids(Some(v))),
                    evidence: required(p.evidence, "evidence")?.map(evidence),
                    labels: list(p.labels).map(|l| labels(Some(l))),
                    aliases: list(p.aliases),
                    description: text(p.description),
                },
            }
        }
        ChangeInput::DeleteEvent(d) => Change::RemoveEvent { id: d.id.0 },
        ChangeInput::CreateRelation(r) => Change::AddRelation {
            relation: relation_record(r),
        },
        ChangeInput::UpdateRelation(p) => Change::PatchRelation {
            id: p.id.0,
            patch: StoreRelationPatch {
                rel: required(p.rel_type, "type")?
                    .map(|t| graph::RelationType::from(t).as_str().to_string()),
                from: required(p.from, "from")?.map(|v| v.0),
                to: required(p.to, "to")?.map(|v| v.0),
                role: text(p.role),
                clear_valid_from: p.valid_from.is_null(),
                valid_from: p.valid_from.take().map(|d| d.0.to_string()),
                valid_from_event: text(p.valid_from_event.map_value(|v| v.0)),
                clear_valid_until: p.valid_until.is_null(),
                valid_until: p.valid_until.take().map(|d| d.0.to_string()),
                valid_until_event: text(p.valid_until_event.map_value(|v| v.0)),
                evidence: required(p.evidence, "evidence")?.map(evidence),
            },
        },
        ChangeInput::DeleteRelation(d) => Change::RemoveRelation { id: d.id.0 },
        ChangeInput::MergeEntities(m) => Change::MergeEntities {
            survivor: m.survivor.0,
            merged: m.merged.0,
        },
    })
}
