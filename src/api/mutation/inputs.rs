//! The mutations' inputs, one per operation (`CreateXInput`, `UpdateXInput`, `DeleteXInput`,
//! ...), used the same way by the mutation of that name and by a change of `applyChanges`.
//! They admit only what can be valid: entity kinds that can be created, dates as `Date` or
//! `FuzzyDate`, references as `ID`. In an update, an absent field keeps its value and `null`
//! clears it (`MaybeUndefined`); a field that cannot be empty refuses `null` as a user error.

use async_graphql::{Enum, ID, InputObject, MaybeUndefined, OneofObject};

use crate::api::scalars::{Date, DateTime, FuzzyDate};
use crate::api::types::{EventKind, RelationType};
use crate::graph::Kind;

/// What `createEntity` can create: events and sources have mutations of their own.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CreatableEntityKind {
    /// A sovereign state.
    State,
    /// A person, typically an official.
    Person,
    /// An institution: a ministry, a parliament, an international organisation, a publisher.
    Organization,
    /// An international treaty or convention.
    Treaty,
}

impl From<CreatableEntityKind> for Kind {
    fn from(k: CreatableEntityKind) -> Kind {
        match k {
            CreatableEntityKind::State => Kind::State,
            CreatableEntityKind::Person => Kind::Person,
            CreatableEntityKind::Organization => Kind::Organization,
            CreatableEntityKind::Treaty => Kind::Treaty,
        }
    }
}

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

/// The words of a source that name one participant's part in an event.
#[derive(InputObject, Clone)]
pub struct ParticipantQuoteInput {
    /// The participant: one of the event's actors, addressees or subjects.
    pub entity: ID,
    /// The exact words.
    pub quote: String,
    /// The source quoted; by default that of the event's first piece of evidence.
    pub source: Option<ID>,
}

/// How an event's date was inferred, when no sentence of its evidence states it.
#[derive(InputObject, Clone)]
pub struct DateInferenceInput {
    /// Why the date is what it is ("reported 'at the same time' as the note of 27 June").
    pub reasoning: String,
    /// The event it is inferred from: the date is no more precise than that event's, and its
    /// period contains it. Without one, the date is at most a month.
    pub from: Option<ID>,
}

/// A statement about an entity or event that is not a relation.
#[derive(InputObject, Clone)]
pub struct ClaimInput {
    /// A lowercase word: `bans`, `founded`, `headquarters`.
    pub property: String,
    /// What is stated.
    pub value: String,
    /// The quotes that state it. Without them the claim is editorial background, recorded as
    /// added by the writer's token, today.
    pub evidence: Option<Vec<EvidenceInput>>,
    /// For editorial background: why, or where it comes from.
    pub note: Option<String>,
}

/// How an event's date is computed instead of given.
#[derive(InputObject, Clone)]
pub struct DateRuleInput {
    /// The notification event the period runs from.
    pub after: ID,
    /// The treaty whose notice period applies.
    pub notice_period_of: ID,
}

/// A new source document.
#[derive(InputObject, Clone)]
pub struct CreateSourceInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
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
    /// The quotes that state the description; without them it is editorial, by the writer.
    pub description_evidence: Option<Vec<EvidenceInput>>,
    /// The publishing organisation's id (needs `byline`).
    pub publisher: Option<ID>,
    /// The text in the source naming the publisher: the evidence for `PUBLISHED_BY`.
    pub byline: Option<String>,
}

/// Changes to a source: absent fields keep their value, `null` clears an optional one.
#[derive(InputObject, Clone)]
pub struct UpdateSourceInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
    /// The source's id.
    pub id: ID,
    /// The headline.
    pub title: MaybeUndefined<String>,
    /// The full text; every quote citing the source must still occur in it.
    pub text: MaybeUndefined<String>,
    /// When it was published.
    pub published_at: MaybeUndefined<DateTime>,
    /// The language of the text.
    pub language: MaybeUndefined<String>,
    /// Where it was published; `null` removes it.
    pub url: MaybeUndefined<String>,
    /// A short description; `null` empties it.
    pub description: MaybeUndefined<String>,
    /// The quotes that state the description (with it, or for the one it has); `null` makes
    /// it editorial, by the writer. A new description without them is editorial.
    pub description_evidence: MaybeUndefined<Vec<EvidenceInput>>,
    /// The publishing organisation's id; `null` removes the publisher.
    pub publisher: MaybeUndefined<ID>,
    /// The text naming the publisher; `null` removes it.
    pub byline: MaybeUndefined<String>,
}

/// A source to delete: no evidence may cite it.
#[derive(InputObject, Clone)]
pub struct DeleteSourceInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
    /// The source's id.
    pub id: ID,
}

/// A new state, person, organisation or treaty.
#[derive(InputObject, Clone)]
pub struct CreateEntityInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
    /// The id, `kind/slug` (e.g. `state/latvia`).
    pub id: ID,
    /// What the entity is.
    pub kind: CreatableEntityKind,
    /// The name in English.
    pub name: String,
    /// Names in other languages.
    pub labels: Option<Vec<LabelInput>>,
    /// Other names and spellings.
    pub aliases: Option<Vec<String>>,
    /// The same entity elsewhere: absolute IRIs (`https://www.wikidata.org/entity/Q191`).
    pub same_as: Option<Vec<String>>,
    /// A short description.
    pub description: Option<String>,
    /// The quotes that state the description; without them it is editorial, by the writer.
    pub description_evidence: Option<Vec<EvidenceInput>>,
    /// Treaties only: months between a notice of withdrawal and its effect.
    pub notice_period_months: Option<u32>,
    /// The quotes that state the notice period; without them it is editorial, by the writer.
    pub notice_period_evidence: Option<Vec<EvidenceInput>>,
    /// Other statements about the entity.
    pub claims: Option<Vec<ClaimInput>>,
}

/// Changes to an entity: absent fields keep their value, `null` clears an optional one.
/// Lists replace the old list.
#[derive(InputObject, Clone)]
pub struct UpdateEntityInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
    /// The entity's id.
    pub id: ID,
    /// The name in English.
    pub name: MaybeUndefined<String>,
    /// Names in other languages (replaces all labels; `null` removes them).
    pub labels: MaybeUndefined<Vec<LabelInput>>,
    /// Other names (replaces all aliases; `null` removes them).
    pub aliases: MaybeUndefined<Vec<String>>,
    /// The same entity elsewhere, absolute IRIs (replaces them all; `null` removes them).
    pub same_as: MaybeUndefined<Vec<String>>,
    /// A short description; `null` empties it.
    pub description: MaybeUndefined<String>,
    /// The quotes that state the description (with it, or for the one it has); `null` makes
    /// it editorial, by the writer. A new description without them is editorial.
    pub description_evidence: MaybeUndefined<Vec<EvidenceInput>>,
    /// Treaties only: the notice period in months; `null` removes it.
    pub notice_period_months: MaybeUndefined<u32>,
    /// The quotes that state the notice period, as for `descriptionEvidence`.
    pub notice_period_evidence: MaybeUndefined<Vec<EvidenceInput>>,
    /// Other statements about the entity (replaces them all; `null` removes them).
    pub claims: MaybeUndefined<Vec<ClaimInput>>,
}

/// An entity to delete.
#[derive(InputObject, Clone)]
pub struct DeleteEntityInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
    /// The entity's id.
    pub id: ID,
    /// Also delete its relations and participations (otherwise they block the deletion).
    #[graphql(default)]
    pub cascade: bool,
}

/// A new event.
#[derive(InputObject, Clone)]
pub struct CreateEventInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
    /// The id, `event/slug`.
    pub id: ID,
    /// What kind of event it is.
    pub event_kind: EventKind,
    /// The title (the event's name).
    pub title: String,
    /// When it happened, as precisely as the source says; or give `dateRule`.
    pub date: Option<FuzzyDate>,
    /// Computes the date from a notification and a treaty's notice period.
    pub date_rule: Option<DateRuleInput>,
    /// How `date` was inferred, when no sentence of the evidence states it.
    pub date_inferred: Option<DateInferenceInput>,
    /// Who acts.
    pub actors: Option<Vec<ID>>,
    /// To whom it is addressed.
    pub addressed_to: Option<Vec<ID>>,
    /// What it concerns.
    pub concerns: Option<Vec<ID>>,
    /// The quotes stating it (at least one).
    pub evidence: Vec<EvidenceInput>,
    /// The words naming participants' parts; a participant without one shows the event's
    /// evidence, marked as the event's.
    pub participant_quotes: Option<Vec<ParticipantQuoteInput>>,
    /// Titles in other languages.
    pub labels: Option<Vec<LabelInput>>,
    /// Other titles.
    pub aliases: Option<Vec<String>>,
    /// The same event elsewhere: absolute IRIs.
    pub same_as: Option<Vec<String>>,
    /// A short description.
    pub description: Option<String>,
    /// The quotes that state the description; without them it is editorial, by the writer.
    pub description_evidence: Option<Vec<EvidenceInput>>,
    /// Other statements about the event.
    pub claims: Option<Vec<ClaimInput>>,
}

/// Changes to an event: absent fields keep their value, `null` clears an optional one. Lists
/// replace the old list. Giving `date` drops a `dateRule` and the other way round.
#[derive(InputObject, Clone)]
pub struct UpdateEventInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
    /// The event's id.
    pub id: ID,
    /// What kind of event it is.
    pub event_kind: MaybeUndefined<EventKind>,
    /// The title.
    pub title: MaybeUndefined<String>,
    /// When it happened (drops a `dateRule`).
    pub date: MaybeUndefined<FuzzyDate>,
    /// Computes the date instead (drops `date`).
    pub date_rule: MaybeUndefined<DateRuleInput>,
    /// How the date was inferred; `null` says the evidence states it. A new `date` without
    /// it must be stated by the evidence.
    pub date_inferred: MaybeUndefined<DateInferenceInput>,
    /// Who acts; `null` removes them all.
    pub actors: MaybeUndefined<Vec<ID>>,
    /// To whom it is addressed; `null` removes them all.
    pub addressed_to: MaybeUndefined<Vec<ID>>,
    /// What it concerns; `null` removes them all.
    pub concerns: MaybeUndefined<Vec<ID>>,
    /// The quotes stating it (replaces the old ones; at least one).
    pub evidence: MaybeUndefined<Vec<EvidenceInput>>,
    /// The words naming participants' parts (replaces them all; `null` removes them).
    pub participant_quotes: MaybeUndefined<Vec<ParticipantQuoteInput>>,
    /// Titles in other languages; `null` removes them.
    pub labels: MaybeUndefined<Vec<LabelInput>>,
    /// Other titles; `null` removes them.
    pub aliases: MaybeUndefined<Vec<String>>,
    /// The same event elsewhere, absolute IRIs (replaces them all; `null` removes them).
    pub same_as: MaybeUndefined<Vec<String>>,
    /// A short description; `null` empties it.
    pub description: MaybeUndefined<String>,
    /// The quotes that state the description, as for `UpdateEntityInput`.
    pub description_evidence: MaybeUndefined<Vec<EvidenceInput>>,
    /// Other statements about the event (replaces them all; `null` removes them).
    pub claims: MaybeUndefined<Vec<ClaimInput>>,
}

/// An event to delete: nothing may refer to it.
#[derive(InputObject, Clone)]
pub struct DeleteEventInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
    /// The event's id.
    pub id: ID,
}

/// A new relation.
#[derive(InputObject, Clone)]
pub struct CreateRelationInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
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

/// Changes to a relation: absent fields keep their value, `null` clears an optional one (a
/// bound set to `null` opens it). Its id stays.
#[derive(InputObject, Clone)]
pub struct UpdateRelationInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
    /// The relation's id.
    pub id: ID,
    /// The relation type.
    #[graphql(name = "type")]
    pub rel_type: MaybeUndefined<RelationType>,
    /// The entity it starts at.
    pub from: MaybeUndefined<ID>,
    /// The entity it points to.
    pub to: MaybeUndefined<ID>,
    /// The role or office; `null` removes it.
    pub role: MaybeUndefined<String>,
    /// The first day it holds; `null`: from the beginning of time.
    pub valid_from: MaybeUndefined<Date>,
    /// Or: it holds from this event's date; `null` removes the link.
    pub valid_from_event: MaybeUndefined<ID>,
    /// The first day it no longer holds; `null`: with no end.
    pub valid_until: MaybeUndefined<Date>,
    /// Or: it ends on this event's date; `null` removes the link.
    pub valid_until_event: MaybeUndefined<ID>,
    /// The quotes stating it (replaces the old ones; at least one).
    pub evidence: MaybeUndefined<Vec<EvidenceInput>>,
}

/// A relation to delete.
#[derive(InputObject, Clone)]
pub struct DeleteRelationInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
    /// The relation's id.
    pub id: ID,
}

/// Two entities of one kind to merge.
#[derive(InputObject, Clone)]
pub struct MergeEntitiesInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
    /// The entity that stays.
    pub survivor: ID,
    /// The entity that disappears into it.
    pub merged: ID,
}

/// One change of `applyChanges`: exactly one field, with the input of the mutation of the
/// same name. Its `clientMutationId` must be left out: the batch has one.
#[derive(OneofObject, Clone)]
pub enum ChangeInput {
    /// As `createSource`.
    CreateSource(CreateSourceInput),
    /// As `updateSource`.
    UpdateSource(UpdateSourceInput),
    /// As `deleteSource`.
    DeleteSource(DeleteSourceInput),
    /// As `createEntity`.
    CreateEntity(CreateEntityInput),
    /// As `updateEntity`.
    UpdateEntity(UpdateEntityInput),
    /// As `deleteEntity`.
    DeleteEntity(DeleteEntityInput),
    /// As `createEvent`.
    CreateEvent(CreateEventInput),
    /// As `updateEvent`.
    UpdateEvent(UpdateEventInput),
    /// As `deleteEvent`.
    DeleteEvent(DeleteEventInput),
    /// As `createRelation`.
    CreateRelation(CreateRelationInput),
    /// As `updateRelation`.
    UpdateRelation(UpdateRelationInput),
    /// As `deleteRelation`.
    DeleteRelation(DeleteRelationInput),
    /// As `mergeEntities`.
    MergeEntities(MergeEntitiesInput),
}

/// A list of changes to apply all-or-nothing, in order.
#[derive(InputObject, Clone)]
pub struct ApplyChangesInput {
    /// Names this write (1 to 255 bytes), echoed in the payload: a retry is answered as the first.
    pub client_mutation_id: Option<String>,
    /// The changes, applied in order (at most 1000).
    pub changes: Vec<ChangeInput>,
}
