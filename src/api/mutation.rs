//! The mutation root: validated writes. Inputs become seed records and [`Change`]s; the store
//! applies them all-or-nothing, rebuilding the graph with the seed's validation and journaling
//! them before answering. Writes need the server's write token.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, OneofObject, Result, SimpleObject};

use super::error::ApiError;
use super::scalars::{Date, DateTime};
use super::types::{
    Entity, EntityKind, Event, EventKind, NodeRef, Relation, RelationType, Source, entity,
};
use crate::graph::{self, Graph, Kind};
use crate::seed::{
    DateRuleRecord, EntityRecord, EventRecord, EvidenceRecord, RelationRecord, SourceRecord,
};
use crate::store::{
    Applied, Change, EntityPatch as StoreEntityPatch, EventPatch as StoreEventPatch,
    RelationPatch as StoreRelationPatch, SourcePatch as StorePatchSource, Store, StoreError,
};

/// Whether this request may write; decided by the HTTP layer from the `Authorization` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteAccess {
    /// The server has no write token: it is read-only.
    Disabled,
    /// No token, or the wrong one.
    Denied,
    Granted,
}

fn check_access(ctx: &Context<'_>) -> Result<(), ApiError> {
    let Some(access) = ctx.data_opt::<WriteAccess>().copied() else {
        // Only the HTTP layer decides access; operations over the WebSocket have none.
        return Err(ApiError::Forbidden(
            "send mutations over HTTP POST to /graphql with the write token".into(),
        ));
    };
    match access {
        WriteAccess::Granted => Ok(()),
        WriteAccess::Disabled => Err(ApiError::Forbidden(
            "writes are disabled: start the server with a write token (NEWSGRAPH_WRITE_TOKEN or --write-token-file)".into(),
        )),
        WriteAccess::Denied => Err(ApiError::Unauthenticated(
            "writes need `Authorization: Bearer <token>` with the server's write token".into(),
        )),
    }
}

/// Runs the changes on a blocking thread (the store fsyncs), named by the client's
/// `clientMutationId` when it gave one.
async fn apply(
    ctx: &Context<'_>,
    changes: Vec<Change>,
    client_mutation_id: Option<String>,
) -> Result<Applied, ApiError> {
    check_access(ctx)?;
    let store = ctx
        .data::<Arc<Store>>()
        .map_err(|_| ApiError::Internal("no store in the schema data".into()))?
        .clone();
    let result = tokio::task::spawn_blocking(move || {
        store.apply_named(client_mutation_id.as_deref(), &changes)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("write task failed: {e}")))?;
    result.map_err(|e| match e {
        StoreError::Invalid(msg) => ApiError::BadInput(msg),
        StoreError::NotFound(msg) => ApiError::NotFound(msg),
        other => ApiError::Internal(other.to_string()),
    })
}

fn lookup(g: &Arc<Graph>, id: &str) -> Result<NodeRef, ApiError> {
    g.lookup(id)
        .map(|ix| NodeRef { g: g.clone(), ix })
        .ok_or_else(|| ApiError::Internal(format!("`{id}` missing right after a write")))
}

// ---------------------------------------------------------------------------------------------
// Inputs.

/// A name in another language.
#[derive(InputObject, Clone)]
pub struct LabelInput {
    /// The language tag, e.g. `de`.
    pub lang: String,
    /// The name in that language.
    pub value: String,
}

/// A quote supporting a fact; it must occur verbatim in the source's text.
#[derive(InputObject, Clone)]
pub struct EvidenceInput {
    /// The source's id.
    pub source: ID,
    /// The exact words.
    pub quote: String,
}

/// A new source document.
#[derive(InputObject, Clone)]
pub struct SourceInput {
    /// The id, `source/slug`.
    pub id: ID,
    /// The headline.
    pub title: String,
    /// The full text; quotes are checked against it.
    pub text: String,
    /// When it was published.
    pub published_at: DateTime,
    /// The language of the text, e.g. `en`.
    pub language: String,
    /// Where it was published.
    pub url: Option<String>,
    /// A short description.
    pub description: Option<String>,
    /// The publishing organisation's id (needs `byline`).
    pub publisher: Option<ID>,
    /// The text in the source naming the publisher: the evidence for `PUBLISHED_BY`.
    pub byline: Option<String>,
}

/// Changes to a source; absent fields stay as they are, an empty string clears an optional one.
#[derive(InputObject, Clone, Default)]
pub struct SourcePatch {
    /// The headline.
    pub title: Option<String>,
    /// The full text.
    pub text: Option<String>,
    /// When it was published.
    pub published_at: Option<DateTime>,
    /// The language of the text.
    pub language: Option<String>,
    /// Where it was published.
    pub url: Option<String>,
    /// A short description.
    pub description: Option<String>,
    /// The publishing organisation's id.
    pub publisher: Option<ID>,
    /// The text naming the publisher.
    pub byline: Option<String>,
}

/// A new state, person, organisation or treaty.
#[derive(InputObject, Clone)]
pub struct EntityInput {
    /// The id, `kind/slug` (e.g. `state/latvia`).
    pub id: ID,
    /// STATE, PERSON, ORGANIZATION or TREATY (events and sources have mutations of their own).
    pub kind: EntityKind,
    /// The name in English.
    pub name: String,
    /// Names in other languages.
    pub labels: Option<Vec<LabelInput>>,
    /// Other names and spellings.
    pub aliases: Option<Vec<String>>,
    /// A short description.
    pub description: Option<String>,
    /// Treaties only: months between a notice of withdrawal and its effect.
    pub notice_period_months: Option<u32>,
}

/// Changes to an entity; absent fields stay as they are. Lists replace the old list.
#[derive(InputObject, Clone, Default)]
pub struct EntityPatch {
    /// The name in English.
    pub name: Option<String>,
    /// Names in other languages (replaces all labels).
    pub labels: Option<Vec<LabelInput>>,
    /// Other names (replaces all aliases).
    pub aliases: Option<Vec<String>>,
    /// A short description.
    pub description: Option<String>,
    /// Treaties only: the notice period in months.
    pub notice_period_months: Option<u32>,
}

/// How an event's date is computed instead of given.
#[derive(InputObject, Clone)]
pub struct DateRuleInput {
    /// The notification event the period runs from.
    pub after: ID,
    /// The treaty whose notice period applies.
    pub notice_period_of: ID,
}

/// A new event.
#[derive(InputObject, Clone)]
pub struct EventInput {
    /// The id, `event/slug`.
    pub id: ID,
    /// What kind of event it is.
    pub event_kind: EventKind,
    /// The title (the event's name).
    pub title: String,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (the form sets the precision); or give `dateRule`.
    pub date: Option<String>,
    /// Computes the date from a notification and a treaty's notice period.
    pub date_rule: Option<DateRuleInput>,
    /// Who acts.
    pub actors: Option<Vec<ID>>,
    /// To whom it is addressed.
    pub addressed_to: Option<Vec<ID>>,
    /// What it concerns.
    pub concerns: Option<Vec<ID>>,
    /// The quotes stating it (at least one).
    pub evidence: Vec<EvidenceInput>,
    /// Titles in other languages.
    pub labels: Option<Vec<LabelInput>>,
    /// Other titles.
    pub aliases: Option<Vec<String>>,
    /// A short description.
    pub description: Option<String>,
}

/// Changes to an event; absent fields stay as they are. Lists replace the old list. Giving
/// `date` drops a `dateRule` and the other way round.
#[derive(InputObject, Clone, Default)]
pub struct EventPatch {
    /// What kind of event it is.
    pub event_kind: Option<EventKind>,
    /// The title.
    pub title: Option<String>,
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
    pub date: Option<String>,
    /// Computes the date instead.
    pub date_rule: Option<DateRuleInput>,
    /// Who acts.
    pub actors: Option<Vec<ID>>,
    /// To whom it is addressed.
    pub addressed_to: Option<Vec<ID>>,
    /// What it concerns.
    pub concerns: Option<Vec<ID>>,
    /// The quotes stating it.
    pub evidence: Option<Vec<EvidenceInput>>,
    /// Titles in other languages.
    pub labels: Option<Vec<LabelInput>>,
    /// Other titles.
    pub aliases: Option<Vec<String>>,
    /// A short description.
    pub description: Option<String>,
}

/// A new relation.
#[derive(InputObject, Clone)]
pub struct RelationInput {
    /// The id; `from:TYPE:to` if not given.
    pub id: Option<ID>,
    /// The relation type.
    #[graphql(name = "type")]
    pub rel_type: RelationType,
    /// The entity it starts at.
    pub from: ID,
    /// The entity it points to.
    pub to: ID,
    /// The role or office.
    pub role: Option<String>,
    /// The first day it holds.
    pub valid_from: Option<Date>,
    /// Or: it holds from this event's date.
    pub valid_from_event: Option<ID>,
    /// The first day it no longer holds.
    pub valid_until: Option<Date>,
    /// Or: it ends on this event's date (computed dates included).
    pub valid_until_event: Option<ID>,
    /// The quotes stating it (at least one).
    pub evidence: Vec<EvidenceInput>,
}

/// Changes to a relation; absent fields stay as they are, an empty string clears `role` and
/// the `*Event` bounds; `clearValidFrom`/`clearValidUntil` open a bound.
#[derive(InputObject, Clone, Default)]
pub struct RelationPatch {
    /// The relation type.
    #[graphql(name = "type")]
    pub rel_type: Option<RelationType>,
    /// The entity it starts at.
    pub from: Option<ID>,
    /// The entity it points to.
    pub to: Option<ID>,
    /// The role or office.
    pub role: Option<String>,
    /// The first day it holds.
    pub valid_from: Option<Date>,
    /// Or: it holds from this event's date.
    pub valid_from_event: Option<ID>,
    /// The first day it no longer holds.
    pub valid_until: Option<Date>,
    /// Or: it ends on this event's date.
    pub valid_until_event: Option<ID>,
    /// Makes the relation hold from the beginning of time.
    pub clear_valid_from: Option<bool>,
    /// Makes the relation hold with no end.
    pub clear_valid_until: Option<bool>,
    /// The quotes stating it (replaces the old ones).
    pub evidence: Option<Vec<EvidenceInput>>,
}

/// One change of a batch: exactly one field is given.
#[derive(OneofObject, Clone)]
pub enum ChangeInput {
    /// Adds a source.
    AddSource(SourceInput),
    /// Changes a source.
    UpdateSource(UpdateSourceInput),
    /// Removes a source no evidence cites.
    RemoveSource(ID),
    /// Adds an entity.
    AddEntity(EntityInput),
    /// Changes an entity.
    UpdateEntity(UpdateEntityInput),
    /// Removes an entity.
    RemoveEntity(RemoveEntityInput),
    /// Adds an event.
    AddEvent(EventInput),
    /// Changes an event.
    UpdateEvent(UpdateEventInput),
    /// Removes an event nothing refers to.
    RemoveEvent(ID),
    /// Adds a relation.
    AddRelation(RelationInput),
    /// Changes a relation.
    UpdateRelation(UpdateRelationInput),
    /// Removes a relation.
    RemoveRelation(ID),
    /// Merges one entity into another.
    MergeEntities(MergeInput),
}

/// A source id and its changes.
#[derive(InputObject, Clone)]
pub struct UpdateSourceInput {
    /// The source's id.
    pub id: ID,
    /// The changes.
    pub patch: SourcePatch,
}

/// An entity id and its changes.
#[derive(InputObject, Clone)]
pub struct UpdateEntityInput {
    /// The entity's id.
    pub id: ID,
    /// The changes.
    pub patch: EntityPatch,
}

/// An event id and its changes.
#[derive(InputObject, Clone)]
pub struct UpdateEventInput {
    /// The event's id.
    pub id: ID,
    /// The changes.
    pub patch: EventPatch,
}

/// A relation id and its changes.
#[derive(InputObject, Clone)]
pub struct UpdateRelationInput {
    /// The relation's id.
    pub id: ID,
    /// The changes.
    pub patch: RelationPatch,
}

/// An entity to remove.
#[derive(InputObject, Clone)]
pub struct RemoveEntityInput {
    /// The entity's id.
    pub id: ID,
    /// Also remove its relations and participations (otherwise they block the removal).
    #[graphql(default)]
    pub cascade: bool,
}

/// Two entities to merge.
#[derive(InputObject, Clone)]
pub struct MergeInput {
    /// The entity that stays.
    pub survivor: ID,
    /// The entity that disappears into it.
    pub merged: ID,
}

// ---------------------------------------------------------------------------------------------
// Inputs → records → changes.

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

/// An empty string clears an optional text.
fn opt(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn date_rule(d: DateRuleInput) -> DateRuleRecord {
    DateRuleRecord {
        after: d.after.0,
        notice_period_of: d.notice_period_of.0,
    }
}

fn kind_str(k: EntityKind) -> Result<String, ApiError> {
    match Kind::from(k) {
        Kind::Event | Kind::Source => Err(ApiError::bad_input(
            "use addEvent or addSource for events and sources; `kind` is STATE, PERSON, ORGANIZATION or TREATY",
        )),
        k => Ok(k.as_str().to_string()),
    }
}

fn source_record(s: SourceInput) -> SourceRecord {
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

fn event_record(e: EventInput) -> EventRecord {
    EventRecord {
        id: e.id.0,
        kind: graph::EventKind::from(e.event_kind).as_str().to_string(),
        title: e.title,
        labels: labels(e.labels),
        aliases: e.aliases.unwrap_or_default(),
        description: e.description.unwrap_or_default(),
        date: e.date,
        date_rule: e.date_rule.map(date_rule),
        actors: ids(e.actors),
        addressed_to: ids(e.addressed_to),
        concerns: ids(e.concerns),
        evidence: evidence(e.evidence),
    }
}

fn relation_record(r: RelationInput) -> RelationRecord {
    RelationRecord {
        id: r.id.map(|i| i.0),
        rel: graph::RelationType::from(r.rel_type).as_str().to_string(),
        from: r.from.0,
        to: r.to.0,
        role: r.role.and_then(opt),
        valid_from: r.valid_from.map(|d| d.0.to_string()),
        valid_from_event: r.valid_from_event.map(|i| i.0),
        valid_until: r.valid_until.map(|d| d.0.to_string()),
        valid_until_event: r.valid_until_event.map(|i| i.0),
        evidence: evidence(r.evidence),
    }
}

fn patch_labels(v: Option<Vec<LabelInput>>) -> Option<BTreeMap<String, String>> {
    v.map(|l| labels(Some(l)))
}

/// Turns one input into a change. Updates become patches, resolved against the current
/// record inside the store, under its write lock: two editors changing different fields of
/// one record both land.
fn to_change(input: ChangeInput) -> Result<Change, ApiError> {
    Ok(match input {
        ChangeInput::AddSource(s) => Change::AddSource {
            source: source_record(s),
        },
        ChangeInput::UpdateSource(UpdateSourceInput { id, patch: p }) => Change::PatchSource {
            id: id.0,
            patch: StorePatchSource {
                title: p.title,
                text: p.text,
                published: p.published_at.map(|d| d.0.to_rfc3339()),
                language: p.language,
                url: p.url,
                description: p.description,
                publisher: p.publisher.map(|v| v.0),
                byline: p.byline,
            },
        },
        ChangeInput::RemoveSource(id) => Change::RemoveSource { id: id.0 },
        ChangeInput::AddEntity(e) => Change::AddEntity {
            entity: EntityRecord {
                id: e.id.0,
                kind: kind_str(e.kind)?,
                name: e.name,
                labels: labels(e.labels),
                aliases: e.aliases.unwrap_or_default(),
                description: e.description.unwrap_or_default(),
                notice_period_months: e.notice_period_months,
            },
        },
        ChangeInput::UpdateEntity(UpdateEntityInput { id, patch: p }) => Change::PatchEntity {
            id: id.0,
            patch: StoreEntityPatch {
                name: p.name,
                labels: patch_labels(p.labels),
                aliases: p.aliases,
                description: p.description,
                notice_period_months: p.notice_period_months,
            },
        },
        ChangeInput::RemoveEntity(r) => Change::RemoveEntity {
            id: r.id.0,
            cascade: r.cascade,
        },
        ChangeInput::AddEvent(e) => Change::AddEvent {
            event: event_record(e),
        },
        ChangeInput::UpdateEvent(UpdateEventInput { id, patch: p }) => Change::PatchEvent {
            id: id.0,
            patch: StoreEventPatch {
                kind: p
                    .event_kind
                    .map(|k| graph::EventKind::from(k).as_str().to_string()),
                title: p.title,
                date: p.date,
                date_rule: p.date_rule.map(date_rule),
                actors: p.actors.map(|v| ids(Some(v))),
                addressed_to: p.addressed_to.map(|v| ids(Some(v))),
                concerns: p.concerns.map(|v| ids(Some(v))),
                evidence: p.evidence.map(evidence),
                labels: patch_labels(p.labels),
                aliases: p.aliases,
                description: p.description,
            },
        },
        ChangeInput::RemoveEvent(id) => Change::RemoveEvent { id: id.0 },
        ChangeInput::AddRelation(r) => Change::AddRelation {
            relation: relation_record(r),
        },
        ChangeInput::UpdateRelation(UpdateRelationInput { id, patch: p }) => {
            Change::PatchRelation {
                id: id.0,
                patch: StoreRelationPatch {
                    rel: p
                        .rel_type
                        .map(|t| graph::RelationType::from(t).as_str().to_string()),
                    from: p.from.map(|v| v.0),
                    to: p.to.map(|v| v.0),
                    role: p.role,
                    valid_from: p.valid_from.map(|d| d.0.to_string()),
                    valid_from_event: p.valid_from_event.map(|v| v.0),
                    valid_until: p.valid_until.map(|d| d.0.to_string()),
                    valid_until_event: p.valid_until_event.map(|v| v.0),
                    clear_valid_from: p.clear_valid_from == Some(true),
                    clear_valid_until: p.clear_valid_until == Some(true),
                    evidence: p.evidence.map(evidence),
                },
            }
        }
        ChangeInput::RemoveRelation(id) => Change::RemoveRelation { id: id.0 },
        ChangeInput::MergeEntities(m) => Change::MergeEntities {
            survivor: m.survivor.0,
            merged: m.merged.0,
        },
    })
}

/// Converts and applies one change.
async fn one(
    ctx: &Context<'_>,
    client_mutation_id: Option<String>,
    input: ChangeInput,
) -> Result<Applied, ApiError> {
    check_access(ctx)?;
    let change = to_change(input)?;
    apply(ctx, vec![change], client_mutation_id).await
}

/// What a removal did.
#[derive(SimpleObject, Clone)]
pub struct RemovePayload {
    /// The id removed.
    pub removed_id: ID,
    /// The graph version the write produced.
    pub version: u64,
    /// Ids of the entities and relations the write touched (with a cascade, all it removed).
    pub touched_ids: Vec<ID>,
}

/// What a batch did.
#[derive(SimpleObject, Clone)]
pub struct BatchPayload {
    /// The graph version the batch produced.
    pub version: u64,
    /// How many changes were applied (all of them).
    pub applied: usize,
    /// Ids of the entities and relations touched.
    pub touched_ids: Vec<ID>,
}

fn touched_ids(a: &Applied) -> Vec<ID> {
    a.event
        .touched
        .nodes
        .iter()
        .chain(&a.event.touched.relations)
        .map(|s| ID(s.clone()))
        .collect()
}

fn removed(a: Applied, id: ID) -> RemovePayload {
    RemovePayload {
        removed_id: id,
        version: a.event.version,
        touched_ids: touched_ids(&a),
    }
}

/// Writes. Each needs `Authorization: Bearer <write token>`; each is validated like the seed
/// (BAD_USER_INPUT with the reason otherwise, and nothing changes), journaled and fsynced
/// before it is answered, and published to subscriptions. Writes are serialised; readers never
/// wait for them.
#[derive(Default)]
pub struct MutationRoot;

#[Object(name = "Mutation")]
impl MutationRoot {
    /// Adds a source document with its text.
    async fn add_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A name for this write, unique per write (1 to 255 bytes): a retry with the same name and input is not applied twice but answered as the first was."
        )]
        client_mutation_id: Option<String>,
        #[graphql(desc = "The new source.")] input: SourceInput,
    ) -> Result<Source> {
        let id = input.id.0.clone();
        let a = one(ctx, client_mutation_id, ChangeInput::AddSource(input)).await?;
        Ok(Source(lookup(&a.graph, &id)?))
    }

    /// Changes a source; every quote citing it must still occur in its text.
    async fn update_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A name for this write, unique per write (1 to 255 bytes): a retry with the same name and input is not applied twice but answered as the first was."
        )]
        client_mutation_id: Option<String>,
        #[graphql(desc = "The source's id.")] id: ID,
        #[graphql(desc = "The changes.")] patch: SourcePatch,
    ) -> Result<Source> {
        let key = id.0.clone();
        let a = one(
            ctx,
            client_mutation_id,
            ChangeInput::UpdateSource(UpdateSourceInput { id, patch }),
        )
        .await?;
        Ok(Source(lookup(&a.graph, &key)?))
    }

    /// Removes a source that no evidence cites.
    async fn remove_source(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A name for this write, unique per write (1 to 255 bytes): a retry with the same name and input is not applied twice but answered as the first was."
        )]
        client_mutation_id: Option<String>,
        #[graphql(desc = "The source's id.")] id: ID,
    ) -> Result<RemovePayload> {
        let a = one(
            ctx,
            client_mutation_id,
            ChangeInput::RemoveSource(id.clone()),
        )
        .await?;
        Ok(removed(a, id))
    }

    /// Adds a state, person, organisation or treaty.
    async fn add_entity(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A name for this write, unique per write (1 to 255 bytes): a retry with the same name and input is not applied twice but answered as the first was."
        )]
        client_mutation_id: Option<String>,
        #[graphql(desc = "The new entity.")] input: EntityInput,
    ) -> Result<Entity> {
        let id = input.id.0.clone();
        let a = one(ctx, client_mutation_id, ChangeInput::AddEntity(input)).await?;
        Ok(entity(&a.graph, lookup(&a.graph, &id)?.ix))
    }

    /// Changes an entity's names, labels, description or notice period.
    async fn update_entity(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A name for this write, unique per write (1 to 255 bytes): a retry with the same name and input is not applied twice but answered as the first was."
        )]
        client_mutation_id: Option<String>,
        #[graphql(desc = "The entity's id.")] id: ID,
        #[graphql(desc = "The changes.")] patch: EntityPatch,
    ) -> Result<Entity> {
        let key = id.0.clone();
        let a = one(
            ctx,
            client_mutation_id,
            ChangeInput::UpdateEntity(UpdateEntityInput { id, patch }),
        )
        .await?;
        Ok(entity(&a.graph, lookup(&a.graph, &key)?.ix))
    }

    /// Removes an entity; with `cascade`, also its relations and participations.
    async fn remove_entity(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A name for this write, unique per write (1 to 255 bytes): a retry with the same name and input is not applied twice but answered as the first was."
        )]
        client_mutation_id: Option<String>,
        #[graphql(desc = "The entity's id.")] id: ID,
        #[graphql(desc = "Also remove its relations and participations.", default)] cascade: bool,
    ) -> Result<RemovePayload> {
        let a = one(
            ctx,
            client_mutation_id,
            ChangeInput::RemoveEntity(RemoveEntityInput {
                id: id.clone(),
                cascade,
            }),
        )
        .await?;
        Ok(removed(a, id))
    }

    /// Adds an event with its participants and evidence.
    async fn add_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A name for this write, unique per write (1 to 255 bytes): a retry with the same name and input is not applied twice but answered as the first was."
        )]
        client_mutation_id: Option<String>,
        #[graphql(desc = "The new event.")] input: EventInput,
    ) -> Result<Event> {
        let id = input.id.0.clone();
        let a = one(ctx, client_mutation_id, ChangeInput::AddEvent(input)).await?;
        Ok(Event(lookup(&a.graph, &id)?))
    }

    /// Changes an event; dates computed from it follow.
    async fn update_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A name for this write, unique per write (1 to 255 bytes): a retry with the same name and input is not applied twice but answered as the first was."
        )]
        client_mutation_id: Option<String>,
        #[graphql(desc = "The event's id.")] id: ID,
        #[graphql(desc = "The changes.")] patch: EventPatch,
    ) -> Result<Event> {
        let key = id.0.clone();
        let a = one(
            ctx,
            client_mutation_id,
            ChangeInput::UpdateEvent(UpdateEventInput { id, patch }),
        )
        .await?;
        Ok(Event(lookup(&a.graph, &key)?))
    }

    /// Removes an event nothing refers to.
    async fn remove_event(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A name for this write, unique per write (1 to 255 bytes): a retry with the same name and input is not applied twice but answered as the first was."
        )]
        client_mutation_id: Option<String>,
        #[graphql(desc = "The event's id.")] id: ID,
    ) -> Result<RemovePayload> {
        let a = one(
            ctx,
            client_mutation_id,
            ChangeInput::RemoveEvent(id.clone()),
        )
        .await?;
        Ok(removed(a, id))
    }

    /// Adds a relation with its evidence.
    async fn add_relation(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A name for this write, unique per write (1 to 255 bytes): a retry with the same name and input is not applied twice but answered as the first was."
        )]
        client_mutation_id: Option<String>,
        #[graphql(desc = "The new relation.")] input: RelationInput,
    ) -> Result<Relation> {
        let rec = relation_record(input.clone());
        let id = rec.effective_id();
        let a = one(ctx, client_mutation_id, ChangeInput::AddRelation(input)).await?;
        relation(&a.graph, &id)
    }

    /// Changes a relation; its id stays.
    async fn update_relation(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A name for this write, unique per write (1 to 255 bytes): a retry with the same name and input is not applied twice but answered as the first was."
        )]
        client_mutation_id: Option<String>,
        #[graphql(desc = "The relation's id.")] id: ID,
        #[graphql(desc = "The changes.")] patch: RelationPatch,
    ) -> Result<Relation> {
        let key = id.0.clone();
        let a = one(
            ctx,
            client_mutation_id,
            ChangeInput::UpdateRelation(UpdateRelationInput { id, patch }),
        )
        .await?;
        relation(&a.graph, &key)
    }

    /// Removes a relation.
    async fn remove_relation(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A name for this write, unique per write (1 to 255 bytes): a retry with the same name and input is not applied twice but answered as the first was."
        )]
        client_mutation_id: Option<String>,
        #[graphql(desc = "The relation's id.")] id: ID,
    ) -> Result<RemovePayload> {
        let a = one(
            ctx,
            client_mutation_id,
            ChangeInput::RemoveRelation(id.clone()),
        )
        .await?;
        Ok(removed(a, id))
    }

    /// Merges `merged` into `survivor` (same kind): its relations and participations move over,
    /// its name and aliases become aliases, duplicate relations are folded with their evidence.
    async fn merge_entities(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A name for this write, unique per write (1 to 255 bytes): a retry with the same name and input is not applied twice but answered as the first was."
        )]
        client_mutation_id: Option<String>,
        #[graphql(desc = "The entity that stays.")] survivor: ID,
        #[graphql(desc = "The entity that disappears into it.")] merged: ID,
    ) -> Result<Entity> {
        let key = survivor.0.clone();
        let a = one(
            ctx,
            client_mutation_id,
            ChangeInput::MergeEntities(MergeInput { survivor, merged }),
        )
        .await?;
        Ok(entity(&a.graph, lookup(&a.graph, &key)?.ix))
    }

    /// Applies a list of changes all-or-nothing, in order: if any is invalid, none is applied
    /// and the error names its position. One journal record, one new version.
    async fn apply_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A name for this write, unique per write (1 to 255 bytes): a retry with the same name and input is not applied twice but answered as the first was."
        )]
        client_mutation_id: Option<String>,
        #[graphql(desc = "The changes, applied in order (at most 1000).")] changes: Vec<
            ChangeInput,
        >,
    ) -> Result<BatchPayload> {
        check_access(ctx)?;
        if changes.len() > 1000 {
            return Err(ApiError::bad_input(format!(
                "at most 1000 changes per batch, got {}",
                changes.len()
            ))
            .into());
        }
        // Updates are patches applied in order inside the store, so a batch may update what
        // it added earlier.
        let converted = changes
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                to_change(c).map_err(|e| match e {
                    ApiError::NotFound(m) | ApiError::BadInput(m) => {
                        ApiError::BadInput(format!("change #{}: {m}", i + 1))
                    }
                    other => other,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let n = converted.len();
        let a = apply(ctx, converted, client_mutation_id).await?;
        Ok(BatchPayload {
            version: a.event.version,
            applied: n,
            touched_ids: touched_ids(&a),
        })
    }
}

fn relation(g: &Arc<Graph>, id: &str) -> Result<Relation> {
    let edge = g.lookup_relation(id).ok_or_else(|| {
        ApiError::Internal(format!("relation `{id}` missing right after a write"))
    })?;
    Ok(Relation { g: g.clone(), edge })
}
