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
    ClaimRecord, DateRuleRecord, EditorialRecord, EntityRecord, EventRecord, EvidenceRecord,
    InferredRecord, ParticipantRecord, QuotedParticipant, RelationRecord, SourceRecord,
};
use crate::store::{
    Change, EntityPatch as StoreEntityPatch, EventPatch as StoreEventPatch,
    RelationPatch as StoreRelationPatch, SourcePatch as StoreSourcePatch,
};

/// Who writes, and when: what an editorial statement made through the API is marked with (a
/// statement given without quotes is the writer's own background).
#[derive(Debug, Clone)]
pub(super) struct Author {
    pub name: String,
    pub today: chrono::NaiveDate,
}

impl Author {
    fn editorial(&self, note: Option<String>) -> EditorialRecord {
        EditorialRecord {
            by: self.name.clone(),
            at: self.today.format("%Y-%m-%d").to_string(),
            note,
        }
    }

    /// The basis of a new value of a field: its quotes, or the writer's word.
    fn basis(
        &self,
        evidence: Option<Vec<EvidenceInput>>,
    ) -> (Vec<EvidenceRecord>, Option<EditorialRecord>) {
        match evidence {
            Some(ev) if !ev.is_empty() => (self::evidence(ev), None),
            _ => (vec![], Some(self.editorial(None))),
        }
    }

    /// The basis of a field that may be absent (then none).
    fn basis_of(
        &self,
        present: bool,
        evidence: Option<Vec<EvidenceInput>>,
    ) -> (Vec<EvidenceRecord>, Option<EditorialRecord>) {
        if present {
            self.basis(evidence)
        } else {
            (evidence.map(self::evidence).unwrap_or_default(), None)
        }
    }

    /// An update's new basis: given quotes, or (`null`, or the field itself changed without
    /// quotes) the writer's word; `None` keeps the old one.
    fn patch_basis(
        &self,
        field_changed: bool,
        evidence: MaybeUndefined<Vec<EvidenceInput>>,
    ) -> Option<(Vec<EvidenceRecord>, Option<EditorialRecord>)> {
        match evidence {
            MaybeUndefined::Value(ev) => Some(self.basis(Some(ev))),
            MaybeUndefined::Null => Some(self.basis(None)),
            MaybeUndefined::Undefined if field_changed => Some(self.basis(None)),
            MaybeUndefined::Undefined => None,
        }
    }

    fn claims(&self, v: Vec<ClaimInput>) -> Vec<ClaimRecord> {
        v.into_iter()
            .map(|c| {
                let (evidence, editorial) = match c.evidence {
                    Some(ev) if !ev.is_empty() => (self::evidence(ev), None),
                    _ => (vec![], Some(self.editorial(c.note))),
                };
                ClaimRecord {
                    property: c.property,
                    value: c.value,
                    evidence,
                    editorial,
                }
            })
            .collect()
    }
}

/// The participants of an event, each with its quote if `quotes` names it.
fn participant_list(v: Option<Vec<ID>>, quotes: &[QuotedParticipant]) -> Vec<ParticipantRecord> {
    v.unwrap_or_default()
        .into_iter()
        .map(|i| match quotes.iter().find(|q| q.id == i.0) {
            Some(q) => ParticipantRecord::Quoted(q.clone()),
            None => ParticipantRecord::Id(i.0),
        })
        .collect()
}

fn quotes(v: Vec<ParticipantQuoteInput>) -> Vec<QuotedParticipant> {
    v.into_iter()
        .map(|q| QuotedParticipant {
            id: q.entity.0,
            quote: q.quote,
            source: q.source.map(|s| s.0),
            start: None,
        })
        .collect()
}

fn inferred(d: DateInferenceInput) -> InferredRecord {
    InferredRecord {
        reasoning: d.reasoning,
        from: d.from.map(|f| f.0),
    }
}

fn labels(v: Option<Vec<LabelInput>>) -> BTreeMap<String, String> {
    v.unwrap_or_default()
        .into_iter()
        .map(|l| (l.lang, l.value))
        .collect()
}

/// A patch's basis fields: absent (keep), or the new quotes or editorial mark.
fn split(
    b: Option<(Vec<EvidenceRecord>, Option<EditorialRecord>)>,
) -> (Option<Vec<EvidenceRecord>>, Option<EditorialRecord>) {
    match b {
        None => (None, None),
        Some((ev, ed)) => ((!ev.is_empty()).then_some(ev), ed),
    }
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

fn source_record(s: CreateSourceInput, a: &Author) -> SourceRecord {
    let has_description = s.description.as_ref().is_some_and(|d| !d.is_empty());
    let (description_evidence, description_editorial) =
        a.basis_of(has_description, s.description_evidence);
    SourceRecord {
        description_evidence,
        description_editorial,
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

fn event_record(e: CreateEventInput, a: &Author) -> Result<EventRecord, UserError> {
    let has_description = e.description.as_ref().is_some_and(|d| !d.is_empty());
    let (description_evidence, description_editorial) =
        a.basis_of(has_description, e.description_evidence);
    let q = quotes(e.participant_quotes.unwrap_or_default());
    let named = |id: &str| {
        [&e.actors, &e.addressed_to, &e.concerns]
            .iter()
            .any(|l| l.iter().flatten().any(|i| i.0 == id))
    };
    if let Some(i) = q.iter().position(|x| !named(&x.id)) {
        return Err(UserError::new(
            &["participantQuotes", &i.to_string(), "entity"],
            UserErrorCode::NotFound,
            format!(
                "`{}` is not an actor, addressee or subject of the event",
                q[i].id
            ),
        ));
    }
    Ok(EventRecord {
        description_evidence,
        description_editorial,
        date_inferred: e.date_inferred.map(inferred),
        claims: a.claims(e.claims.unwrap_or_default()),
        id: e.id.0,
        kind: graph::EventKind::from(e.event_kind).as_str().to_string(),
        title: e.title,
        labels: labels(e.labels),
        aliases: e.aliases.unwrap_or_default(),
        same_as: e.same_as.unwrap_or_default(),
        description: e.description.unwrap_or_default(),
        date: e.date.map(|d| d.0.to_string()),
        date_rule: e.date_rule.map(date_rule),
        actors: participant_list(e.actors, &q),
        addressed_to: participant_list(e.addressed_to, &q),
        concerns: participant_list(e.concerns, &q),
        evidence: evidence(e.evidence),
    })
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

/// Turns one input into a change, by `author`.
pub(super) fn to_change(input: ChangeInput, author: &Author) -> Result<Change, UserError> {
    Ok(match input {
        ChangeInput::CreateSource(s) => Change::AddSource {
            source: source_record(s, author),
        },
        ChangeInput::UpdateSource(p) => {
            let changed = matches!(&p.description, MaybeUndefined::Value(d) if !d.is_empty());
            let basis = author.patch_basis(changed, p.description_evidence);
            let (description_evidence, description_editorial) = split(basis);
            Change::PatchSource {
                id: p.id.0,
                patch: StoreSourcePatch {
                    description_evidence,
                    description_editorial,
                    title: required(p.title, "title")?,
                    text: required(p.text, "text")?,
                    published: required(p.published_at, "publishedAt")?.map(|d| d.0.to_rfc3339()),
                    language: required(p.language, "language")?,
                    url: text(p.url),
                    description: text(p.description),
                    publisher: text(p.publisher.map_value(|v| v.0)),
                    byline: text(p.byline),
                },
            }
        }
        ChangeInput::DeleteSource(d) => Change::RemoveSource { id: d.id.0 },
        ChangeInput::CreateEntity(e) => {
            let has_description = e.description.as_ref().is_some_and(|d| !d.is_empty());
            let (description_evidence, description_editorial) =
                author.basis_of(has_description, e.description_evidence);
            let (notice_period_evidence, notice_period_editorial) =
                author.basis_of(e.notice_period_months.is_some(), e.notice_period_evidence);
            Change::AddEntity {
                entity: EntityRecord {
                    id: e.id.0,
                    kind: Kind::from(e.kind).as_str().to_string(),
                    name: e.name,
                    labels: labels(e.labels),
                    aliases: e.aliases.unwrap_or_default(),
                    same_as: e.same_as.unwrap_or_default(),
                    description: e.description.unwrap_or_default(),
                    notice_period_months: e.notice_period_months,
                    description_evidence,
                    description_editorial,
                    notice_period_evidence,
                    notice_period_editorial,
                    claims: author.claims(e.claims.unwrap_or_default()),
                },
            }
        }
        ChangeInput::UpdateEntity(p) => {
            let changed = matches!(&p.description, MaybeUndefined::Value(d) if !d.is_empty());
            let (description_evidence, description_editorial) =
                split(author.patch_basis(changed, p.description_evidence));
            let period_set = p.notice_period_months.is_value();
            let (notice_period_evidence, notice_period_editorial) =
                split(author.patch_basis(period_set, p.notice_period_evidence));
            Change::PatchEntity {
                id: p.id.0,
                patch: StoreEntityPatch {
                    name: required(p.name, "name")?,
                    labels: list(p.labels).map(|l| labels(Some(l))),
                    aliases: list(p.aliases),
                    same_as: list(p.same_as),
                    description: text(p.description),
                    clear_notice_period: p.notice_period_months.is_null(),
                    notice_period_months: p.notice_period_months.take(),
                    description_evidence,
                    description_editorial,
                    notice_period_evidence,
                    notice_period_editorial,
                    claims: list(p.claims).map(|c| author.claims(c)),
                },
            }
        }
        ChangeInput::DeleteEntity(d) => Change::RemoveEntity {
            id: d.id.0,
            cascade: d.cascade,
        },
        ChangeInput::CreateEvent(e) => Change::AddEvent {
            event: event_record(e, author)?,
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
            let changed = matches!(&p.description, MaybeUndefined::Value(d) if !d.is_empty());
            let (description_evidence, description_editorial) =
                split(author.patch_basis(changed, p.description_evidence));
            let clear_date_inferred = p.date_inferred.is_null();
            Change::PatchEvent {
                id: p.id.0,
                patch: StoreEventPatch {
                    date_inferred: p.date_inferred.take().map(inferred),
                    clear_date_inferred,
                    participant_quotes: list(p.participant_quotes).map(quotes),
                    description_evidence,
                    description_editorial,
                    claims: list(p.claims).map(|c| author.claims(c)),
                    kind: required(p.event_kind, "eventKind")?
                        .map(|k| graph::EventKind::from(k).as_str().to_string()),
                    title: required(p.title, "title")?,
                    date: date.take().map(|d| d.0.to_string()),
                    date_rule: rule.take().map(date_rule),
                    actors: list(p.actors).map(|v| participant_list(Some(v), &[])),
                    addressed_to: list(p.addressed_to).map(|v| participant_list(Some(v), &[])),
                    concerns: list(p.concerns).map(|v| participant_list(Some(v), &[])),
                    evidence: required(p.evidence, "evidence")?.map(evidence),
                    labels: list(p.labels).map(|l| labels(Some(l))),
                    aliases: list(p.aliases),
                    same_as: list(p.same_as),
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
