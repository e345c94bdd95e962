//! Pages of the lists the graph keeps in order (entities by id, name or degree per kind; the
//! time line per date precision): each page is a seek into those orderings, merged across
//! kinds, so its cost does not grow with the list. Cursors are the same sort keys as
//! everywhere ([`super::pagination`]).

use std::ops::Bound;
use std::sync::Arc;

use chrono::NaiveDate;
use imbl::OrdMap;
use petgraph::graph::NodeIndex;

use super::error::ApiResult;
use super::pagination::{KEY_SEP, Page, PageArgs, Seek};
use super::query::EntityOrderField;
use crate::graph::{DateKey, Graph, Kind, NodeId, merge_sorted};

fn split_key(s: &str) -> (&str, &str) {
    s.split_once(KEY_SEP).unwrap_or((s, ""))
}

/// A seek over one ordered map per kind, merged, either way.
fn seek_maps<'a, K: Ord + Clone + 'a>(
    maps: Vec<&'a OrdMap<K, NodeIndex>>,
    descending: bool,
    decode: Box<dyn Fn(&str) -> K + 'a>,
    encode: Box<dyn Fn(&K) -> String + 'a>,
) -> Seek<'a, K> {
    let maps = Arc::new(maps);
    let (m1, m2) = (maps.clone(), maps);
    // "After" in list order is a higher key ascending, a lower one descending.
    let forward = move |maps: &[&'a OrdMap<K, NodeIndex>], from: Option<&K>, up: bool| {
        let iters: Vec<Box<dyn Iterator<Item = (&'a K, &'a NodeIndex)> + 'a>> = maps
            .iter()
            .map(|m| {
                let it: Box<dyn Iterator<Item = (&'a K, &'a NodeIndex)> + 'a> = match (from, up) {
                    (None, true) => Box::new(m.iter()),
                    (None, false) => Box::new(m.iter().rev()),
                    (Some(k), true) => {
                        Box::new(m.range((Bound::Excluded(k.clone()), Bound::Unbounded)))
                    }
                    (Some(k), false) => Box::new(
                        m.range((Bound::Unbounded, Bound::Excluded(k.clone())))
                            .rev(),
                    ),
                };
                it
            })
            .collect();
        Box::new(merge_sorted(iters, !up).map(|(k, v)| (k.clone(), v)))
            as Box<dyn Iterator<Item = (K, NodeIndex)> + 'a>
    };
    Seek {
        after: Box::new(move |k| forward(&m1, k, !descending)),
        before: Box::new(move |k| forward(&m2, k, descending)),
        decode,
        encode,
        precedes: Box::new(move |a, b| if descending { a > b } else { a < b }),
    }
}

/// A page of entities of `kinds` in an order the graph keeps.
pub fn entities_page(
    g: &Graph,
    kinds: &[Kind],
    field: EntityOrderField,
    descending: bool,
    args: &PageArgs,
    cursors: bool,
) -> ApiResult<Page<NodeIndex>> {
    let orders = |k: &Kind| g.orders_of(*k);
    match field {
        EntityOrderField::Name => args.seek(
            &seek_maps(
                kinds.iter().map(|k| &orders(k).by_name).collect(),
                descending,
                Box::new(|s| {
                    let (name, id) = split_key(s);
                    (Arc::from(name), NodeId::from_trusted(id))
                }),
                Box::new(|(name, id)| format!("{name}{KEY_SEP}{id}")),
            ),
            cursors,
        ),
        EntityOrderField::Degree => args.seek(
            &seek_maps(
                kinds.iter().map(|k| &orders(k).by_degree).collect(),
                descending,
                Box::new(|s| {
                    let (d, id) = split_key(s);
                    (d.parse().unwrap_or(0), NodeId::from_trusted(id))
                }),
                Box::new(|(d, id)| format!("{d:012}{KEY_SEP}{id}")),
            ),
            cursors,
        ),
        // Centrality is ordered per request by the caller; id is the default.
        _ => args.seek(
            &seek_maps(
                kinds.iter().map(|k| &orders(k).by_id).collect(),
                descending,
                Box::new(NodeId::from_trusted),
                Box::new(|id| id.to_string()),
            ),
            cursors,
        ),
    }
}

/// A time-line key from its cursor form (see [`encode_date_key`]).
pub fn date_key(s: &str) -> DateKey {
    let (d, id) = split_key(s);
    (
        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap_or(NaiveDate::MIN),
        NodeId::from_trusted(id),
    )
}

/// The cursor form of a time-line key: the date, then the id.
pub fn encode_date_key((d, id): &DateKey) -> String {
    format!("{}{KEY_SEP}{id}", d.format("%Y-%m-%d"))
}

/// A page of the time line within `[from, to]` (periods that overlap it), oldest first or
/// newest first.
pub fn events_page(
    g: &Graph,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    newest_first: bool,
    args: &PageArgs,
    cursors: bool,
) -> ApiResult<Page<NodeIndex>> {
    let keyed = move |ix: NodeIndex| (g.event_key(ix), ix);
    let walk = move |k: Option<&DateKey>, up: bool| {
        let cursor = k.map_or(Bound::Unbounded, |k| Bound::Excluded(k.clone()));
        Box::new(g.events_in(from, to, cursor, !up).map(keyed))
            as Box<dyn Iterator<Item = (DateKey, NodeIndex)> + '_>
    };
    let seek = Seek {
        after: Box::new(move |k| walk(k, !newest_first)),
        before: Box::new(move |k| walk(k, newest_first)),
        decode: Box::new(date_key),
        encode: Box::new(encode_date_key),
        precedes: Box::new(move |a, b| if newest_first { a > b } else { a < b }),
    };
    args.seek(&seek, cursors)
}
