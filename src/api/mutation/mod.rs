//! The mutation root: validated writes, in one shape (GitHub's). Each of `createX`, `updateX`,
//! `deleteX`, `mergeEntities` and `applyChanges` takes one `input` and answers an `XPayload`:
//! the object written (or the id deleted), the graph `version` the write produced, the
//! `clientMutationId` the input gave, and `userErrors` — what is wrong with the input, each
//! with the path of the field at fault and a code, for a form to show next to the field. A
//! write with user errors changes nothing. Authorization, malformed requests and failures of
//! the server stay top-level errors.
//!
//! Inputs become seed records and [`Change`]s (`changes.rs`); the store applies them
//! all-or-nothing with the seed's validation and journals them before answering.

mod changes;
mod import;
mod inputs;
mod user_errors;

use std::sync::Arc;

use async_graphql::{Context, ID, InputType, Object, Result, SimpleObject, Value};

pub use inputs::*;
pub use user_errors::{UserError, UserErrorCode};

use super::error::ApiError;
use super::types::{Entity, Event, NodeRef, Relation, Source, entity};
use crate::graph::Graph;
use crate::store::{Applied, Change, Store, StoreError};

/// Whether this request may write, and as whom; decided by the HTTP layer from the
/// `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteAccess {
    /// The server has no write token: it is read-only.
    Disabled,
    /// No token, or the wrong one.
    Denied,
    /// A token of the server's, named: writes are recorded under its name.
    Granted(Writer),
}

/// The name of the write token a request writes with, recorded with each of its writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writer(Arc<str>);

impl Writer {
    pub fn new(name: impl Into<Arc<str>>) -> Self {
        Writer(name.into())
    }

    pub fn name(&self) -> &str {
        &self.0
    }
}

/// Who may write this request's changes, or why no one may.
fn check_access(ctx: &Context<'_>) -> Result<Writer, ApiError> {
    let Some(access) = ctx.data_opt::<WriteAccess>().cloned() else {
        // Only the HTTP layer decides access; operations over the WebSocket have none.
        return Err(ApiError::Forbidden(
            "send mutations over HTTP POST to /graphql with the write token".into(),
        ));
    };
    match access {
        WriteAccess::Granted(writer) => Ok(writer),
        WriteAccess::Disabled => Err(ApiError::Forbidden(
            "writes are disabled: start the server with a write token (NEWSGRAPH_WRITE_TOKEN or --write-token-file)".into(),
        )),
        WriteAccess::Denied => Err(ApiError::Unauthenticated(
            "writes need `Authorization: Bearer <token>` with the server's write token".into(),
        )),
    }
}

/// Who writes, and the day: what a statement written without quotes is marked with.
fn author(writer: &Writer) -> changes::Author {
    changes::Author {
        name: writer.name().to_string(),
        today: chrono::Utc::now().date_naive(),
    }
}

/// Runs the changes on a blocking thread (the store fsyncs), by `writer`, named by the
/// client's `clientMutationId` when it gave one. The outer error is the server's (top-level),
/// the inner one the store's refusal of the input.
async fn commit(
    ctx: &Context<'_>,
    writer: Writer,
    changes: Vec<Change>,
    client_mutation_id: Option<String>,
) -> Result<Result<Applied, StoreError>, ApiError> {
    let store = ctx
        .data::<Arc<Store>>()
        .map_err(|_| ApiError::Internal("no store in the schema data".into()))?
        .clone();
    tokio::task::spawn_blocking(move || {
        store.apply_as(writer.name(), client_mutation_id.as_deref(), &changes)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("write task failed: {e}")))
}

/// How a write ended: applied, or refused for what its input gets wrong.
enum Outcome {
    Applied(Applied),
    Refused(Vec<UserError>),
}

/// One input as GraphQL values, to point user errors at its fields, and where it sits in the
/// mutation's input.
struct Located {
    value: Value,
    prefix: Vec<String>,
}

/// The store's refusal as user errors; failures of the server (journal, disk) stay errors.
fn refusal(e: StoreError, inputs: &[Located]) -> Result<Vec<UserError>, ApiError> {
    match e {
        StoreError::Rejected {
            message,
            change,
            error,
        } => {
            let at = inputs.get(change);
            let (value, prefix) = at.map_or((&Value::Null, &[][..]), |l| (&l.value, &l.prefix[..]));
            Ok(vec![UserError::from_change(&error, message, value, prefix)])
        }
        StoreError::Invalid(message) => Ok(vec![UserError {
            field: None,
            message,
            code: UserErrorCode::Invalid,
        }]),
        other => Err(ApiError::Internal(other.to_string())),
    }
}

/// Checks access, converts `inputs` (each with its place in the mutation's input) and applies
/// them as one write.
async fn write(
    ctx: &Context<'_>,
    client_mutation_id: Option<String>,
    inputs: Vec<(ChangeInput, Vec<String>)>,
) -> Result<Outcome, ApiError> {
    let writer = check_access(ctx)?;
    let author = author(&writer);
    let mut located = Vec::with_capacity(inputs.len());
    let mut changes = Vec::with_capacity(inputs.len());
    let mut errors = vec![];
    for (input, mut prefix) in inputs {
        // A oneOf value is `{ "createEntity": { ... } }`: the change's own input is inside.
        let (name, value) = match input.to_value() {
            Value::Object(m) => m
                .into_iter()
                .next()
                .map(|(k, v)| (k.to_string(), v))
                .unwrap_or((String::new(), Value::Null)),
            other => (String::new(), other),
        };
        if !prefix.is_empty() {
            prefix.push(name);
            if changes::client_mutation_id(&input).is_some() {
                errors.push(
                    UserError::new(
                        &["clientMutationId"],
                        UserErrorCode::Invalid,
                        "give `clientMutationId` to `applyChanges`, not to one of its changes",
                    )
                    .within(&prefix),
                );
            }
        }
        match changes::to_change(input, &author) {
            Ok(c) => changes.push(c),
            Err(e) => errors.push(e.within(&prefix)),
        }
        located.push(Located { value, prefix });
    }
    if !errors.is_empty() {
        return Ok(Outcome::Refused(errors));
    }
    match commit(ctx, writer, changes, client_mutation_id).await? {
        Ok(applied) => Ok(Outcome::Applied(applied)),
        Err(e) => Ok(Outcome::Refused(refusal(e, &located)?)),
    }
}

/// [`write`] of one mutation's input, named by its own `clientMutationId` (which the payload
/// echoes: returned with the outcome).
async fn write_one(
    ctx: &Context<'_>,
    input: ChangeInput,
) -> Result<(Option<String>, Outcome), ApiError> {
    let cmid = changes::client_mutation_id(&input).cloned();
    let outcome = write(ctx, cmid.clone(), vec![(input, vec![])]).await?;
    Ok((cmid, outcome))
}

fn lookup(g: &Arc<Graph>, id: &str) -> Result<NodeRef, ApiError> {
    g.lookup(id)
        .map(|ix| NodeRef { g: g.clone(), ix })
        .ok_or_else(|| ApiError::Internal(format!("`{id}` missing right after a write")))
}

fn relation(g: &Arc<Graph>, id: &str) -> Result<Relation, ApiError> {
    let edge = g.lookup_relation(id).ok_or_else(|| {
        ApiError::Internal(format!("relation `{id}` missing right after a write"))
    })?;
    Ok(Relation { g: g.clone(), edge })
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

/// The payload of a mutation that answers the object it wrote, as `$field`.
macro_rules! payload {
    ($(#[$doc:meta])* $name:ident, $field:ident: $ty:ty) => {
        $(#[$doc])*
        #[derive(SimpleObject)]
        pub struct $name {
            /// The `clientMutationId` of the input.
            pub client_mutation_id: Option<String>,
            /// The graph version the write produced (the `version` of its `graphChanges`
            /// event); null when it was refused.
            pub version: Option<u64>,
            /// What was written, as it is now; null when the write was refused.
            pub $field: Option<$ty>,
            /// What is wrong with the input; empty when the write was applied.
            pub user_errors: Vec<UserError>,
        }

        impl $name {
            fn new(
                client_mutation_id: Option<String>,
                outcome: Outcome,
                written: impl FnOnce(&Arc<Graph>) -> Result<$ty, ApiError>,
            ) -> Result<Self, ApiError> {
                Ok(match outcome {
                    Outcome::Applied(a) => $name {
                        client_mutation_id,
                        version: Some(a.event.version),
                        $field: Some(written(&a.graph)?),
                        user_errors: vec![],
                    },
                    Outcome::Refused(user_errors) => $name {
                        client_mutation_id,
                        version: None,
                        $field: None,
                        user_errors,
                    },
                })
            }
        }
    };
}

payload!(/// What `createSource` did.
    CreateSourcePayload, source: Source);
payload!(/// What `updateSource` did.
    UpdateSourcePayload, source: Source);
payload!(/// What `createEntity` did.
    CreateEntityPayload, entity: Entity);
payload!(/// What `updateEntity` did.
    UpdateEntityPayload, entity: Entity);
payload!(/// What `mergeEntities` did: `entity` is the survivor.
    MergeEntitiesPayload, entity: Entity);
payload!(/// What `createEvent` did.
    CreateEventPayload, event: Event);
payload!(/// What `updateEvent` did.
    UpdateEventPayload, event: Event);
payload!(/// What `createRelation` did.
    CreateRelationPayload, relation: Relation);
payload!(/// What `updateRelation` did.
    UpdateRelationPayload, relation: Relation);

/// The payload of a mutation that deletes a record.
macro_rules! delete_payload {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(SimpleObject)]
        pub struct $name {
            /// The `clientMutationId` of the input.
            pub client_mutation_id: Option<String>,
            /// The graph version the write produced; null when it was refused.
            pub version: Option<u64>,
            /// The id deleted; null when the write was refused.
            pub deleted_id: Option<ID>,
            /// Ids of the entities and relations the write touched (with a cascade, all it
            /// deleted).
            pub touched_ids: Vec<ID>,
            /// What is wrong with the input; empty when the write was applied.
            pub user_errors: Vec<UserError>,
        }

        impl $name {
            fn new(client_mutation_id: Option<String>, outcome: Outcome, id: ID) -> Self {
                match outcome {
                    Outcome::Applied(a) => $name {
                        client_mutation_id,
                        version: Some(a.event.version),
                        deleted_id: Some(id),
                        touched_ids: touched_ids(&a),
                        user_errors: vec![],
                    },
                    Outcome::Refused(user_errors) => $name {
                        client_mutation_id,
                        version: None,
                        deleted_id: None,
                        touched_ids: vec![],
                        user_errors,
                    },
                }
            }
        }
    };
}

delete_payload!(/// What `deleteSource` did.
    DeleteSourcePayload);
delete_payload!(/// What `deleteEntity` did.
    DeleteEntityPayload);
delete_payload!(/// What `deleteEvent` did.
    DeleteEventPayload);
delete_payload!(/// What `deleteRelation` did.
    DeleteRelationPayload);

/// What `applyChanges` did.
#[derive(SimpleObject)]
pub struct ApplyChangesPayload {
    /// The `clientMutationId` of the input.
    pub client_mutation_id: Option<String>,
    /// The graph version the batch produced; null when it was refused.
    pub version: Option<u64>,
    /// How many changes were applied: all of them, or none when refused.
    pub applied: usize,
    /// Ids of the entities and relations touched.
    pub touched_ids: Vec<ID>,
    /// What is wrong with the changes (each field path starts `changes`, its position and
    /// the change's kind); empty when the batch was applied.
    pub user_errors: Vec<UserError>,
}

/// The most changes one `applyChanges` takes.
const MAX_CHANGES: usize = 1000;

/// Writes. Each needs `Authorization: Bearer <write token>`; each is validated like the seed
/// (user errors in the payload otherwise, and nothing changes), journaled and fsynced before
/// it is answered, and published to subscriptions. Writes are serialised; readers never wait
/// for them.
#[derive(Default)]
pub struct MutationRoot;

#[Object(name = "Mutation")]
impl MutationRoot {
    /// Adds a source document with its text.
    async fn create_source(
        &self,
        ctx: &Context<'_>,
        input: CreateSourceInput,
    ) -> Result<CreateSourcePayload> {
        let id = input.id.0.clone();
        let (cmid, outcome) = write_one(ctx, ChangeInput::CreateSource(input)).await?;
        Ok(CreateSourcePayload::new(cmid, outcome, |g| {
            Ok(Source(lookup(g, &id)?))
        })?)
    }

    /// Changes a source; every quote citing it must still occur in its text.
    async fn update_source(
        &self,
        ctx: &Context<'_>,
        input: UpdateSourceInput,
    ) -> Result<UpdateSourcePayload> {
        let id = input.id.0.clone();
        let (cmid, outcome) = write_one(ctx, ChangeInput::UpdateSource(input)).await?;
        Ok(UpdateSourcePayload::new(cmid, outcome, |g| {
            Ok(Source(lookup(g, &id)?))
        })?)
    }

    /// Deletes a source that no evidence cites.
    async fn delete_source(
        &self,
        ctx: &Context<'_>,
        input: DeleteSourceInput,
    ) -> Result<DeleteSourcePayload> {
        let id = input.id.clone();
        let (cmid, outcome) = write_one(ctx, ChangeInput::DeleteSource(input)).await?;
        Ok(DeleteSourcePayload::new(cmid, outcome, id))
    }

    /// Adds a state, person, organisation or treaty.
    async fn create_entity(
        &self,
        ctx: &Context<'_>,
        input: CreateEntityInput,
    ) -> Result<CreateEntityPayload> {
        let id = input.id.0.clone();
        let (cmid, outcome) = write_one(ctx, ChangeInput::CreateEntity(input)).await?;
        Ok(CreateEntityPayload::new(cmid, outcome, |g| {
            Ok(entity(g, lookup(g, &id)?.ix))
        })?)
    }

    /// Changes an entity's names, labels, description or notice period.
    async fn update_entity(
        &self,
        ctx: &Context<'_>,
        input: UpdateEntityInput,
    ) -> Result<UpdateEntityPayload> {
        let id = input.id.0.clone();
        let (cmid, outcome) = write_one(ctx, ChangeInput::UpdateEntity(input)).await?;
        Ok(UpdateEntityPayload::new(cmid, outcome, |g| {
            Ok(entity(g, lookup(g, &id)?.ix))
        })?)
    }

    /// Deletes an entity; with `cascade`, also its relations and participations.
    async fn delete_entity(
        &self,
        ctx: &Context<'_>,
        input: DeleteEntityInput,
    ) -> Result<DeleteEntityPayload> {
        let id = input.id.clone();
        let (cmid, outcome) = write_one(ctx, ChangeInput::DeleteEntity(input)).await?;
        Ok(DeleteEntityPayload::new(cmid, outcome, id))
    }

    /// Adds an event with its participants and evidence.
    async fn create_event(
        &self,
        ctx: &Context<'_>,
        input: CreateEventInput,
    ) -> Result<CreateEventPayload> {
        let id = input.id.0.clone();
        let (cmid, outcome) = write_one(ctx, ChangeInput::CreateEvent(input)).await?;
        Ok(CreateEventPayload::new(cmid, outcome, |g| {
            Ok(Event(lookup(g, &id)?))
        })?)
    }

    /// Changes an event; dates computed from it follow.
    async fn update_event(
        &self,
        ctx: &Context<'_>,
        input: UpdateEventInput,
    ) -> Result<UpdateEventPayload> {
        let id = input.id.0.clone();
        let (cmid, outcome) = write_one(ctx, ChangeInput::UpdateEvent(input)).await?;
        Ok(UpdateEventPayload::new(cmid, outcome, |g| {
            Ok(Event(lookup(g, &id)?))
        })?)
    }

    /// Deletes an event nothing refers to.
    async fn delete_event(
        &self,
        ctx: &Context<'_>,
        input: DeleteEventInput,
    ) -> Result<DeleteEventPayload> {
        let id = input.id.clone();
        let (cmid, outcome) = write_one(ctx, ChangeInput::DeleteEvent(input)).await?;
        Ok(DeleteEventPayload::new(cmid, outcome, id))
    }

    /// Adds a relation with its evidence.
    async fn create_relation(
        &self,
        ctx: &Context<'_>,
        input: CreateRelationInput,
    ) -> Result<CreateRelationPayload> {
        // The id the relation will have: given, or `from:TYPE:to`.
        let id = input.id.as_ref().map_or_else(
            || crate::graph::generated_id(&input.from, input.rel_type.into(), &input.to),
            |id| id.0.clone(),
        );
        let (cmid, outcome) = write_one(ctx, ChangeInput::CreateRelation(input)).await?;
        Ok(CreateRelationPayload::new(cmid, outcome, |g| {
            relation(g, &id)
        })?)
    }

    /// Changes a relation; its id stays.
    async fn update_relation(
        &self,
        ctx: &Context<'_>,
        input: UpdateRelationInput,
    ) -> Result<UpdateRelationPayload> {
        let id = input.id.0.clone();
        let (cmid, outcome) = write_one(ctx, ChangeInput::UpdateRelation(input)).await?;
        Ok(UpdateRelationPayload::new(cmid, outcome, |g| {
            relation(g, &id)
        })?)
    }

    /// Deletes a relation.
    async fn delete_relation(
        &self,
        ctx: &Context<'_>,
        input: DeleteRelationInput,
    ) -> Result<DeleteRelationPayload> {
        let id = input.id.clone();
        let (cmid, outcome) = write_one(ctx, ChangeInput::DeleteRelation(input)).await?;
        Ok(DeleteRelationPayload::new(cmid, outcome, id))
    }

    /// Merges `merged` into `survivor` (same kind): its relations and participations move over,
    /// its name and aliases become aliases, duplicate relations are folded with their evidence.
    async fn merge_entities(
        &self,
        ctx: &Context<'_>,
        input: MergeEntitiesInput,
    ) -> Result<MergeEntitiesPayload> {
        let id = input.survivor.0.clone();
        let (cmid, outcome) = write_one(ctx, ChangeInput::MergeEntities(input)).await?;
        Ok(MergeEntitiesPayload::new(cmid, outcome, |g| {
            Ok(entity(g, lookup(g, &id)?.ix))
        })?)
    }

    /// Imports the records of two CSV files in the shape `GET /export?format=csv-nodes` and
    /// `format=csv-relationships` write (Neo4j's import files), all-or-nothing: if any row or
    /// record is refused, nothing is applied and the user error names its file, line and
    /// column. One journal record, one new version; the request body limit bounds its size.
    async fn import_csv(
        &self,
        ctx: &Context<'_>,
        input: import::ImportCsvInput,
    ) -> Result<import::ImportCsvPayload> {
        Ok(import::import_csv(ctx, input).await?)
    }

    /// Applies a list of changes all-or-nothing, in order: if any is invalid, none is applied
    /// and its user error's field starts with its position. One journal record, one new version.
    async fn apply_changes(
        &self,
        ctx: &Context<'_>,
        input: ApplyChangesInput,
    ) -> Result<ApplyChangesPayload> {
        let cmid = input.client_mutation_id;
        let refused = |user_errors| ApplyChangesPayload {
            client_mutation_id: cmid.clone(),
            version: None,
            applied: 0,
            touched_ids: vec![],
            user_errors,
        };
        if input.changes.len() > MAX_CHANGES {
            check_access(ctx)?;
            return Ok(refused(vec![UserError::new(
                &["changes"],
                UserErrorCode::Invalid,
                format!(
                    "at most {MAX_CHANGES} changes per batch, got {}",
                    input.changes.len()
                ),
            )]));
        }
        let n = input.changes.len();
        let inputs = input
            .changes
            .into_iter()
            .enumerate()
            .map(|(i, c)| (c, vec!["changes".to_string(), i.to_string()]))
            .collect();
        Ok(match write(ctx, cmid.clone(), inputs).await? {
            Outcome::Applied(a) => ApplyChangesPayload {
                client_mutation_id: cmid.clone(),
                version: Some(a.event.version),
                applied: n,
                touched_ids: touched_ids(&a),
                user_errors: vec![],
            },
            Outcome::Refused(errors) => refused(errors),
        })
    }
}
