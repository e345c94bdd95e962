//! Invented names for the synthetic graph, built from syllables so that there are many of
//! them, they look like names, and search over them has something to tell apart: persons
//! with other spellings of their surname, states with German and French labels, organisations
//! with acronyms.

use std::collections::BTreeMap;

use super::rng::Rng;

const SYLLABLES: &[&str] = &[
    "ka", "lo", "ri", "ven", "tor", "mar", "sel", "dan", "bri", "vo", "ne", "sta", "lu", "mi",
    "gor", "tal", "ber", "zan", "ei", "ost", "ar", "kel", "do", "ra", "vik", "sun", "pe", "tsa",
    "mo", "lin", "har", "es", "to", "va", "nor", "il", "ju", "ko", "ste", "bal",
];
const STATE_ENDINGS: &[&str] = &["ia", "land", "stan", "ova", "ar", "ene", "ia", "ica"];
const SURNAME_ENDINGS: &[&str] = &[
    "son", "ov", "enko", "is", "ez", "berg", "ic", "an", "", "as", "ski", "elli",
];
const ORG_KINDS: &[&str] = &[
    "Cooperation Council",
    "Development Bank",
    "Trade Organization",
    "Commission",
    "Forum",
    "League",
    "Security Pact",
    "Energy Community",
];
const PAPERS: &[&str] = &[
    "Herald", "Times", "Post", "Gazette", "Tribune", "Courier", "Daily", "Observer",
];
pub const TOPICS: &[&str] = &[
    "Anti-Personnel Mines",
    "Cluster Munitions",
    "Climate Change",
    "Maritime Borders",
    "the Arms Trade",
    "Cultural Heritage",
    "Data Protection",
    "Nuclear Tests",
    "Fisheries",
    "Migration",
    "Civil Aviation",
    "Rivers and Lakes",
];

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn word(rng: &mut Rng, syllables: usize) -> String {
    let mut w = String::new();
    for _ in 0..syllables {
        let s = SYLLABLES[rng.below(SYLLABLES.len())];
        w.push_str(s);
    }
    capitalise(&w)
}

/// A state: its name, aliases and labels.
pub fn state(rng: &mut Rng) -> (String, Vec<String>, BTreeMap<String, String>) {
    let n = rng.range(1, 2);
    let stem = word(rng, n);
    let ending = *rng.pick(STATE_ENDINGS);
    // `Venri` + `ia` reads better as `Venria`.
    let vowel = |c: Option<char>| c.is_some_and(|c| "aeiou".contains(c));
    let stem = if vowel(stem.chars().last()) && vowel(ending.chars().next()) {
        stem[..stem.len() - 1].to_string()
    } else {
        stem
    };
    let name = format!("{stem}{ending}");
    let mut labels = BTreeMap::new();
    if rng.chance(0.6) {
        let (de, fr) = match ending {
            "ia" => (format!("{stem}ien"), format!("{stem}ie")),
            "ica" => (format!("{stem}ika"), format!("{stem}ique")),
            "land" => (name.clone(), format!("{stem}lande")),
            "ova" => (format!("{stem}owa"), format!("{stem}ovie")),
            _ => (name.replace('c', "k"), format!("{name}e")),
        };
        if de != name {
            labels.insert("de".to_string(), de);
        }
        labels.insert("fr".to_string(), fr);
    }
    let mut aliases = vec![];
    if rng.chance(0.2) {
        let form = *rng.pick(&["Republic", "Kingdom", "Federation", "Principality"]);
        aliases.push(format!("{form} of {name}"));
    }
    (name, aliases, labels)
}

/// The adjective of a state's name (`Valdoria` → `Valdorian`).
pub fn adjective(state: &str) -> String {
    if state.ends_with('a') {
        format!("{state}n")
    } else if state.ends_with('n') {
        format!("{state}ese")
    } else {
        format!("{state}ian")
    }
}

/// A person's name and, for some, other spellings (`Tsahkna`, `Tsakhna`) or initials.
pub fn person(rng: &mut Rng) -> (String, Vec<String>) {
    let first = word(rng, 2);
    let n = rng.range(1, 2);
    let stem = word(rng, n);
    let last = format!("{stem}{}", rng.pick(SURNAME_ENDINGS));
    let name = format!("{first} {last}");
    let mut aliases = vec![];
    if rng.chance(0.15) {
        let variants = [
            ("ts", "tz"),
            ("k", "kh"),
            ("v", "w"),
            ("ov", "off"),
            ("i", "y"),
        ];
        if let Some(alt) = variants
            .iter()
            .map(|(a, b)| last.replacen(a, b, 1))
            .find(|alt| *alt != last)
        {
            aliases.push(format!("{first} {alt}"));
        }
    }
    if rng.chance(0.05) {
        aliases.push(format!("{}. {last}", &first[..1]));
    }
    (name, aliases)
}

/// An international organisation and its acronym.
pub fn organisation(rng: &mut Rng) -> (String, String) {
    let n = rng.range(2, 3);
    let region = word(rng, n);
    let kind = *rng.pick(ORG_KINDS);
    let name = format!("{region} {kind}");
    let acronym: String = name.split(' ').filter_map(|w| w.chars().next()).collect();
    (name, acronym)
}

/// A newspaper.
pub fn publisher(rng: &mut Rng) -> String {
    format!("The {} {}", word(rng, 2), rng.pick(PAPERS))
}

/// A treaty's name and its notice period in months.
pub fn treaty(rng: &mut Rng) -> (String, u32) {
    let place = word(rng, 2);
    let topic = *rng.pick(TOPICS);
    let name = match rng.below(3) {
        0 => format!("{place} Convention on {topic}"),
        1 => format!("Treaty of {place} on {topic}"),
        _ => format!("{place} Protocol on {topic}"),
    };
    (name, *rng.pick(&[6, 12, 12, 6, 3, 24]))
}

/// `A`, `A and B`, `A, B and C`.
pub fn list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_varied() {
        let mut rng = Rng::new(3);
        let names: std::collections::BTreeSet<String> =
            (0..1000).map(|_| person(&mut rng).0).collect();
        assert!(names.len() > 990, "{}", names.len());
        assert_eq!(list(&["A", "B", "C"]), "A, B and C");
        assert_eq!(adjective("Valdoria"), "Valdorian");
    }
}
