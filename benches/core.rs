//! Criterion benchmarks of the graph core (no GraphQL, no HTTP, no journal) on generated news
//! graphs of growing size, so the cost of each operation can be read against the size of the
//! graph: loading, an entity with its first relations, writes, a neighbourhood, search, a
//! shortest path, pages of the orderings the graph keeps, and PageRank.
//!
//! ```sh
//! cargo bench --bench core                                  # 10^3, 10^4, 10^5 nodes
//! NEWSGRAPH_BENCH_SIZES=1000000 cargo bench --bench core    # 10^6: ~2.2 GB, ~40 s to load
//! NEWSGRAPH_BENCH_DATA=bench/data cargo bench --bench core  # reuse bench/scale's seeds
//! ```
//!
//! Each size is generated once (seed 1, JSON Lines, into a temporary directory), or read from
//! `$NEWSGRAPH_BENCH_DATA/N` when that holds a seed, and loaded once; every operation then
//! runs on that graph. The nodes used are picked by rules, not ids, so every size has them:
//! the hub is the state with the most relations, the leaf the person with the fewest that
//! has a relation record of its own.

use std::hint::black_box;
use std::ops::Bound;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{BatchSize, BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use newsgraph::generate::{self, Format, Options};
use newsgraph::graph::{
    Graph, Kind, NameKey, NewEvidence, NewNode, NewRelation, RelationType, TraversalFilter,
    compute_rank,
};
use newsgraph::seed::{self, SeedSource};
use petgraph::graph::{EdgeIndex, NodeIndex};

/// Sizes run when `NEWSGRAPH_BENCH_SIZES` is not set; 10^6 is opt-in (memory, load time).
const DEFAULT_SIZES: &[usize] = &[1_000, 10_000, 100_000];
/// Up to this size loading is benched by criterion; above it, one load is timed and printed
/// (a 10^5 load takes seconds, and ten samples of it would dominate the run).
const ITERATED_LOAD_MAX: usize = 10_000;
/// Up to this size PageRank is benched; above it, one run is timed and printed (a big graph
/// is ranked once, in the background, after the server starts).
const RANK_MAX: usize = 100_000;

/// How an operation's cost relates to the graph's size, which sets how criterion samples it.
#[derive(Debug, Clone, Copy)]
enum Cost {
    /// Microseconds at any size: criterion's defaults.
    Small,
    /// Milliseconds or more, growing with the graph: flat sampling (the same number of calls
    /// per sample, so a run fits its measurement time), and from size `ten_samples_from` on
    /// ten samples instead of a hundred, as one call takes a large part of a second there.
    Grows { ten_samples_from: usize },
}

/// Loading reads every record (a third of a second at 10^4).
const LOAD: Cost = Cost::Grows {
    ten_samples_from: 10_000,
};
/// Search, paths and PageRank visit much of the graph.
const SCAN: Cost = Cost::Grows {
    ten_samples_from: 100_000,
};
/// A walk that stops at its limit: it grows with the hubs it passes, but stays in milliseconds.
const WALK: Cost = Cost::Grows {
    ten_samples_from: usize::MAX,
};

fn sizes() -> Vec<usize> {
    match std::env::var("NEWSGRAPH_BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|s| {
                s.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("NEWSGRAPH_BENCH_SIZES: `{s}` is not a size"))
            })
            .collect(),
        Err(_) => DEFAULT_SIZES.to_vec(),
    }
}

/// A seed directory of `n` nodes, and the temporary directory that holds it, if generated
/// (kept alive until the size's benches are done).
struct SeedDir {
    path: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

fn seed_dir(n: usize) -> SeedDir {
    if let Ok(root) = std::env::var("NEWSGRAPH_BENCH_DATA") {
        let path = PathBuf::from(root).join(n.to_string());
        if path.join("sources.jsonl").is_file() {
            eprintln!("{n} nodes: reading {}", path.display());
            return SeedDir { path, _temp: None };
        }
    }
    let temp = tempfile::tempdir().expect("a temporary directory");
    let t = Instant::now();
    let opts = Options { nodes: n, seed: 1 };
    let summary = generate::write_dir(&opts, temp.path(), Format::Jsonl).expect("generate");
    eprintln!(
        "{n} nodes: generated {} relations in {:.2} s",
        summary.relations,
        t.elapsed().as_secs_f64()
    );
    SeedDir {
        path: temp.path().to_path_buf(),
        _temp: Some(temp),
    }
}

/// The nodes and inputs the operations use, chosen by rule from the loaded graph.
struct Picks {
    hub: NodeIndex,
    hub_id: String,
    /// The hub's record with a new description: an update that moves it in no ordering.
    hub_patch: NewNode,
    /// A relation record of the leaf person, to remove.
    leaf_relation: EdgeIndex,
    /// The first two persons by id, the ends of the path.
    path_from: NodeIndex,
    path_to: NodeIndex,
    /// The first person's name, and the same with one letter replaced.
    name: String,
    typo: String,
    /// Where the entities page starts: after the first person in the name order.
    name_cursor: NameKey,
    /// A quote that occurs in a source: the evidence of the new relation written.
    evidence: NewEvidence,
}

fn pick(g: &Graph) -> Picks {
    let states = g.orders_of(Kind::State);
    let &(_, hub) = states.by_degree.get_max().expect("a state");
    let hub_node = g.node(hub);
    let hub_patch = NewNode {
        id: hub_node.id.to_string(),
        name: hub_node.name.clone(),
        labels: hub_node.labels.clone(),
        aliases: hub_node.aliases.clone(),
        same_as: hub_node.same_as.to_vec(),
        description: format!("{} (revised)", hub_node.description),
        notice_period_months: None,
        statements: newsgraph::graph::NewStatements {
            description: Some(newsgraph::graph::NewBasis::Editorial(
                newsgraph::graph::Editorial {
                    by: "bench".into(),
                    at: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                    note: None,
                },
            )),
            ..Default::default()
        },
    };
    // Fewest relations first; derived relations (event participations) go with their event,
    // so the leaf needs a record of its own.
    let leaf_relation = g
        .orders_of(Kind::Person)
        .by_degree
        .values()
        .find_map(|&p| {
            g.relation_list(p)
                .iter()
                .find(|a| g.relation(a.edge).derived.is_none())
                .map(|a| a.edge)
        })
        .expect("a person with a relation record");
    let mut persons = g.orders_of(Kind::Person).by_id.values().copied();
    let (path_from, path_to) = (
        persons.next().expect("a person"),
        persons.next().expect("two"),
    );
    let name = g.node(path_from).name.clone();
    let name_cursor = g
        .orders_of(Kind::Person)
        .by_name
        .keys()
        .next()
        .expect("a person")
        .clone();
    let evidence = g
        .relation_list(hub)
        .iter()
        .find_map(|a| g.evidence(a.edge).first())
        .map(|ev| {
            let source = g.node(ev.source).id.to_string();
            NewEvidence::new(source, g.quote(ev))
        })
        .expect("evidence at the hub");
    Picks {
        hub,
        hub_id: hub_node.id.to_string(),
        hub_patch,
        leaf_relation,
        path_from,
        path_to,
        typo: typo_of(&name),
        name,
        name_cursor,
        evidence,
    }
}

/// `name` with its middle letter replaced: one edit away, as a typing slip is.
fn typo_of(name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    let mid = chars.len() / 2;
    chars[mid] = if chars[mid] == 'x' { 'z' } else { 'x' };
    chars.into_iter().collect()
}

/// A group for one operation at size `n`, sampled as its cost calls for.
fn group<'c>(
    c: &'c mut Criterion,
    name: &str,
    cost: Cost,
    n: usize,
) -> criterion::BenchmarkGroup<'c, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(name);
    if let Cost::Grows { ten_samples_from } = cost {
        group.sampling_mode(SamplingMode::Flat);
        if n >= ten_samples_from {
            group.sample_size(10);
        }
    }
    group
}

fn bench_size(c: &mut Criterion, n: usize) {
    let dir = seed_dir(n);
    let source = SeedSource::Dir(dir.path.clone());
    let t = Instant::now();
    let g = seed::load(&source).expect("load");
    eprintln!(
        "{n} nodes: loaded {} nodes and {} relations in {:.2} s",
        g.node_count(),
        g.relation_count(),
        t.elapsed().as_secs_f64()
    );
    let id = BenchmarkId::from_parameter(n);

    if n <= ITERATED_LOAD_MAX {
        group(c, "load", LOAD, n).bench_function(id.clone(), |b| {
            b.iter(|| seed::load(black_box(&source)).expect("load"))
        });
    }

    let p = pick(&g);
    eprintln!(
        "{n} nodes: hub {} ({} relations), leaf relation {}, search {:?} / {:?}",
        p.hub_id,
        g.degree(p.hub),
        g.relation_id(p.leaf_relation),
        p.name,
        p.typo
    );

    group(c, "entity_with_20_relations", Cost::Small, n).bench_function(id.clone(), |b| {
        b.iter(|| {
            let ix = g.lookup(black_box(&p.hub_id)).expect("the hub");
            let rels: Vec<_> = g
                .relation_list(ix)
                .iter()
                .take(20)
                .map(|a| {
                    let r = g.relation(a.edge);
                    let quote = g.evidence(a.edge).first().map(|ev| g.quote(ev));
                    (r.rel, g.node(a.other).name.as_str(), quote)
                })
                .collect();
            (g.node(ix).name.as_str(), rels)
        })
    });

    // Each write runs on its own clone of the graph (O(1)) and is timed without it; the
    // first write to a clone copies what it touches, as every write to the store does.
    group(c, "add_entity_with_relation_to_hub", Cost::Small, n).bench_function(id.clone(), |b| {
        b.iter_batched(
            || g.clone(),
            |mut g| {
                g.add_entity(
                    Kind::Person,
                    NewNode {
                        id: "person/bench-new".into(),
                        name: "Ada Benchmark".into(),
                        description: "An adviser added by the benchmark.".into(),
                        ..NewNode::default()
                    },
                )
                .expect("add entity");
                g.add_relation(NewRelation {
                    id: None,
                    rel: RelationType::HoldsOffice,
                    from: "person/bench-new".into(),
                    to: p.hub_id.clone(),
                    role: Some("Adviser".into()),
                    valid_from: None,
                    valid_until: None,
                    evidence: vec![p.evidence.clone()],
                })
                .expect("add relation");
                g
            },
            BatchSize::SmallInput,
        )
    });

    group(c, "update_hub_description", Cost::Small, n).bench_function(id.clone(), |b| {
        b.iter_batched(
            || (g.clone(), p.hub_patch.clone()),
            |(mut g, patch)| {
                g.update_entity(p.hub, patch).expect("update");
                g
            },
            BatchSize::SmallInput,
        )
    });

    group(c, "remove_leaf_relation", Cost::Small, n).bench_function(id.clone(), |b| {
        b.iter_batched(
            || g.clone(),
            |mut g| {
                g.remove_relation(p.leaf_relation);
                g
            },
            BatchSize::SmallInput,
        )
    });

    let all = TraversalFilter::default();
    group(c, "neighborhood_2_hops_limit_100", WALK, n).bench_function(id.clone(), |b| {
        b.iter(|| g.neighborhood(black_box(p.hub), 2, &all, None, 100))
    });

    group(c, "search_name", SCAN, n).bench_function(id.clone(), |b| {
        b.iter(|| g.search(black_box(&p.name), None))
    });
    group(c, "search_typo", SCAN, n).bench_function(id.clone(), |b| {
        b.iter(|| g.search(black_box(&p.typo), None))
    });
    // A page of 20 (and one more, to know whether another follows) at the top and after a
    // cursor halfway down the results: the same cost, since a page after a cursor keeps the
    // best hits after its rank key instead of sorting every hit.
    group(c, "search_page_first", SCAN, n).bench_function(id.clone(), |b| {
        b.iter(|| g.search_after(black_box(&p.name), None, None, Some(21)))
    });
    let hits = g.search(&p.name, None);
    let middle = &hits[hits.len() / 2];
    let key = newsgraph::graph::RankKey {
        score: middle.score,
        name: g.node(middle.node).name.to_string(),
        id: g.node(middle.node).id.to_string(),
    };
    group(c, "search_page_after_cursor", SCAN, n).bench_function(id.clone(), |b| {
        b.iter(|| g.search_after(black_box(&p.name), None, Some(&key), Some(21)))
    });

    let path = g.shortest_path(p.path_from, p.path_to, 4, &all);
    eprintln!(
        "{n} nodes: path {} -> {}: {}",
        g.node(p.path_from).id,
        g.node(p.path_to).id,
        path.map_or("none within 4 hops".into(), |p| format!("{} hops", p.len()))
    );
    group(c, "shortest_path_4_hops", SCAN, n).bench_function(id.clone(), |b| {
        b.iter(|| g.shortest_path(black_box(p.path_from), p.path_to, 4, &all))
    });

    // The pages the API serves are seeks into these orderings (`api::listing`).
    let persons = &g.orders_of(Kind::Person).by_name;
    group(c, "entities_page_by_name", Cost::Small, n).bench_function(id.clone(), |b| {
        b.iter(|| {
            let after = Bound::Excluded(black_box(&p.name_cursor).clone());
            persons
                .range((after, Bound::Unbounded))
                .take(20)
                .map(|(_, &ix)| g.node(ix).name.as_str())
                .collect::<Vec<_>>()
        })
    });
    let from = NaiveDate::from_ymd_opt(2015, 1, 1);
    let to = NaiveDate::from_ymd_opt(2015, 6, 30);
    group(c, "events_page_in_date_range", Cost::Small, n).bench_function(id.clone(), |b| {
        b.iter(|| {
            g.events_in(black_box(from), to, Bound::Unbounded, false)
                .take(20)
                .collect::<Vec<_>>()
        })
    });

    if n <= RANK_MAX {
        group(c, "pagerank", SCAN, n).bench_function(id, |b| b.iter(|| compute_rank(&g)));
    } else {
        let t = Instant::now();
        black_box(compute_rank(&g));
        eprintln!("{n} nodes: PageRank in {:.2} s", t.elapsed().as_secs_f64());
    }
}

fn core(c: &mut Criterion) {
    for n in sizes() {
        bench_size(c, n);
    }
}

criterion_group! {
    name = benches;
    // Shorter than criterion's 3 s + 5 s, so the default sizes run in minutes.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = core
}
criterion_main!(benches);
