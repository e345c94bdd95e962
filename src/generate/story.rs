//! The facts of a generated graph, one article at a time: each source is a story whose events
//! and relations are made with it, their sentences appended to its text (so every quote is
//! found verbatim), then written out before the next story begins.

use std::collections::{BTreeMap, HashSet};
use std::io;

use chrono::{Datelike, NaiveDate};

use super::rng::Rng;
use super::world::{
    BODIES, EU, HUBS, NATO, Ref, TAG_CAREER, TAG_INTL_MEMBERS, TAG_MEMBERS, TAG_PARTIES,
    TAG_SOURCE, UN, World,
};
use super::{Sink, Summary, names};
use crate::seed::{
    DateRuleRecord, EventRecord, EvidenceRecord, ParticipantRecord, RelationRecord, SourceRecord,
};

fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn date(d: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(d).expect("generated dates are in range")
}

fn iso(d: i32) -> String {
    date(d).format("%Y-%m-%d").to_string()
}

fn long(d: i32) -> String {
    date(d).format("%-d %B %Y").to_string()
}

fn first_day() -> i32 {
    day(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap())
}

fn last_day() -> i32 {
    day(NaiveDate::from_ymd_opt(2025, 12, 31).unwrap())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// One article being written: its id, its text so far and what it reports.
struct Article {
    id: String,
    text: String,
}

impl Article {
    /// Appends `sentence` and returns `quote` (a part of it) as evidence, with where it starts
    /// in the text (the text is the source's from its start: see [`Gen::article`]).
    fn cite(&mut self, sentence: &str, quote: String) -> Vec<EvidenceRecord> {
        let within = sentence.find(&quote);
        debug_assert!(within.is_some(), "{quote:?} is not in {sentence:?}");
        self.text.push(' ');
        let start = within.map(|w| (self.text.len() + w) as u32);
        self.text.push_str(sentence);
        vec![EvidenceRecord {
            source: self.id.clone(),
            quote,
            start,
        }]
    }
}

/// The relation-type numbers of the set of relations already made.
#[derive(Clone, Copy)]
enum Rel {
    HoldsOffice = 1,
    PartOf,
    MemberOf,
    PartyTo,
    Supports,
    Aggression,
}

impl Rel {
    fn as_str(self) -> &'static str {
        match self {
            Rel::HoldsOffice => "HOLDS_OFFICE",
            Rel::PartOf => "PART_OF",
            Rel::MemberOf => "MEMBER_OF",
            Rel::PartyTo => "PARTY_TO",
            Rel::Supports => "SUPPORTS",
            Rel::Aggression => "AGGRESSION_AGAINST",
        }
    }
}

/// The facts being made, one article at a time.
pub(super) struct Gen<'w> {
    pub(super) w: &'w World,
    /// `from`, type and `to` of every explicit relation made: ids must be unique.
    pub(super) used: HashSet<u64>,
    pub(super) summary: Summary,
}

/// Splits `total` items over `parts`: the range of part `k`.
fn share(total: usize, parts: usize, k: usize) -> std::ops::Range<usize> {
    total * k / parts..total * (k + 1) / parts
}

impl Gen<'_> {
    /// Whether `from TYPE to` is new (and now taken).
    fn fresh(&mut self, from: Ref, rel: Rel, to: Ref) -> bool {
        let key = (self.w.key(from) << 34) | ((rel as u64) << 30) | self.w.key(to);
        from != to && self.used.insert(key)
    }

    #[allow(clippy::too_many_arguments)]
    fn relation(
        &mut self,
        sink: &mut dyn Sink,
        rel: Rel,
        from: Ref,
        to: Ref,
        role: Option<String>,
        valid: (Option<i32>, Option<i32>),
        evidence: Vec<EvidenceRecord>,
    ) -> io::Result<()> {
        self.summary.relations += 1;
        sink.relation(RelationRecord {
            id: None,
            rel: rel.as_str().into(),
            from: self.w.id(from),
            to: self.w.id(to),
            role,
            valid_from: valid.0.map(iso),
            valid_from_event: None,
            valid_until: valid.1.map(iso),
            valid_until_event: None,
            evidence,
        })
    }

    /// One source: a story of events and relations, then the source with their sentences.
    pub(super) fn article(&mut self, k: usize, sink: &mut dyn Sink) -> io::Result<()> {
        let w = self.w;
        let p = w.plan;
        let mut rng = Rng::derive(w.seed, TAG_SOURCE, k as u64);
        let published =
            first_day() + 365 + rng.below((last_day() - first_day() - 365) as usize) as i32;
        let publisher = Ref::Publisher((k % p.publishers) as u32);
        let byline = format!("{} - {}", w.name(publisher), long(published));
        let mut a = Article {
            id: format!("source/src-{k:06}"),
            text: format!("{byline}."),
        };
        let mut headline = None;
        let mut story: Vec<(usize, String)> = vec![];

        let events = share(p.events, p.sources, k);
        let mut i = events.start;
        while i < events.end {
            let when = published - rng.below(365) as i32;
            let title = if i + 1 < events.end && rng.chance(0.04) {
                if let Some(t) = self.withdrawal(sink, &mut rng, &mut a, i, when)? {
                    i += 2;
                    Some(t)
                } else {
                    None
                }
            } else {
                None
            };
            let start = i;
            let title = match title {
                Some(t) => t,
                None => {
                    i += 1;
                    self.event(sink, &mut rng, &mut a, i - 1, when)?
                }
            };
            headline.get_or_insert_with(|| title.clone());
            story.push((start, title));
        }

        // The standing facts, each list spread over the sources by index.
        for m in (k..p.ministries).step_by(p.sources) {
            let (from, to) = (Ref::Ministry(m as u32), Ref::State((m / 2) as u32));
            if self.fresh(from, Rel::PartOf, to) {
                let quote = format!(
                    "The {} is part of the government of {}",
                    w.name(from),
                    w.name(to)
                );
                let ev = a.cite(&format!("{quote}."), quote);
                self.relation(sink, Rel::PartOf, from, to, None, (None, None), ev)?;
            }
        }
        for s in (k..p.states).step_by(p.sources) {
            self.memberships(sink, &mut a, s)?;
        }
        for o in (k..p.intl).step_by(p.sources) {
            self.intl_memberships(sink, &mut a, o)?;
        }
        for t in (k..p.treaties).step_by(p.sources) {
            self.parties(sink, &mut a, t)?;
        }
        for person in (k..p.persons).step_by(p.sources) {
            self.career(sink, &mut a, person)?;
        }
        for _ in share(p.supports, p.sources, k) {
            self.support(sink, &mut rng, &mut a, &story)?;
        }
        for _ in share(p.aggressions, p.sources, k) {
            self.aggression(sink, &mut rng, &mut a)?;
        }

        let headline = headline.unwrap_or_else(|| format!("News from {}", w.name(publisher)));
        self.summary.sources += 1;
        self.summary.relations += 1; // PUBLISHED_BY
        // The byline opens the text (the headline is the title), so the quotes' starts hold.
        a.text.push('\n');
        let text = a.text;
        sink.source(SourceRecord {
            id: a.id,
            title: headline,
            description: String::new(),
            publisher: Some(w.id(publisher)),
            byline: Some(byline),
            url: Some(format!(
                "https://news.example/{}/{k}",
                w.id(publisher).trim_start_matches("org/")
            )),
            published: format!("{}T09:00:00+00:00", iso(published)),
            language: "en".into(),
            text_file: None,
            text: Some(text),
            ..Default::default()
        })
    }

    fn push_event(&mut self, sink: &mut dyn Sink, e: EventRecord) -> io::Result<()> {
        let n = e.actors.len() + e.addressed_to.len() + e.concerns.len();
        self.summary.events += 1;
        self.summary.participations += n;
        self.summary.relations += n;
        sink.event(e)
    }

    /// An ordinary event; its title.
    fn event(
        &mut self,
        sink: &mut dyn Sink,
        rng: &mut Rng,
        a: &mut Article,
        i: usize,
        when: i32,
    ) -> io::Result<String> {
        let w = self.w;
        let (kind, verbs): (&str, &[&str]) = match rng.below(20) {
            0..=4 => (
                "statement",
                &[
                    "commented on",
                    "criticised",
                    "praised",
                    "raised concerns about",
                    "called for talks on",
                ],
            ),
            5..=7 => (
                "announcement",
                &["announced new measures on", "announced a review of"],
            ),
            8..=9 => (
                "decision",
                &["adopted a decision on", "decided to reconsider"],
            ),
            10 => (
                "approval",
                &["approved the plan on", "endorsed the position on"],
            ),
            11..=12 => ("notification", &["gave formal notice concerning"]),
            13 => ("signing", &["signed an agreement on"]),
            14 => ("ratification", &["ratified the agreement on"]),
            15 => (
                "entry-into-force",
                &["welcomed the entry into force of the rules on"],
            ),
            16 => ("publication", &["published a report on"]),
            _ => ("other", &["met to discuss", "held talks on"]),
        };
        let mut actors: Vec<Ref> = vec![];
        let mut concerns: Vec<Ref> = vec![];
        let mut addressed: Vec<Ref> = vec![];
        match kind {
            "notification" | "ratification" => {
                let s = w.state(rng);
                actors.push(s);
                if let Ref::State(s) = s
                    && rng.chance(0.5)
                {
                    actors.push(Ref::Ministry(2 * s));
                }
                concerns.push(w.treaty(rng));
                addressed.push(if rng.chance(0.7) {
                    Ref::Intl(UN)
                } else {
                    w.intl(rng)
                });
            }
            "signing" => {
                for _ in 0..rng.range(2, 4) {
                    actors.push(w.state(rng));
                }
                concerns.push(w.treaty(rng));
            }
            "publication" => actors.push(Ref::Publisher(rng.below(w.plan.publishers) as u32)),
            _ => {}
        }
        for _ in actors.len()..rng.range(1, 3) {
            actors.push(w.actor(rng));
        }
        for _ in concerns.len()..rng.range(1, 4) {
            concerns.push(w.subject(rng));
        }
        let extra = match rng.below(20) {
            0..=4 => 0,
            5..=12 => 1,
            13..=16 => 2,
            _ => 3,
        };
        for _ in 0..extra {
            addressed.push(w.addressee(rng));
        }
        for list in [&mut actors, &mut concerns, &mut addressed] {
            let mut seen = vec![];
            list.retain(|r| {
                let new = !seen.contains(r);
                seen.push(*r);
                new
            });
        }
        let verb = *rng.pick(verbs);
        let join = |list: &[Ref]| -> String {
            let v: Vec<String> = list.iter().map(|r| w.the(*r)).collect();
            let v: Vec<&str> = v.iter().map(String::as_str).collect();
            names::list(&v)
        };
        let mut quote = format!("{} {verb} {}", join(&actors), join(&concerns));
        if !addressed.is_empty() {
            quote.push_str(&format!(" in a note to {}", join(&addressed)));
        }
        let month = rng.chance(0.1);
        let sentence = if month {
            format!("In {}, {quote}.", date(when).format("%B %Y"))
        } else {
            format!("On {}, {quote}.", long(when))
        };
        let title = capitalise(&format!(
            "{} {verb} {}",
            w.the(actors[0]),
            w.the(concerns[0])
        ));
        let evidence = a.cite(&sentence, quote);
        let d = date(when);
        let ids = |list: &[Ref]| {
            list.iter()
                .map(|r| ParticipantRecord::Id(w.id(*r)))
                .collect::<Vec<_>>()
        };
        self.push_event(
            sink,
            EventRecord {
                id: format!("event/e-{i:07}"),
                kind: kind.into(),
                title: title.clone(),
                labels: BTreeMap::new(),
                aliases: vec![],
                description: String::new(),
                date: Some(if month {
                    format!("{:04}-{:02}", d.year(), d.month())
                } else {
                    iso(when)
                }),
                date_rule: None,
                actors: ids(&actors),
                addressed_to: ids(&addressed),
                concerns: ids(&concerns),
                evidence,
                ..Default::default()
            },
        )?;
        Ok(title)
    }

    /// A state notifies the UN that it leaves a treaty (event `i`); the withdrawal takes effect
    /// the treaty's notice period later (event `i + 1`, a computed date), which ends the
    /// state's `PARTY_TO`. `None` when the drawn state is already a party (no event made).
    fn withdrawal(
        &mut self,
        sink: &mut dyn Sink,
        rng: &mut Rng,
        a: &mut Article,
        i: usize,
        when: i32,
    ) -> io::Result<Option<String>> {
        let w = self.w;
        let (state, treaty) = (w.state(rng), w.treaty(rng));
        if !self.fresh(state, Rel::PartyTo, treaty) {
            return Ok(None);
        }
        let Ref::Treaty(t) = treaty else {
            unreachable!()
        };
        let months = w.notice[t as usize];
        let (s_name, t_name) = (w.name(state), w.the(treaty));
        let notification = format!("event/e-{i:07}");
        let effect = format!("event/e-{:07}", i + 1);

        let quote = format!("{s_name} notified the United Nations of its withdrawal from {t_name}");
        let evidence = a.cite(&format!("On {}, {quote}.", long(when)), quote);
        let title = format!("{s_name} notifies the United Nations of its withdrawal from {t_name}");
        self.push_event(
            sink,
            EventRecord {
                id: notification.clone(),
                kind: "notification".into(),
                title: title.clone(),
                labels: BTreeMap::new(),
                aliases: vec![],
                description: String::new(),
                date: Some(iso(when)),
                date_rule: None,
                actors: vec![ParticipantRecord::Id(w.id(state))],
                addressed_to: vec![ParticipantRecord::Id(w.id(Ref::Intl(UN)))],
                concerns: vec![ParticipantRecord::Id(w.id(treaty))],
                evidence,
                ..Default::default()
            },
        )?;
        let quote = format!(
            "The withdrawal of {s_name} from {t_name} takes effect {months} months after its notification"
        );
        let evidence = a.cite(&format!("{quote}."), quote);
        self.push_event(
            sink,
            EventRecord {
                id: effect.clone(),
                kind: "withdrawal-effective".into(),
                title: format!("{s_name}'s withdrawal from {t_name} takes effect"),
                labels: BTreeMap::new(),
                aliases: vec![],
                description: String::new(),
                date: None,
                date_rule: Some(DateRuleRecord {
                    after: notification,
                    notice_period_of: w.id(treaty),
                }),
                actors: vec![],
                addressed_to: vec![],
                concerns: vec![
                    ParticipantRecord::Id(w.id(treaty)),
                    ParticipantRecord::Id(w.id(state)),
                ],
                evidence,
                ..Default::default()
            },
        )?;
        self.summary.relations += 1; // the LEADS_TO the computed date adds
        let since = when - rng.range(365, 15 * 365) as i32;
        let quote = format!(
            "{s_name} had been a party to {t_name} since {}",
            long(since)
        );
        let evidence = a.cite(&format!("{quote}."), quote);
        self.summary.relations += 1;
        sink.relation(RelationRecord {
            id: None,
            rel: Rel::PartyTo.as_str().into(),
            from: w.id(state),
            to: w.id(treaty),
            role: None,
            valid_from: Some(iso(since)),
            valid_from_event: None,
            valid_until: None,
            valid_until_event: Some(effect),
            evidence,
        })?;
        Ok(Some(title))
    }

    /// State `s` in the UN (every state), NATO and the EU (some), and a few other bodies.
    fn memberships(&mut self, sink: &mut dyn Sink, a: &mut Article, s: usize) -> io::Result<()> {
        let w = self.w;
        let mut rng = Rng::derive(w.seed, TAG_MEMBERS, s as u64);
        let state = Ref::State(s as u32);
        let mut orgs = vec![(Ref::Intl(UN), None)];
        if rng.chance(0.25) {
            orgs.push((Ref::Intl(NATO), Some(self.past(&mut rng))));
        }
        if rng.chance(0.15) {
            orgs.push((Ref::Intl(EU), Some(self.past(&mut rng))));
        }
        for _ in 0..rng.range(1, 7) {
            let o = HUBS.len() + rng.below(w.plan.intl - HUBS.len());
            orgs.push((Ref::Intl(o as u32), None));
        }
        for (org, since) in orgs {
            if !self.fresh(state, Rel::MemberOf, org) {
                continue;
            }
            let ev = match since {
                None => {
                    let quote = format!("{} is a member of {}", w.name(state), w.the(org));
                    a.cite(&format!("{quote}."), quote)
                }
                Some(d) => {
                    let quote = format!("{} joined {} on {}", w.name(state), w.the(org), long(d));
                    a.cite(&format!("{quote}."), quote)
                }
            };
            self.relation(sink, Rel::MemberOf, state, org, None, (since, None), ev)?;
        }
        Ok(())
    }

    /// A day from 1995 to 2024, for things that began before the story.
    fn past(&self, rng: &mut Rng) -> i32 {
        first_day() - 5 * 365 + rng.below(29 * 365) as i32
    }

    /// Organisation `o` in up to two others.
    fn intl_memberships(
        &mut self,
        sink: &mut dyn Sink,
        a: &mut Article,
        o: usize,
    ) -> io::Result<()> {
        let w = self.w;
        let mut rng = Rng::derive(w.seed, TAG_INTL_MEMBERS, o as u64);
        let from = Ref::Intl(o as u32);
        for _ in 0..rng.range(0, 2) {
            let to = w.intl(&mut rng);
            if self.fresh(from, Rel::MemberOf, to) {
                let quote = format!("{} is a member of {}", capitalise(&w.the(from)), w.the(to));
                let ev = a.cite(&format!("{quote}."), quote);
                self.relation(sink, Rel::MemberOf, from, to, None, (None, None), ev)?;
            }
        }
        Ok(())
    }

    /// The parties of treaty `t`: about 60 states on average, four in five for treaty 0.
    fn parties(&mut self, sink: &mut dyn Sink, a: &mut Article, t: usize) -> io::Result<()> {
        let w = self.w;
        let n = w.plan.states;
        let mut rng = Rng::derive(w.seed, TAG_PARTIES, t as u64);
        let count = if t == 0 {
            n * 4 / 5
        } else {
            (1 + rng.below(120)).min(n)
        };
        let treaty = Ref::Treaty(t as u32);
        let mut chosen = vec![];
        if count * 3 >= n {
            let p = count as f64 / n as f64;
            chosen.extend((0..n).filter(|_| rng.chance(p)));
        } else {
            let mut seen = HashSet::new();
            while chosen.len() < count {
                let s = rng.skewed(n);
                if seen.insert(s) {
                    chosen.push(s);
                }
            }
        }
        for s in chosen {
            let state = Ref::State(s as u32);
            if !self.fresh(state, Rel::PartyTo, treaty) {
                continue;
            }
            let since = self.past(&mut rng);
            let quote = format!(
                "{} became a party to {} on {}",
                w.name(state),
                w.the(treaty),
                long(since)
            );
            let ev = a.cite(&format!("{quote}."), quote);
            self.relation(
                sink,
                Rel::PartyTo,
                state,
                treaty,
                None,
                (Some(since), None),
                ev,
            )?;
        }
        Ok(())
    }

    /// The offices person `i` held, one after another; the last may last until today.
    fn career(&mut self, sink: &mut dyn Sink, a: &mut Article, i: usize) -> io::Result<()> {
        let w = self.w;
        let p = w.plan;
        let mut rng = Rng::derive(w.seed, TAG_CAREER, i as u64);
        let person = Ref::Person(i as u32);
        let home = if rng.chance(0.5) {
            rng.below(p.states)
        } else {
            rng.skewed(p.states)
        };
        let mut start = first_day() + rng.below(20 * 365) as i32;
        for _ in 0..rng.range(1, 3) {
            let (org, roles): (Ref, &[&str]) = match rng.below(20) {
                0..=5 => (
                    Ref::Ministry(2 * home as u32),
                    &[
                        "Minister of Foreign Affairs",
                        "Deputy Minister",
                        "State Secretary",
                        "Spokesperson",
                    ],
                ),
                6..=11 => (
                    Ref::Ministry(2 * home as u32 + 1),
                    if BODIES[w.body[home] as usize] == "Parliament" {
                        &["Member of Parliament", "Speaker"]
                    } else {
                        &["Minister", "Deputy Minister", "Director", "Adviser"]
                    },
                ),
                12..=14 => (
                    Ref::State(home as u32),
                    &[
                        "President",
                        "Prime Minister",
                        "Ambassador to the United Nations",
                    ],
                ),
                15..=17 => (
                    w.intl(&mut rng),
                    &["Secretary-General", "Special Envoy", "Director"],
                ),
                _ => (
                    Ref::Publisher(rng.below(p.publishers) as u32),
                    &["Editor", "Correspondent"],
                ),
            };
            let role = *rng.pick(roles);
            let until = start + rng.range(365, 6 * 365) as i32;
            let open = until > last_day();
            if self.fresh(person, Rel::HoldsOffice, org) {
                let (name, place) = (w.name(person), w.the(org));
                let what = match org {
                    Ref::State(_) => format!("{role} of {place}"),
                    Ref::Publisher(_) => format!("{role} for {place}"),
                    _ => format!("{role} in {place}"),
                };
                let ev = if open {
                    let quote = format!("{name} has served as {what}");
                    a.cite(&format!("Since {}, {quote}.", long(start)), quote)
                } else {
                    let quote = format!("{name} served as {what}");
                    a.cite(
                        &format!("From {} to {}, {quote}.", long(start), long(until)),
                        quote,
                    )
                };
                let valid = (Some(start), (!open).then_some(until));
                self.relation(
                    sink,
                    Rel::HoldsOffice,
                    person,
                    org,
                    Some(role.into()),
                    valid,
                    ev,
                )?;
            }
            if open {
                break;
            }
            start = until + rng.below(200) as i32;
        }
        Ok(())
    }

    /// Someone declares support for someone or something (sometimes an event of the story).
    fn support(
        &mut self,
        sink: &mut dyn Sink,
        rng: &mut Rng,
        a: &mut Article,
        story: &[(usize, String)],
    ) -> io::Result<()> {
        let w = self.w;
        let from = match rng.below(20) {
            0..=10 => w.person(rng),
            11..=15 => w.state(rng),
            _ => w.ministry(rng),
        };
        if rng.chance(0.15) && !story.is_empty() {
            // Events are not `Ref`s: their keys are their numbers with bit 29 set.
            let (e, title) = rng.pick(story);
            let e = *e;
            let key = (w.key(from) << 34) | ((Rel::Supports as u64) << 30) | (1 << 29) | e as u64;
            if self.used.insert(key) {
                let quote = format!("{} welcomed the news ({title})", capitalise(&w.the(from)));
                let ev = a.cite(&format!("{quote}."), quote);
                self.summary.relations += 1;
                sink.relation(RelationRecord {
                    id: None,
                    rel: Rel::Supports.as_str().into(),
                    from: w.id(from),
                    to: format!("event/e-{e:07}"),
                    role: None,
                    valid_from: None,
                    valid_from_event: None,
                    valid_until: None,
                    valid_until_event: None,
                    evidence: ev,
                })?;
            }
            return Ok(());
        }
        let to = match rng.below(20) {
            0..=5 => w.state(rng),
            6..=9 => w.person(rng),
            10..=12 => w.treaty(rng),
            13..=15 => w.intl(rng),
            16 => Ref::Intl(UN),
            _ => w.ministry(rng),
        };
        if self.fresh(from, Rel::Supports, to) {
            let quote = format!(
                "{} declared support for {}",
                capitalise(&w.the(from)),
                w.the(to)
            );
            let ev = a.cite(&format!("{quote}."), quote);
            self.relation(sink, Rel::Supports, from, to, None, (None, None), ev)?;
        }
        Ok(())
    }

    /// A state's aggression against another, some of them over.
    fn aggression(
        &mut self,
        sink: &mut dyn Sink,
        rng: &mut Rng,
        a: &mut Article,
    ) -> io::Result<()> {
        let w = self.w;
        let (from, to) = (w.state(rng), Ref::State(rng.below(w.plan.states) as u32));
        if !self.fresh(from, Rel::Aggression, to) {
            return Ok(());
        }
        let since = first_day() + rng.below(24 * 365) as i32;
        let quote = format!(
            "{} launched an aggression against {} on {}",
            w.name(from),
            w.name(to),
            long(since)
        );
        let mut ev = a.cite(&format!("{quote}."), quote);
        let until = rng
            .chance(0.3)
            .then(|| since + rng.range(30, 3 * 365) as i32);
        if let Some(u) = until {
            let quote = format!(
                "The aggression of {} against {} ended on {}",
                w.name(from),
                w.name(to),
                long(u)
            );
            ev.extend(a.cite(&format!("{quote}."), quote));
        }
        self.relation(
            sink,
            Rel::Aggression,
            from,
            to,
            None,
            (Some(since), until),
            ev,
        )
    }
}
