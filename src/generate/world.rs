//! The cast of a generated graph: how many nodes of each kind ([`Plan`]), the hubs, and every
//! entity's id and name ([`World`]), drawn before any fact refers to them; and their records.

use std::collections::BTreeMap;
use std::io;

use super::names;
use super::rng::Rng;
use super::{GenerateError, MIN_NODES, Options, Sink};
use crate::seed::{EditorialRecord, EntityRecord};

/// How many nodes of each kind.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    pub(super) states: usize,
    /// Two per state: its foreign ministry and one other body.
    pub(super) ministries: usize,
    pub(super) intl: usize,
    pub(super) publishers: usize,
    pub(super) persons: usize,
    pub(super) treaties: usize,
    pub(super) events: usize,
    pub(super) sources: usize,
    /// `SUPPORTS` and `AGGRESSION_AGAINST` relations, spread over the sources.
    pub(super) supports: usize,
    pub(super) aggressions: usize,
}

impl Plan {
    pub(super) fn new(n: usize) -> Result<Plan, GenerateError> {
        if n < MIN_NODES {
            return Err(GenerateError::TooSmall(n));
        }
        let sources = (n / 30).max(2);
        let states = (n * 15 / 1000).max(5);
        let treaties = (n / 200).max(3);
        let intl = (n / 100).max(HUBS.len() + 2);
        let publishers = (sources / 8).max(1);
        let persons = n * 30 / 100;
        let fixed = sources + 3 * states + treaties + intl + publishers + persons;
        Ok(Plan {
            states,
            ministries: 2 * states,
            intl,
            publishers,
            persons,
            treaties,
            events: n - fixed,
            sources,
            supports: n * 7 / 10,
            aggressions: (n / 500).max(1),
        })
    }
}

/// The international organisations that are hubs: id slug, name, acronym, German, French.
pub(super) const HUBS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "un",
        "United Nations",
        "UN",
        "Vereinte Nationen",
        "Nations unies",
    ),
    (
        "nato",
        "North Atlantic Treaty Organization",
        "NATO",
        "Nordatlantikpakt-Organisation",
        "Organisation du traité de l'Atlantique nord",
    ),
    (
        "eu",
        "European Union",
        "EU",
        "Europäische Union",
        "Union européenne",
    ),
    (
        "osce",
        "Organization for Security and Co-operation in Europe",
        "OSCE",
        "Organisation für Sicherheit und Zusammenarbeit in Europa",
        "Organisation pour la sécurité et la coopération en Europe",
    ),
    (
        "african-union",
        "African Union",
        "AU",
        "Afrikanische Union",
        "Union africaine",
    ),
    (
        "asean",
        "Association of Southeast Asian Nations",
        "ASEAN",
        "Verband Südostasiatischer Nationen",
        "Association des nations de l'Asie du Sud-Est",
    ),
];
pub(super) const UN: u32 = 0;
pub(super) const NATO: u32 = 1;
pub(super) const EU: u32 = 2;

/// The second body of each state, after its foreign ministry.
pub(super) const BODIES: &[&str] = &[
    "Ministry of Defence",
    "Ministry of Justice",
    "Ministry of Finance",
    "Ministry of the Interior",
    "Parliament",
];

/// A node, by kind and index within its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ref {
    State(u32),
    Ministry(u32),
    Intl(u32),
    Publisher(u32),
    Person(u32),
    Treaty(u32),
}

/// Every entity's name, generated before anything refers to them.
pub(super) struct World {
    pub(super) plan: Plan,
    pub(super) seed: u64,
    pub(super) states: Vec<String>,
    /// Ministry `2s` is state `s`'s foreign ministry, `2s + 1` its `BODIES[body[s]]`.
    pub(super) ministries: Vec<String>,
    pub(super) body: Vec<u8>,
    pub(super) intl: Vec<String>,
    pub(super) publishers: Vec<String>,
    pub(super) persons: Vec<String>,
    pub(super) treaties: Vec<String>,
    pub(super) notice: Vec<u32>,
}

// Tags of the per-item PRNG streams.
pub(super) const TAG_STATE: u64 = 1;
pub(super) const TAG_INTL: u64 = 2;
pub(super) const TAG_PUBLISHER: u64 = 3;
pub(super) const TAG_PERSON: u64 = 4;
pub(super) const TAG_TREATY: u64 = 5;
pub(super) const TAG_SOURCE: u64 = 6;
pub(super) const TAG_CAREER: u64 = 7;
pub(super) const TAG_MEMBERS: u64 = 8;
pub(super) const TAG_PARTIES: u64 = 9;
pub(super) const TAG_INTL_MEMBERS: u64 = 10;

impl World {
    pub(super) fn id(&self, r: Ref) -> String {
        match r {
            Ref::State(i) => format!("state/s-{i:05}"),
            Ref::Ministry(i) => format!("org/m-{i:06}"),
            Ref::Intl(i) => match HUBS.get(i as usize) {
                Some(hub) => format!("org/{}", hub.0),
                None => format!("org/io-{i:05}"),
            },
            Ref::Publisher(i) => format!("org/pub-{i:05}"),
            Ref::Person(i) => format!("person/p-{i:06}"),
            Ref::Treaty(i) => format!("treaty/t-{i:05}"),
        }
    }

    pub(super) fn name(&self, r: Ref) -> &str {
        match r {
            Ref::State(i) => &self.states[i as usize],
            Ref::Ministry(i) => &self.ministries[i as usize],
            Ref::Intl(i) => &self.intl[i as usize],
            Ref::Publisher(i) => &self.publishers[i as usize],
            Ref::Person(i) => &self.persons[i as usize],
            Ref::Treaty(i) => &self.treaties[i as usize],
        }
    }

    /// A number unique to the node, for the set of relations already made.
    pub(super) fn key(&self, r: Ref) -> u64 {
        let p = &self.plan;
        let (base, i) = match r {
            Ref::State(i) => (0, i),
            Ref::Ministry(i) => (p.states, i),
            Ref::Intl(i) => (p.states + p.ministries, i),
            Ref::Publisher(i) => (p.states + p.ministries + p.intl, i),
            Ref::Person(i) => (p.states + p.ministries + p.intl + p.publishers, i),
            Ref::Treaty(i) => (
                p.states + p.ministries + p.intl + p.publishers + p.persons,
                i,
            ),
        };
        (base + i as usize) as u64
    }

    /// Names what the node's name should be preceded by in a sentence.
    pub(super) fn the(&self, r: Ref) -> String {
        match r {
            Ref::Ministry(_) | Ref::Intl(_) | Ref::Treaty(_) => format!("the {}", self.name(r)),
            _ => self.name(r).to_string(),
        }
    }

    pub(super) fn state(&self, rng: &mut Rng) -> Ref {
        Ref::State(rng.skewed(self.plan.states) as u32)
    }
    pub(super) fn treaty(&self, rng: &mut Rng) -> Ref {
        Ref::Treaty(rng.skewed(self.plan.treaties) as u32)
    }
    pub(super) fn person(&self, rng: &mut Rng) -> Ref {
        Ref::Person(rng.below(self.plan.persons) as u32)
    }
    pub(super) fn ministry(&self, rng: &mut Rng) -> Ref {
        Ref::Ministry(rng.below(self.plan.ministries) as u32)
    }
    pub(super) fn intl(&self, rng: &mut Rng) -> Ref {
        Ref::Intl(rng.below(self.plan.intl) as u32)
    }

    /// Someone who acts: mostly officials, then states and their bodies.
    pub(super) fn actor(&self, rng: &mut Rng) -> Ref {
        match rng.below(20) {
            0..=9 => self.person(rng),
            10..=14 => self.state(rng),
            15..=17 => self.ministry(rng),
            _ => self.intl(rng),
        }
    }

    /// What an event is about.
    pub(super) fn subject(&self, rng: &mut Rng) -> Ref {
        match rng.below(20) {
            0..=7 => self.state(rng),
            8..=12 => self.treaty(rng),
            13..=16 => self.person(rng),
            17..=18 => self.intl(rng),
            _ => self.ministry(rng),
        }
    }

    /// Whom a note or a statement is addressed to: the hubs, often.
    pub(super) fn addressee(&self, rng: &mut Rng) -> Ref {
        match rng.below(20) {
            0..=6 => Ref::Intl(UN),
            7..=8 => Ref::Intl(NATO),
            9..=10 => Ref::Intl(EU),
            11..=14 => self.state(rng),
            _ => self.intl(rng),
        }
    }
}

pub(super) fn build_world(opts: &Options, plan: Plan) -> World {
    let seed = opts.seed;
    let mut w = World {
        plan,
        seed,
        states: Vec::with_capacity(plan.states),
        ministries: Vec::with_capacity(plan.ministries),
        body: Vec::with_capacity(plan.states),
        intl: Vec::with_capacity(plan.intl),
        publishers: Vec::with_capacity(plan.publishers),
        persons: Vec::with_capacity(plan.persons),
        treaties: Vec::with_capacity(plan.treaties),
        notice: Vec::with_capacity(plan.treaties),
    };
    for i in 0..plan.states {
        let mut rng = Rng::derive(seed, TAG_STATE, i as u64);
        let (name, _, _) = names::state(&mut rng);
        let body = rng.below(BODIES.len());
        w.ministries
            .push(format!("Ministry of Foreign Affairs of {name}"));
        w.ministries.push(format!("{} of {name}", BODIES[body]));
        w.body.push(body as u8);
        w.states.push(name);
    }
    for i in 0..plan.intl {
        match HUBS.get(i) {
            Some(hub) => w.intl.push(hub.1.to_string()),
            None => {
                let mut rng = Rng::derive(seed, TAG_INTL, i as u64);
                w.intl.push(names::organisation(&mut rng).0);
            }
        }
    }
    for i in 0..plan.publishers {
        let mut rng = Rng::derive(seed, TAG_PUBLISHER, i as u64);
        w.publishers.push(names::publisher(&mut rng));
    }
    for i in 0..plan.persons {
        let mut rng = Rng::derive(seed, TAG_PERSON, i as u64);
        w.persons.push(names::person(&mut rng).0);
    }
    for i in 0..plan.treaties {
        let mut rng = Rng::derive(seed, TAG_TREATY, i as u64);
        let (name, months) = names::treaty(&mut rng);
        w.treaties.push(name);
        w.notice.push(months);
    }
    w
}

/// The entity records (names drawn again from the same streams as [`build_world`]).
pub(super) fn write_entities(w: &World, sink: &mut dyn Sink) -> io::Result<usize> {
    let seed = w.seed;
    let entity = |id: String, kind: &str, name: &str| EntityRecord {
        id,
        kind: kind.to_string(),
        name: name.to_string(),
        labels: BTreeMap::new(),
        aliases: vec![],
        ..Default::default()
    };
    // Descriptions and notice periods are the generator's background, not any article's.
    let background = || {
        Some(EditorialRecord {
            by: "newsgraph generate".into(),
            at: "2026-01-01".into(),
            note: Some("synthetic background".into()),
        })
    };
    let mut count = 0;
    for i in 0..w.plan.states {
        let mut rng = Rng::derive(seed, TAG_STATE, i as u64);
        let (name, aliases, labels) = names::state(&mut rng);
        let r = Ref::State(i as u32);
        let mut e = entity(w.id(r), "state", &name);
        e.aliases = aliases;
        e.labels = labels;
        e.description = format!(
            "A state; its foreign ministry is the {}.",
            w.ministries[2 * i]
        );
        e.description_editorial = background();
        sink.entity(e)?;
        count += 1;
    }
    for i in 0..w.plan.ministries {
        let r = Ref::Ministry(i as u32);
        let mut e = entity(w.id(r), "organization", w.name(r));
        if i % 2 == 0 {
            let adj = names::adjective(&w.states[i / 2]);
            e.aliases = vec![format!("{adj} Foreign Ministry")];
        }
        sink.entity(e)?;
        count += 1;
    }
    for i in 0..w.plan.intl {
        let r = Ref::Intl(i as u32);
        let mut e = entity(w.id(r), "organization", w.name(r));
        match HUBS.get(i) {
            Some(&(_, _, acronym, de, fr)) => {
                e.aliases = vec![acronym.to_string()];
                e.labels = BTreeMap::from([("de".into(), de.into()), ("fr".into(), fr.into())]);
                e.description = "An international organisation; a hub of the graph.".into();
                e.description_editorial = background();
            }
            None => {
                let mut rng = Rng::derive(seed, TAG_INTL, i as u64);
                e.aliases = vec![names::organisation(&mut rng).1];
                e.description = "An international organisation.".into();
                e.description_editorial = background();
            }
        }
        sink.entity(e)?;
        count += 1;
    }
    for i in 0..w.plan.publishers {
        let r = Ref::Publisher(i as u32);
        let mut e = entity(w.id(r), "organization", w.name(r));
        e.description = "A newspaper.".into();
        e.description_editorial = background();
        sink.entity(e)?;
        count += 1;
    }
    for i in 0..w.plan.persons {
        let mut rng = Rng::derive(seed, TAG_PERSON, i as u64);
        let (name, aliases) = names::person(&mut rng);
        let mut e = entity(w.id(Ref::Person(i as u32)), "person", &name);
        e.aliases = aliases;
        sink.entity(e)?;
        count += 1;
    }
    for i in 0..w.plan.treaties {
        let r = Ref::Treaty(i as u32);
        let mut e = entity(w.id(r), "treaty", w.name(r));
        e.notice_period_months = Some(w.notice[i]);
        e.notice_period_editorial = background();
        sink.entity(e)?;
        count += 1;
    }
    Ok(count)
}
