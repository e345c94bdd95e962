//! [`Change`]: one edit of the graph's records, as journaled. Applying a change edits a
//! [`RecordSet`]; the graph is then rebuilt from the records, so every write passes exactly the
//! validation of a seed. Checks here only catch what the build would report less clearly
//! (e.g. removing something still cited).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::seed::{EntityRecord, EventRecord, RecordSet, RelationRecord, SourceRecord};

/// An edit of the graph's records. Updates carry the whole new record, so replaying the journal
/// needs nothing but the records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    AddSource {
        source: SourceRecord,
    },
    UpdateSource {
        source: SourceRecord,
    },
    RemoveSource {
        id: String,
    },
    AddEntity {
        entity: EntityRecord,
    },
    UpdateEntity {
        entity: EntityRecord,
    },
    RemoveEntity {
        id: String,
        cascade: bool,
    },
    AddEvent {
        event: EventRecord,
    },
    UpdateEvent {
        event: EventRecord,
    },
    RemoveEvent {
        id: String,
    },
    AddRelation {
        relation: RelationRecord,
    },
    UpdateRelation {
        id: String,
        relation: RelationRecord,
    },
    RemoveRelation {
        id: String,
    },
    /// `merged` disappears into `survivor`: its relations, participations and names move over.
    MergeEntities {
        survivor: String,
        merged: String,
    },
}

/// Why a change cannot be applied to the records.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ChangeError(pub String);

/// What a change touched: node and relation ids, for the change feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    pub nodes: BTreeSet<String>,
    pub relations: BTreeSet<String>,
}

impl Touched {
    fn node(id: &str) -> Self {
        let mut t = Touched::default();
        t.nodes.insert(id.to_string());
        t
    }

    fn relation(r: &RelationRecord) -> Self {
        let mut t = Touched::default();
        t.relations.insert(r.effective_id());
        t.nodes.insert(r.from.clone());
        t.nodes.insert(r.to.clone());
        t
    }

    pub fn extend(&mut self, other: Touched) {
        self.nodes.extend(other.nodes);
        self.relations.extend(other.relations);
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, ChangeError> {
    Err(ChangeError(msg.into()))
}

impl Change {
    /// The operation's name, as in the change feed (`add_entity`, ...).
    pub fn op(&self) -> &'static str {
        match self {
            Change::AddSource { .. } => "add_source",
            Change::UpdateSource { .. } => "update_source",
            Change::RemoveSource { .. } => "remove_source",
            Change::AddEntity { .. } => "add_entity",
            Change::UpdateEntity { .. } => "update_entity",
            Change::RemoveEntity { .. } => "remove_entity",
            Change::AddEvent { .. } => "add_event",
            Change::UpdateEvent { .. } => "update_event",
            Change::RemoveEvent { .. } => "remove_event",
            Change::AddRelation { .. } => "add_relation",
            Change::UpdateRelation { .. } => "update_relation",
            Change::RemoveRelation { .. } => "remove_relation",
            Change::MergeEntities { .. } => "merge_entities",
        }
    }

    /// Applies the change to `r`. On error `r` may be partly changed: callers work on a copy.
    pub fn apply(&self, r: &mut RecordSet) -> Result<Touched, ChangeError> {
        match self {
            Change::AddSource { source } => {
                no_node(r, &source.id)?;
                r.sources.push(source.clone());
                Ok(Touched::node(&source.id))
            }
            Change::UpdateSource { source } => {
                let slot = find(&mut r.sources, |s| s.id == source.id, "source", &source.id)?;
                *slot = source.clone();
                Ok(Touched::node(&source.id))
            }
            Change::RemoveSource { id } => {
                find(&mut r.sources, |s| &s.id == id, "source", id)?;
                if let Some(user) = citing(r, id) {
                    return err(format!(
                        "source `{id}` is cited as evidence by {user}; remove or change that first"
                    ));
                }
                if let Some(user) = referencing(r, id) {
                    return err(format!(
                        "source `{id}` is referenced by {user}; remove or change that first"
                    ));
                }
                r.sources.retain(|s| &s.id != id);
                Ok(Touched::node(id))
            }
            Change::AddEntity { entity } => {
                no_node(r, &entity.id)?;
                r.entities.push(entity.clone());
                Ok(Touched::node(&entity.id))
            }
            Change::UpdateEntity { entity } => {
                let slot = find(&mut r.entities, |e| e.id == entity.id, "entity", &entity.id)?;
                if slot.kind != entity.kind {
                    return err(format!(
                        "the kind of `{}` cannot change ({} to {}); add a new entity and merge",
                        entity.id, slot.kind, entity.kind
                    ));
                }
                *slot = entity.clone();
                Ok(Touched::node(&entity.id))
            }
            Change::RemoveEntity { id, cascade } => {
                find(&mut r.entities, |e| &e.id == id, "entity", id)?;
                let mut touched = Touched::node(id);
                if *cascade {
                    touched.extend(detach(r, id));
                } else if let Some(user) = referencing(r, id) {
                    return err(format!(
                        "entity `{id}` is referenced by {user}; remove that first or pass `cascade: true`"
                    ));
                }
                r.entities.retain(|e| &e.id != id);
                Ok(touched)
            }
            Change::AddEvent { event } => {
                no_node(r, &event.id)?;
                r.events.push(event.clone());
                Ok(event_touched(event))
            }
            Change::UpdateEvent { event } => {
                let slot = find(&mut r.events, |e| e.id == event.id, "event", &event.id)?;
                let mut touched = event_touched(slot);
                *slot = event.clone();
                touched.extend(event_touched(event));
                Ok(touched)
            }
            Change::RemoveEvent { id } => {
                find(&mut r.events, |e| &e.id == id, "event", id)?;
                if let Some(user) = referencing(r, id) {
                    return err(format!(
                        "event `{id}` is referenced by {user}; remove or change that first"
                    ));
                }
                let touched = r
                    .events
                    .iter()
                    .find(|e| &e.id == id)
                    .map(event_touched)
                    .unwrap_or_default();
                r.events.retain(|e| &e.id != id);
                Ok(touched)
            }
            Change::AddRelation { relation } => {
                let id = relation.effective_id();
                if r.relations.iter().any(|x| x.effective_id() == id) {
                    return err(format!(
                        "relation id `{id}` is already used; give the new relation an explicit `id`"
                    ));
                }
                r.relations.push(relation.clone());
                Ok(Touched::relation(relation))
            }
            Change::UpdateRelation { id, relation } => {
                let slot = find(
                    &mut r.relations,
                    |x| &x.effective_id() == id,
                    "relation",
                    id,
                )?;
                let mut touched = Touched::relation(slot);
                // The id stays, even when the ends change, so clients' references survive.
                let mut new = relation.clone();
                new.id = Some(id.clone());
                *slot = new;
                touched.extend(Touched::relation(slot));
                Ok(touched)
            }
            Change::RemoveRelation { id } => {
                let slot = find(
                    &mut r.relations,
                    |x| &x.effective_id() == id,
                    "relation",
                    id,
                )?;
                let touched = Touched::relation(slot);
                r.relations.retain(|x| &x.effective_id() != id);
                Ok(touched)
            }
            Change::MergeEntities { survivor, merged } => merge(r, survivor, merged),
        }
    }
}

fn find<'a, T>(
    items: &'a mut [T],
    pred: impl Fn(&T) -> bool,
    what: &str,
    id: &str,
) -> Result<&'a mut T, ChangeError> {
    match items.iter_mut().find(|x| pred(x)) {
        Some(x) => Ok(x),
        None => err(format!("no {what} with id `{id}`")),
    }
}

fn no_node(r: &RecordSet, id: &str) -> Result<(), ChangeError> {
    let used = r.sources.iter().any(|s| s.id == id)
        || r.entities.iter().any(|e| e.id == id)
        || r.events.iter().any(|e| e.id == id);
    if used {
        return err(format!("id `{id}` is already used"));
    }
    Ok(())
}

fn event_touched(e: &EventRecord) -> Touched {
    let mut t = Touched::node(&e.id);
    t.nodes.extend(
        e.actors
            .iter()
            .chain(&e.addressed_to)
            .chain(&e.concerns)
            .cloned(),
    );
    t
}

/// The first record that cites source `id` in its evidence, named for a message.
fn citing(r: &RecordSet, id: &str) -> Option<String> {
    if let Some(e) = r
        .events
        .iter()
        .find(|e| e.evidence.iter().any(|ev| ev.source == id))
    {
        return Some(format!("event `{}`", e.id));
    }
    r.relations
        .iter()
        .find(|x| x.evidence.iter().any(|ev| ev.source == id))
        .map(|x| format!("relation `{}`", x.effective_id()))
}

/// The first record that refers to node `id` other than as evidence, named for a message.
fn referencing(r: &RecordSet, id: &str) -> Option<String> {
    if let Some(x) = r.relations.iter().find(|x| {
        x.from == id
            || x.to == id
            || x.valid_from_event.as_deref() == Some(id)
            || x.valid_until_event.as_deref() == Some(id)
    }) {
        return Some(format!("relation `{}`", x.effective_id()));
    }
    if let Some(e) = r.events.iter().find(|e| {
        e.actors
            .iter()
            .chain(&e.addressed_to)
            .chain(&e.concerns)
            .any(|p| p == id)
            || e.date_rule
                .as_ref()
                .is_some_and(|d| d.after == id || d.notice_period_of == id)
    }) {
        return Some(format!("event `{}`", e.id));
    }
    r.sources
        .iter()
        .find(|s| s.publisher.as_deref() == Some(id))
        .map(|s| format!("source `{}` (as its publisher)", s.id))
}

/// Removes every relation and participation that refers to `id` (cascade removal).
fn detach(r: &mut RecordSet, id: &str) -> Touched {
    let mut touched = Touched::default();
    r.relations.retain(|x| {
        let refers = x.from == id || x.to == id;
        if refers {
            touched.extend(Touched::relation(x));
        }
        !refers
    });
    for e in &mut r.events {
        let before = e.actors.len() + e.addressed_to.len() + e.concerns.len();
        e.actors.retain(|p| p != id);
        e.addressed_to.retain(|p| p != id);
        e.concerns.retain(|p| p != id);
        if e.actors.len() + e.addressed_to.len() + e.concerns.len() != before {
            touched.nodes.insert(e.id.clone());
        }
    }
    for s in &mut r.sources {
        if s.publisher.as_deref() == Some(id) {
            s.publisher = None;
            s.byline = None;
            touched.nodes.insert(s.id.clone());
        }
    }
    touched
}

/// Moves everything of `merged` to `survivor` and removes `merged`.
fn merge(r: &mut RecordSet, survivor: &str, merged: &str) -> Result<Touched, ChangeError> {
    if survivor == merged {
        return err("an entity cannot be merged into itself");
    }
    let gone = find(&mut r.entities, |e| e.id == merged, "entity", merged)?.clone();
    let keep = find(&mut r.entities, |e| e.id == survivor, "entity", survivor)?;
    if keep.kind != gone.kind {
        return err(format!(
            "only entities of one kind can be merged: `{survivor}` is a {}, `{merged}` a {}",
            keep.kind, gone.kind
        ));
    }
    // Names: the merged name and aliases become aliases; labels fill gaps; so does the description.
    for name in std::iter::once(&gone.name).chain(&gone.aliases) {
        if name != &keep.name && !keep.aliases.contains(name) {
            keep.aliases.push(name.clone());
        }
    }
    for (lang, label) in &gone.labels {
        keep.labels
            .entry(lang.clone())
            .or_insert_with(|| label.clone());
    }
    if keep.description.is_empty() {
        keep.description = gone.description.clone();
    }
    if keep.notice_period_months.is_none() {
        keep.notice_period_months = gone.notice_period_months;
    }
    let mut touched = Touched::node(survivor);
    touched.nodes.insert(merged.to_string());
    let swap = |s: &mut String| {
        if s == merged {
            *s = survivor.to_string();
        }
    };
    // Relations move; one that now duplicates another (same type, ends and role) is folded
    // into it, keeping both relations' evidence.
    let mut moved: Vec<RelationRecord> = vec![];
    for mut x in std::mem::take(&mut r.relations) {
        let refers = x.from == merged || x.to == merged;
        if refers {
            touched.extend(Touched::relation(&x));
            let generated = x.id.is_none();
            swap(&mut x.from);
            swap(&mut x.to);
            if generated {
                x.id = None;
            }
        }
        match moved
            .iter_mut()
            .find(|y| y.rel == x.rel && y.from == x.from && y.to == x.to && y.role == x.role)
        {
            Some(y) if refers => {
                for ev in x.evidence {
                    if !y.evidence.contains(&ev) {
                        y.evidence.push(ev);
                    }
                }
            }
            _ => moved.push(x),
        }
    }
    r.relations = moved;
    for e in &mut r.events {
        let mut changed = false;
        for list in [&mut e.actors, &mut e.addressed_to, &mut e.concerns] {
            for p in list.iter_mut() {
                if p == merged {
                    *p = survivor.to_string();
                    changed = true;
                }
            }
            let mut seen = BTreeSet::new();
            list.retain(|p| seen.insert(p.clone()));
        }
        if let Some(rule) = &mut e.date_rule {
            swap(&mut rule.notice_period_of);
        }
        if changed {
            touched.nodes.insert(e.id.clone());
        }
    }
    for s in &mut r.sources {
        if let Some(p) = &mut s.publisher {
            swap(p);
        }
    }
    r.entities.retain(|e| e.id != merged);
    Ok(touched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{SeedSource, build, read};

    fn seed() -> RecordSet {
        read(&SeedSource::BuiltIn).unwrap()
    }

    fn entity(id: &str, kind: &str, name: &str) -> EntityRecord {
        EntityRecord {
            id: id.into(),
            kind: kind.into(),
            name: name.into(),
            labels: Default::default(),
            aliases: vec![],
            description: String::new(),
            notice_period_months: None,
        }
    }

    #[test]
    fn removing_a_cited_source_or_a_referenced_entity_is_refused() {
        let mut r = seed();
        let src = r.sources[0].id.clone();
        let e = Change::RemoveSource { id: src }.apply(&mut r).unwrap_err();
        assert!(e.0.contains("cited as evidence"), "{e}");
        let e = Change::RemoveEntity {
            id: "state/norway".into(),
            cascade: false,
        }
        .apply(&mut r)
        .unwrap_err();
        assert!(e.0.contains("cascade"), "{e}");
    }

    #[test]
    fn cascade_removal_takes_relations_and_participations_and_still_builds() {
        let mut r = seed();
        let t = Change::RemoveEntity {
            id: "state/norway".into(),
            cascade: true,
        }
        .apply(&mut r)
        .unwrap();
        assert!(
            t.relations
                .contains("state/norway:PARTY_TO:treaty/ottawa-convention")
        );
        assert!(
            r.relations
                .iter()
                .all(|x| x.from != "state/norway" && x.to != "state/norway")
        );
        let g = build(&r).unwrap();
        assert!(g.lookup("state/norway").is_none());
    }

    #[test]
    fn merging_moves_names_relations_and_participations() {
        let mut r = seed();
        let mut dup = entity("person/m-tsahkna", "person", "M. Tsahkna");
        dup.aliases.push("Tsahkna, Margus".into());
        Change::AddEntity { entity: dup }.apply(&mut r).unwrap();
        let rel = RelationRecord {
            id: None,
            rel: "HOLDS_OFFICE".into(),
            from: "person/m-tsahkna".into(),
            to: "org/estonia-mfa".into(),
            role: Some("Minister of Foreign Affairs".into()),
            valid_from: None,
            valid_from_event: None,
            valid_until: None,
            valid_until_event: None,
            evidence: vec![crate::seed::EvidenceRecord {
                source: r.sources[0].id.clone(),
                quote: "Margus Tsakhna confirmed".into(),
            }],
        };
        Change::AddRelation { relation: rel }.apply(&mut r).unwrap();
        Change::MergeEntities {
            survivor: "person/margus-tsahkna".into(),
            merged: "person/m-tsahkna".into(),
        }
        .apply(&mut r)
        .unwrap();
        let g = build(&r).unwrap();
        assert!(g.lookup("person/m-tsahkna").is_none());
        let n = g.node(g.lookup("person/margus-tsahkna").unwrap());
        assert!(n.aliases.contains(&"M. Tsahkna".to_string()));
        assert!(n.aliases.contains(&"Tsahkna, Margus".to_string()));
        // The two HOLDS_OFFICE relations became one, with both quotes.
        let holds: Vec<_> = r
            .relations
            .iter()
            .filter(|x| x.from == "person/margus-tsahkna" && x.rel == "HOLDS_OFFICE")
            .collect();
        assert_eq!(holds.len(), 1);
        assert_eq!(holds[0].evidence.len(), 2);
    }

    #[test]
    fn merging_entities_of_different_kinds_is_refused() {
        let mut r = seed();
        let e = Change::MergeEntities {
            survivor: "state/norway".into(),
            merged: "org/nato".into(),
        }
        .apply(&mut r)
        .unwrap_err();
        assert!(e.0.contains("one kind"), "{e}");
    }

    #[test]
    fn changes_round_trip_through_json() {
        let c = Change::AddEntity {
            entity: entity("state/latvia", "state", "Latvia"),
        };
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["op"], "add_entity");
        assert_eq!(serde_json::from_value::<Change>(json).unwrap(), c);
    }
}
