//! Domain types of the knowledge graph: what a node, a relation, a date and a piece of evidence
//! are. These are plain values; validation happens when they enter a [`crate::graph::Graph`].

use std::fmt;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use petgraph::graph::NodeIndex;

use super::GraphError;

/// A stable, human-readable node id: `kind-prefix/slug`, e.g. `person/margus-tsahkna`.
///
/// The constructor is the only way to make one, so an invalid id cannot exist past the boundary.
/// Shared, not copied: the node, the id map and the orderings hold the same allocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(Arc<str>);

impl NodeId {
    /// Longest id accepted; ids appear in URLs and cursors, so they stay short.
    pub const MAX_LEN: usize = 200;

    /// Accepts `prefix/slug` where both parts are lowercase ASCII letters, digits and `-`
    /// (the slug may also contain `.` and further `/`), e.g. `org/un` or `event/2025-06-27-ee-note`.
    pub fn parse(raw: &str) -> Result<Self, GraphError> {
        let bad = |why: &str| GraphError::BadId {
            id: raw.to_string(),
            why: why.to_string(),
        };
        if raw.is_empty() || raw.len() > Self::MAX_LEN {
            return Err(bad("must be 1 to 200 characters long"));
        }
        let Some((prefix, slug)) = raw.split_once('/') else {
            return Err(bad("must look like `kind/slug`, e.g. `person/alar-karis`"));
        };
        let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if prefix.is_empty() || !prefix.chars().all(ok_char) {
            return Err(bad(
                "the part before `/` must be lowercase letters, digits or `-`",
            ));
        }
        if slug.is_empty()
            || slug.starts_with('/')
            || slug.ends_with('/')
            || slug.contains("//")
            || !slug.chars().all(|c| ok_char(c) || c == '.' || c == '/')
        {
            return Err(bad(
                "the slug must be lowercase letters, digits, `-`, `.` or `/` (not at either end)",
            ));
        }
        Ok(NodeId(Arc::from(raw)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An id known to be valid (it was parsed before, e.g. it is read back from the graph).
    pub(crate) fn from_trusted(raw: &str) -> NodeId {
        NodeId(Arc::from(raw))
    }
}

/// Checks a language tag: a 2–3 letter lowercase language, then optional `-` subtags of 2–8
/// letters or digits (`de`, `uk`, `pt-BR`, `zh-Hant`). English is the node's `name`.
pub fn check_lang(tag: &str) -> Result<(), GraphError> {
    let bad = |why: &str| GraphError::BadLanguage {
        tag: tag.to_string(),
        why: why.to_string(),
    };
    let mut parts = tag.split('-');
    let lang = parts.next().unwrap_or_default();
    if !(2..=3).contains(&lang.len()) || !lang.chars().all(|c| c.is_ascii_lowercase()) {
        return Err(bad("use a language tag such as `de`, `uk` or `pt-BR`"));
    }
    if !parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric())) {
        return Err(bad("use a language tag such as `de`, `uk` or `pt-BR`"));
    }
    if lang == "en" {
        return Err(bad("the English name is the node's `name`"));
    }
    Ok(())
}

impl std::borrow::Borrow<str> for NodeId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    State,
    Person,
    Organization,
    Treaty,
    Event,
    Source,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::State,
        Kind::Person,
        Kind::Organization,
        Kind::Treaty,
        Kind::Event,
        Kind::Source,
    ];

    /// The spelling used in seed files (`kind = "person"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::State => "state",
            Kind::Person => "person",
            Kind::Organization => "organization",
            Kind::Treaty => "treaty",
            Kind::Event => "event",
            Kind::Source => "source",
        }
    }

    pub fn parse(raw: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// The relation vocabulary. Every edge has exactly one of these types; its direction is
/// always `from → to` as the name reads ("Tsahkna HOLDS_OFFICE at the ministry").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RelationType {
    /// A person holds an office in an organisation or state (role: the office).
    HoldsOffice,
    /// An organisation is part of a state or of another organisation.
    PartOf,
    /// A state or organisation is a member of an organisation.
    MemberOf,
    /// A state is a party to a treaty.
    PartyTo,
    /// An entity declares support for another.
    Supports,
    /// A state wages aggression against another.
    AggressionAgainst,
    /// A source document is published by an organisation.
    PublishedBy,
    /// An entity acts in an event (role: how).
    ActorIn,
    /// An event is addressed to an entity (a note to the UN).
    AddressedTo,
    /// An event concerns an entity (a decision about a treaty).
    Concerns,
    /// An event leads to a later event (a notification to the withdrawal taking effect).
    LeadsTo,
}

impl RelationType {
    pub const ALL: [RelationType; 11] = [
        RelationType::HoldsOffice,
        RelationType::PartOf,
        RelationType::MemberOf,
        RelationType::PartyTo,
        RelationType::Supports,
        RelationType::AggressionAgainst,
        RelationType::PublishedBy,
        RelationType::ActorIn,
        RelationType::AddressedTo,
        RelationType::Concerns,
        RelationType::LeadsTo,
    ];

    /// The spelling used in seed files and in the API (`PARTY_TO`).
    pub fn as_str(self) -> &'static str {
        match self {
            RelationType::HoldsOffice => "HOLDS_OFFICE",
            RelationType::PartOf => "PART_OF",
            RelationType::MemberOf => "MEMBER_OF",
            RelationType::PartyTo => "PARTY_TO",
            RelationType::Supports => "SUPPORTS",
            RelationType::AggressionAgainst => "AGGRESSION_AGAINST",
            RelationType::PublishedBy => "PUBLISHED_BY",
            RelationType::ActorIn => "ACTOR_IN",
            RelationType::AddressedTo => "ADDRESSED_TO",
            RelationType::Concerns => "CONCERNS",
            RelationType::LeadsTo => "LEADS_TO",
        }
    }

    pub fn parse(raw: &str) -> Option<RelationType> {
        RelationType::ALL.into_iter().find(|t| t.as_str() == raw)
    }

    /// The kinds each end may have; `None` means any kind. Checked on every insert so that,
    /// e.g., a treaty can never be a party to a person.
    pub fn allowed_ends(self) -> (Option<&'static [Kind]>, Option<&'static [Kind]>) {
        use Kind::*;
        const ACTORS: &[Kind] = &[State, Person, Organization];
        const HOLDERS: &[Kind] = &[State, Organization];
        match self {
            RelationType::HoldsOffice => (Some(&[Person]), Some(HOLDERS)),
            RelationType::PartOf => (Some(&[Organization]), Some(HOLDERS)),
            RelationType::MemberOf => (Some(HOLDERS), Some(&[Organization])),
            RelationType::PartyTo => (Some(HOLDERS), Some(&[Treaty])),
            RelationType::Supports => (Some(ACTORS), None),
            RelationType::AggressionAgainst => (Some(&[State]), Some(&[State])),
            RelationType::PublishedBy => (Some(&[Source]), Some(&[Organization, Person])),
            RelationType::ActorIn => (Some(ACTORS), Some(&[Event])),
            RelationType::AddressedTo => (Some(&[Event]), None),
            RelationType::Concerns => (Some(&[Event]), None),
            RelationType::LeadsTo => (Some(&[Event]), Some(&[Event])),
        }
    }
}

/// What kind of thing happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    Decision,
    Approval,
    Notification,
    Statement,
    Announcement,
    Publication,
    /// A treaty withdrawal takes legal effect.
    WithdrawalEffective,
    Signing,
    Ratification,
    EntryIntoForce,
    Other,
}

impl EventKind {
    pub const ALL: [EventKind; 11] = [
        EventKind::Decision,
        EventKind::Approval,
        EventKind::Notification,
        EventKind::Statement,
        EventKind::Announcement,
        EventKind::Publication,
        EventKind::WithdrawalEffective,
        EventKind::Signing,
        EventKind::Ratification,
        EventKind::EntryIntoForce,
        EventKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Decision => "decision",
            EventKind::Approval => "approval",
            EventKind::Notification => "notification",
            EventKind::Statement => "statement",
            EventKind::Announcement => "announcement",
            EventKind::Publication => "publication",
            EventKind::WithdrawalEffective => "withdrawal-effective",
            EventKind::Signing => "signing",
            EventKind::Ratification => "ratification",
            EventKind::EntryIntoForce => "entry-into-force",
            EventKind::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// How much of a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Precision {
    Day,
    Month,
    Year,
}

/// A date known to a day, a month or a year. `date` is the first day of the period, so dates of
/// any precision sort together on one time line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FuzzyDate {
    pub date: NaiveDate,
    pub precision: Precision,
}

impl FuzzyDate {
    pub fn day(date: NaiveDate) -> Self {
        FuzzyDate {
            date,
            precision: Precision::Day,
        }
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM` or `YYYY`; the form gives the precision.
    pub fn parse(raw: &str) -> Result<Self, GraphError> {
        let bad = || GraphError::BadDate {
            value: raw.to_string(),
        };
        let parts: Vec<&str> = raw.split('-').collect();
        let num = |s: &str, len: usize| -> Result<u32, GraphError> {
            if s.len() == len && s.chars().all(|c| c.is_ascii_digit()) {
                s.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let (y, m, d, precision) = match parts.as_slice() {
            [y] => (num(y, 4)?, 1, 1, Precision::Year),
            [y, m] => (num(y, 4)?, num(m, 2)?, 1, Precision::Month),
            [y, m, d] => (num(y, 4)?, num(m, 2)?, num(d, 2)?, Precision::Day),
            _ => return Err(bad()),
        };
        let date = NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(bad)?;
        Ok(FuzzyDate { date, precision })
    }

    /// The last day the period covers (the date itself for day precision).
    pub fn last_day(&self) -> NaiveDate {
        match self.precision {
            Precision::Day => self.date,
            Precision::Month => {
                let next = self
                    .date
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(NaiveDate::MAX);
                next.pred_opt().unwrap_or(self.date)
            }
            Precision::Year => {
                NaiveDate::from_ymd_opt(self.date.year(), 12, 31).unwrap_or(self.date)
            }
        }
    }
}

impl fmt::Display for FuzzyDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.precision {
            Precision::Day => write!(f, "{}", self.date.format("%Y-%m-%d")),
            Precision::Month => write!(f, "{}", self.date.format("%Y-%m")),
            Precision::Year => write!(f, "{}", self.date.format("%Y")),
        }
    }
}

/// A quote from a source that supports a fact: a span of the source's text, found when the
/// evidence was checked. The quote is that slice of the text, so it occurs there by
/// construction and costs twelve bytes, not a copy of the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Evidence {
    pub source: NodeIndex,
    pub start: u32,
    pub len: u32,
}

impl Evidence {
    /// The byte range of the quote in its source's text.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// Where a relation's evidence is kept: its own, or that of the event it was derived from
/// (a participant, or the effect of a notice period), shared rather than copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceRef {
    /// One quote, the common case, kept inline (no allocation).
    One(Evidence),
    Own(Arc<[Evidence]>),
    Event(NodeIndex),
}

impl EvidenceRef {
    /// Its own quotes, kept as compactly as their number allows.
    pub fn own(list: Arc<[Evidence]>) -> EvidenceRef {
        match *list {
            [one] => EvidenceRef::One(one),
            _ => EvidenceRef::Own(list),
        }
    }

    /// Its own quotes (none when they are an event's).
    pub fn as_own(&self) -> Option<&[Evidence]> {
        match self {
            EvidenceRef::One(e) => Some(std::slice::from_ref(e)),
            EvidenceRef::Own(list) => Some(list),
            EvidenceRef::Event(_) => None,
        }
    }
}

/// Why a relation exists when it is not a relation record of its own: it is part of another
/// record, and goes with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    /// An event's actor, addressee or subject.
    Participant,
    /// A notification leads to the event its notice period computes.
    NoticePeriod,
    /// A source's publisher (its byline is the evidence).
    Publisher,
}

/// How an event's date was derived instead of typed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateRule {
    /// The event falls a treaty's notice period after a notification event.
    NoticePeriod {
        notification: NodeId,
        treaty: NodeId,
        months: u32,
    },
}

/// Data only events have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventData {
    pub kind: EventKind,
    pub date: FuzzyDate,
    pub rule: Option<DateRule>,
    /// Set when the date was inferred rather than stated by the evidence or computed by the
    /// rule: why, and from which event. A date with neither a rule nor this is stated by the
    /// sentences of `evidence`, as precisely as it is given (checked when it is written).
    pub inferred: Option<Arc<Inferred>>,
    pub evidence: Arc<[Evidence]>,
}

/// How an event's date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBasis {
    /// The sentences of the event's evidence state it.
    Stated,
    /// A rule computed it (a notice period after a notification).
    Computed,
    /// An editor inferred it from context; see [`Inferred`].
    Inferred,
}

impl EventData {
    pub fn date_basis(&self) -> DateBasis {
        match (&self.rule, &self.inferred) {
            (Some(_), _) => DateBasis::Computed,
            (None, Some(_)) => DateBasis::Inferred,
            (None, None) => DateBasis::Stated,
        }
    }
}

/// An inferred date: the reasoning, and the event it is inferred from. With an event, the date
/// is no more precise than that event's and its period contains that event's date; without
/// one, it is at most a month (context such as "reported as news" never pins a day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inferred {
    pub reasoning: String,
    pub from: Option<NodeIndex>,
}

/// Who added a statement that no source makes, and when: background the editors vouch for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editorial {
    pub by: String,
    pub at: NaiveDate,
    pub note: Option<String>,
}

/// What a statement rests on: quotes of sources, or the editors' word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    Sourced(Arc<[Evidence]>),
    Editorial(Arc<Editorial>),
}

impl Basis {
    /// Its quotes (none for an editorial statement).
    pub fn evidence(&self) -> &[Evidence] {
        match self {
            Basis::Sourced(e) => e,
            Basis::Editorial(_) => &[],
        }
    }

    pub fn editorial(&self) -> Option<&Editorial> {
        match self {
            Basis::Sourced(_) => None,
            Basis::Editorial(e) => Some(e),
        }
    }
}

/// A statement about a node that is not a relation: "bans: the use of anti-personnel mines".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// What is stated, a lowercase word such as `bans` or `founded`.
    pub property: String,
    pub value: String,
    pub basis: Basis,
}

/// The claim properties a node's own fields state: their claims are those fields.
pub const DESCRIPTION: &str = "description";
pub const NOTICE_PERIOD: &str = "notice_period_months";

/// What a node states besides its names, each with its basis: the basis of its description
/// and (treaties) notice period, and its other claims. Most nodes of a big graph have none,
/// so this sits behind one pointer ([`Node::statements`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statements {
    pub description: Option<Basis>,
    pub notice_period: Option<Basis>,
    pub claims: Vec<Claim>,
}

impl Statements {
    /// Every quote the statements rest on.
    pub fn evidence(&self) -> impl Iterator<Item = &Evidence> {
        self.description
            .iter()
            .chain(&self.notice_period)
            .chain(self.claims.iter().map(|c| &c.basis))
            .flat_map(Basis::evidence)
    }

    pub fn is_empty(&self) -> bool {
        self.description.is_none() && self.notice_period.is_none() && self.claims.is_empty()
    }
}

/// Data only sources have. The text is what quotes are checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceData {
    pub title: String,
    pub url: Option<String>,
    pub published: chrono::DateTime<chrono::FixedOffset>,
    pub language: String,
    pub text: String,
    /// `(byte, UTF-16 units before it)` at a character boundary about every [`UTF16_STEP`]
    /// bytes (empty for ASCII text, where the two counts agree): an offset in UTF-16, as a
    /// frontend highlights with, costs at most one step of counting, not the text before it.
    pub utf16_marks: Vec<(u32, u32)>,
}

/// About how many bytes of a source's text lie between two of its UTF-16 marks.
pub const UTF16_STEP: usize = 4096;

impl SourceData {
    /// The marks of `text` (see [`SourceData::utf16_marks`]).
    pub fn marks_of(text: &str) -> Vec<(u32, u32)> {
        if text.is_ascii() {
            return vec![];
        }
        let mut marks = vec![(0, 0)];
        let mut units = 0u32;
        for (i, c) in text.char_indices() {
            if i >= marks.last().map_or(0, |m| m.0 as usize) + UTF16_STEP {
                marks.push((i as u32, units));
            }
            units += c.len_utf16() as u32;
        }
        marks
    }

    /// A byte offset of the text (at a character boundary) in UTF-16 code units.
    pub fn utf16_offset(&self, byte: usize) -> usize {
        let byte = byte.min(self.text.len());
        let at = self.utf16_marks.partition_point(|m| m.0 as usize <= byte);
        let Some(&(from, units)) = at.checked_sub(1).and_then(|i| self.utf16_marks.get(i)) else {
            return byte;
        };
        let counted = self
            .text
            .get(from as usize..byte)
            .map_or(0, |s| s.encode_utf16().count());
        units as usize + counted
    }
}

/// Data specific to one kind of node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    None,
    Treaty {
        notice_period_months: Option<u32>,
    },
    Event(EventData),
    /// Boxed: a source's data is several times an event's, and sources are few, so every
    /// other node would pay for its size.
    Source(Box<SourceData>),
}

/// A node of the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: NodeId,
    pub kind: Kind,
    /// The name in English, the fallback for every language.
    pub name: String,
    /// Names in other languages, by language tag (`de`, `uk`, `pt-BR`).
    pub labels: std::collections::BTreeMap<String, String>,
    pub aliases: Vec<String>,
    /// The same thing elsewhere: absolute IRIs (Wikidata, the UN's member list), for exports.
    /// Boxed: most nodes have none, and a node's size counts at 10^6 nodes.
    pub same_as: Box<[String]>,
    pub description: String,
    pub detail: Detail,
    /// The basis of each statement the node makes; `None` when it makes none.
    pub statements: Option<Box<Statements>>,
}

impl Node {
    /// The node's statements with their bases (empty when it makes none).
    pub fn statements(&self) -> &Statements {
        static NONE: Statements = Statements {
            description: None,
            notice_period: None,
            claims: Vec::new(),
        };
        self.statements.as_deref().unwrap_or(&NONE)
    }

    /// The name in `lang` if there is one, else the English name.
    pub fn name_in(&self, lang: Option<&str>) -> &str {
        // Language tags are case-insensitive (`DE` is `de`).
        lang.and_then(|l| self.labels.iter().find(|(k, _)| k.eq_ignore_ascii_case(l)))
            .map_or(&self.name, |(_, v)| v)
    }

    pub fn event(&self) -> Option<&EventData> {
        match &self.detail {
            Detail::Event(e) => Some(e),
            _ => None,
        }
    }

    pub fn source(&self) -> Option<&SourceData> {
        match &self.detail {
            Detail::Source(s) => Some(s),
            _ => None,
        }
    }
}

/// Where a bound of a relation's validity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundOrigin {
    /// Typed in as a date.
    Given,
    /// Taken from the date of an event (the node index is stable for the graph's life).
    Event(NodeIndex),
}

/// One end of a validity interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub date: NaiveDate,
    pub origin: BoundOrigin,
}

/// A typed, directed edge with its validity and evidence.
///
/// Validity is the half-open interval `[valid_from, valid_until)`: a relation that ends on
/// 27 December no longer holds on 27 December. A missing bound means open-ended.
///
/// The id is kept only when it was given; otherwise it is `from:TYPE:to`, made when asked for
/// ([`crate::graph::Graph::relation_id`]), so millions of relations don't each hold a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The given id and role, if any.
    pub names: RelationNames,
    pub rel: RelationType,
    pub valid_from: Option<Bound>,
    pub valid_until: Option<Bound>,
    pub evidence: EvidenceRef,
    pub derived: Option<Derived>,
}

/// A relation's given id and role. Few relations have either, so both sit behind one pointer:
/// the others pay 8 bytes for them instead of 32.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelationNames(Option<Box<IdAndRole>>);

/// A given id and a role.
type IdAndRole = (Option<Arc<str>>, Option<Arc<str>>);

impl RelationNames {
    pub fn new(id: Option<Arc<str>>, role: Option<Arc<str>>) -> RelationNames {
        if id.is_none() && role.is_none() {
            RelationNames(None)
        } else {
            RelationNames(Some(Box::new((id, role))))
        }
    }

    /// The id given to the relation (generated ids are not kept).
    pub fn id(&self) -> Option<&Arc<str>> {
        self.0.as_ref()?.0.as_ref()
    }

    pub fn role(&self) -> Option<&Arc<str>> {
        self.0.as_ref()?.1.as_ref()
    }

    pub fn set_id(&mut self, id: Option<Arc<str>>) {
        *self = RelationNames::new(id, self.role().cloned());
    }

    pub fn set_role(&mut self, role: Option<Arc<str>>) {
        *self = RelationNames::new(self.id().cloned(), role);
    }
}

impl Relation {
    /// The id given to the relation, if any.
    pub fn id(&self) -> Option<&Arc<str>> {
        self.names.id()
    }

    pub fn role(&self) -> Option<&Arc<str>> {
        self.names.role()
    }

    /// Whether the relation holds on `day`.
    pub fn holds_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|b| b.date <= day)
            && self.valid_until.is_none_or(|b| day < b.date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_must_be_kind_slash_slug() {
        for ok in [
            "person/margus-tsahkna",
            "org/un",
            "event/2025/06/27-note",
            "x/a.b",
        ] {
            assert!(NodeId::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "person",
            "Person/x",
            "person/",
            "/x",
            "person/Alar",
            "a/b c",
            "a//b",
            "a/b/",
        ] {
            assert!(NodeId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn fuzzy_dates_take_their_precision_from_the_form() {
        let d = FuzzyDate::parse("2025-06-27").unwrap();
        assert_eq!(
            (d.precision, d.to_string()),
            (Precision::Day, "2025-06-27".into())
        );
        let m = FuzzyDate::parse("2025-06").unwrap();
        assert_eq!(m.precision, Precision::Month);
        assert_eq!(m.date, NaiveDate::from_ymd_opt(2025, 6, 1).unwrap());
        assert_eq!(m.last_day(), NaiveDate::from_ymd_opt(2025, 6, 30).unwrap());
        let y = FuzzyDate::parse("2025").unwrap();
        assert_eq!(y.last_day(), NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());
        for bad in [
            "2025-02-30",
            "2025-13",
            "25-01-01",
            "2025-1-01",
            "June 2025",
            "",
            "2025-06-27T00",
        ] {
            assert!(FuzzyDate::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn utf16_offsets_agree_with_counting_the_whole_text_before_them() {
        let text: String = (0..3000)
            .map(|i| match i % 4 {
                0 => "Оттавська конвенція ",
                1 => "ascii words ",
                2 => "emoji 🇪🇪 ",
                _ => "“quotes” ",
            })
            .collect();
        let src = SourceData {
            title: String::new(),
            url: None,
            published: chrono::DateTime::parse_from_rfc3339("2025-06-28T12:00:00+00:00").unwrap(),
            language: "uk".into(),
            utf16_marks: SourceData::marks_of(&text),
            text: text.clone(),
        };
        assert!(src.utf16_marks.len() > 5, "marks every few kilobytes");
        for (byte, _) in text.char_indices().step_by(97).chain([(text.len(), ' ')]) {
            assert_eq!(
                src.utf16_offset(byte),
                text[..byte].encode_utf16().count(),
                "{byte}"
            );
        }
        let ascii = SourceData {
            utf16_marks: SourceData::marks_of("plain"),
            text: "plain".into(),
            ..src
        };
        assert!(ascii.utf16_marks.is_empty());
        assert_eq!(ascii.utf16_offset(3), 3);
    }

    #[test]
    fn validity_is_half_open() {
        let day = |d| NaiveDate::from_ymd_opt(2025, 12, d).unwrap();
        let r = Relation {
            names: RelationNames::new(Some("r".into()), None),
            rel: RelationType::PartyTo,
            valid_from: None,
            valid_until: Some(Bound {
                date: day(27),
                origin: BoundOrigin::Given,
            }),
            evidence: EvidenceRef::own(Arc::new([])),
            derived: None,
        };
        assert!(r.holds_on(day(26)));
        assert!(!r.holds_on(day(27)));
        assert!(!r.holds_on(day(28)));
        let from = Relation {
            valid_from: Some(Bound {
                date: day(27),
                origin: BoundOrigin::Given,
            }),
            valid_until: None,
            ..r
        };
        assert!(!from.holds_on(day(26)));
        assert!(from.holds_on(day(27)));
        assert!(from.holds_on(NaiveDate::MAX));
    }
}
