//! Relay cursor pagination shared by every list.
//!
//! A list is a slice already in its final order, each item with a sort key whose string order
//! equals the list order. A cursor is the opaque (base64) key of an item, so `after: c` means
//! "items whose key is greater than c": a page boundary stays put when items are added or
//! removed elsewhere, and finding it is a binary search.

use std::sync::Arc;

use async_graphql::SimpleObject;
use petgraph::stable_graph::NodeIndex;

use crate::graph::Graph;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::{ApiError, ApiResult};
use super::types::{Entity, Event};

/// Largest page a client may ask for.
pub const MAX_PAGE: usize = 100;
/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE: usize = 20;

const CURSOR_PREFIX: &str = "k:";

/// The standard Relay page arguments, checked.
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// Separates the parts of a composite key; lower than any character of an id, so
/// `("a", …)` sorts before `("a-b", …)` as tuples do.
pub const KEY_SEP: char = '\u{1}';

pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{key}"))
}

fn decode_cursor(arg: &str, cursor: &str) -> ApiResult<String> {
    let bad = || ApiError::bad_input(format!("`{arg}` is not a cursor returned by this API"));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let s = String::from_utf8(bytes).map_err(|_| bad())?;
    s.strip_prefix(CURSOR_PREFIX)
        .map(str::to_string)
        .ok_or_else(bad)
}

fn page_size(arg: &str, v: Option<i32>) -> ApiResult<Option<usize>> {
    match v {
        None => Ok(None),
        Some(n) if n < 0 || n as usize > MAX_PAGE => Err(ApiError::bad_input(format!(
            "`{arg}` must be between 0 and {MAX_PAGE}, got {n}"
        ))),
        Some(n) => Ok(Some(n as usize)),
    }
}

/// Page arguments once checked: the sizes, and the keys the cursors stand for.
pub(super) struct Checked {
    pub first: Option<usize>,
    pub last: Option<usize>,
    pub after: Option<String>,
    pub before: Option<String>,
}

/// Relay's `PageInfo`.
#[derive(SimpleObject, Debug, Clone, Default)]
pub struct PageInfo {
    /// Whether more items follow this page.
    pub has_next_page: bool,
    /// Whether items precede this page.
    pub has_previous_page: bool,
    /// The cursor of the first item of the page.
    pub start_cursor: Option<String>,
    /// The cursor of the last item of the page; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// One page cut from a list: the items with their cursors, and the page info.
pub struct Page<T> {
    pub items: Vec<(String, T)>,
    pub info: PageInfo,
    pub total: usize,
}

/// A forward-only page's arguments, checked: its size (default [`DEFAULT_PAGE`], at most
/// [`MAX_PAGE`]) and the key of its `after` cursor.
pub fn forward(first: Option<i32>, after: Option<&str>) -> ApiResult<(usize, Option<String>)> {
    let size = page_size("first", first)?.unwrap_or(DEFAULT_PAGE);
    let after = after.map(|c| decode_cursor("after", c)).transpose()?;
    Ok((size, after))
}

impl PageArgs {
    /// Cuts the page out of `items`, whose keys (given by `key`) ascend in list order.
    #[cfg(test)]
    pub fn apply<T: Clone>(&self, items: &[T], key: impl Fn(&T) -> String) -> ApiResult<Page<T>> {
        self.apply_ordered(items, key, false)
    }

    /// The arguments checked: page sizes in range and not both, cursors made by this API
    /// (their keys).
    pub(super) fn checked(&self) -> ApiResult<Checked> {
        let first = page_size("first", self.first)?;
        let last = page_size("last", self.last)?;
        if first.is_some() && last.is_some() {
            return Err(ApiError::bad_input("give `first` or `last`, not both"));
        }
        let cursor =
            |arg: &str, c: &Option<String>| c.as_deref().map(|c| decode_cursor(arg, c)).transpose();
        Ok(Checked {
            first,
            last,
            after: cursor("after", &self.after)?,
            before: cursor("before", &self.before)?,
        })
    }

    /// Cuts the page out of `items`, whose keys ascend in list order, or descend if
    /// `descending`: the cursor of a sorted list stays valid as items come and go.
    pub fn apply_ordered<T: Clone>(
        &self,
        items: &[T],
        key: impl Fn(&T) -> String,
        descending: bool,
    ) -> ApiResult<Page<T>> {
        let Checked {
            first,
            last,
            after,
            before,
        } = self.checked()?;
        // "Comes before the cursor" and "comes before or is it", in list order.
        let precedes = |k: String, c: &String| if descending { k > *c } else { k < *c };
        let not_after = |k: String, c: &String| k == *c || precedes(k, c);
        debug_assert!(
            items.windows(2).all(|w| precedes(key(&w[0]), &key(&w[1]))),
            "keys must be strictly ordered"
        );
        let mut lo = after.map_or(0, |a| items.partition_point(|i| not_after(key(i), &a)));
        let mut hi = before.map_or(items.len(), |b| {
            items.partition_point(|i| precedes(key(i), &b))
        });
        hi = hi.max(lo);
        match (first, last) {
            (_, Some(n)) => lo = hi.saturating_sub(n).max(lo),
            (n, None) => hi = (lo + n.unwrap_or(DEFAULT_PAGE)).min(hi),
        }
        super::execute::charge(hi - lo)?;
        let slice = &items[lo..hi];
        let page: Vec<(String, T)> = slice
            .iter()
            .map(|i| (encode_cursor(&key(i)), i.clone()))
            .collect();
        Ok(Page {
            info: PageInfo {
                // Whether items exist beyond the page in the whole list, whichever way the
                // client pages: simpler to use than Relay's minimum, and never wrong.
                has_next_page: hi < items.len(),
                has_previous_page: lo > 0,
                start_cursor: page.first().map(|p| p.0.clone()),
                end_cursor: page.last().map(|p| p.0.clone()),
            },
            items: page,
            total: items.len(),
        })
    }
}

/// A list in an order kept by the graph, read by seeking instead of by slicing a copy: every
/// page costs O(page · log n), whatever the length of the list.
pub struct Seek<'a, K> {
    /// Items strictly after the key (from the start when `None`), in list order.
    pub after: Walk<'a, K>,
    /// Items strictly before the key (from the end when `None`), in reverse list order.
    pub before: Walk<'a, K>,
    /// The key of a cursor; `None` for one that cannot be this list's.
    pub decode: Box<dyn Fn(&str) -> K + 'a>,
    pub encode: Box<dyn Fn(&K) -> String + 'a>,
    /// Whether `a` comes before `b` in list order.
    pub precedes: Precedes<'a, K>,
}

/// Items of a list from a key onwards, one way.
pub type Walk<'a, K> =
    Box<dyn Fn(Option<&K>) -> Box<dyn Iterator<Item = (K, NodeIndex)> + 'a> + 'a>;
/// List order.
pub type Precedes<'a, K> = Box<dyn Fn(&K, &K) -> bool + 'a>;

impl PageArgs {
    /// Cuts a page out of a list the graph keeps in order, by seeking to the cursor.
    /// `total` is left 0: connections compute it only when it is asked for. Without `cursors`
    /// the items' cursors are left empty and the page's start and end `None`: for a caller
    /// that knows none is selected (encoding one costs more than finding its item).
    pub fn seek<K: Clone>(&self, list: &Seek<'_, K>, cursors: bool) -> ApiResult<Page<NodeIndex>> {
        let page = self.seek_keys(list, cursors)?;
        Ok(Page {
            items: page.items.into_iter().map(|(c, (_, ix))| (c, ix)).collect(),
            info: page.info,
            total: page.total,
        })
    }

    /// [`PageArgs::seek`], with each item's key.
    pub fn seek_keys<K: Clone>(
        &self,
        list: &Seek<'_, K>,
        cursors: bool,
    ) -> ApiResult<Page<(K, NodeIndex)>> {
        let Checked {
            first,
            last,
            after,
            before,
        } = self.checked()?;
        let after = after.map(|k| (list.decode)(&k));
        let before = before.map(|k| (list.decode)(&k));
        let mut items: Vec<(K, NodeIndex)> = match last {
            Some(n) => {
                let mut v: Vec<_> = (list.before)(before.as_ref())
                    .take_while(|(k, _)| after.as_ref().is_none_or(|a| (list.precedes)(a, k)))
                    .take(n)
                    .collect();
                v.reverse();
                v
            }
            None => (list.after)(after.as_ref())
                .take_while(|(k, _)| before.as_ref().is_none_or(|b| (list.precedes)(k, b)))
                .take(first.unwrap_or(DEFAULT_PAGE))
                .collect(),
        };
        super::execute::charge(items.len())?;
        let has_next_page = match items.last() {
            Some((k, _)) => (list.after)(Some(k)).next().is_some(),
            None => (list.after)(after.as_ref()).next().is_some(),
        };
        let has_previous_page = match items.first() {
            Some((k, _)) => (list.before)(Some(k)).next().is_some(),
            None => after.is_some() && (list.before)(after.as_ref()).next().is_some(),
        };
        let cursor = |k: &K| {
            if cursors {
                encode_cursor(&(list.encode)(k))
            } else {
                String::new()
            }
        };
        let page: Vec<(String, (K, NodeIndex))> = items
            .drain(..)
            .map(|(k, ix)| (cursor(&k), (k, ix)))
            .collect();
        let edge =
            |p: Option<&(String, (K, NodeIndex))>| p.filter(|_| cursors).map(|p| p.0.clone());
        Ok(Page {
            info: PageInfo {
                has_next_page,
                has_previous_page,
                start_cursor: edge(page.first()),
                end_cursor: edge(page.last()),
            },
            items: page,
            total: 0,
        })
    }
}

/// How a connection counts its whole list, and lists it for facets, when asked: a maintained
/// count, or a walk of the filtered list.
#[derive(Clone)]
pub enum Whole {
    /// The list is known: its items.
    Items(Arc<Vec<NodeIndex>>),
    /// The list is too long to copy per request: a count, and a way to walk it if facets are
    /// asked for.
    Lazy {
        count: Arc<dyn Fn() -> usize + Send + Sync>,
        items: Arc<dyn Fn() -> Vec<NodeIndex> + Send + Sync>,
    },
}

impl Whole {
    pub fn count(&self) -> usize {
        match self {
            Whole::Items(v) => v.len(),
            Whole::Lazy { count, .. } => count(),
        }
    }

    pub fn items(&self) -> Arc<Vec<NodeIndex>> {
        match self {
            Whole::Items(v) => v.clone(),
            Whole::Lazy { items, .. } => Arc::new(items()),
        }
    }
}

/// Defines a plain Relay connection type and its edge type for one node type.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty, $what:literal) => {
        #[doc = concat!("An item of a list of ", $what, ", with its cursor.")]
        #[derive(SimpleObject, Clone)]
        pub struct $edge {
            /// Opaque position of this item; pass it as `after` or `before`.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        #[doc = concat!("A page of a list of ", $what, ", with the total count of the whole list.")]
        #[derive(SimpleObject, Clone)]
        #[graphql(complex)]
        pub struct $conn {
            /// The page's items with their cursors.
            pub edges: Vec<$edge>,
            /// The page's items, without cursors.
            pub nodes: Vec<$node>,
            /// Where this page sits in the list.
            pub page_info: PageInfo,
            /// The whole filtered list, counted or walked only when asked for.
            #[graphql(skip)]
            pub all: Whole,
            #[graphql(skip)]
            pub g: Arc<Graph>,
        }

        impl $conn {
            pub fn from_page<T>(
                g: &Arc<Graph>,
                all: Whole,
                page: Page<T>,
                to_node: impl Fn(T) -> $node,
            ) -> Self {
                let edges: Vec<$edge> = page
                    .items
                    .into_iter()
                    .map(|(cursor, item)| $edge {
                        cursor,
                        node: to_node(item),
                    })
                    .collect();
                $conn {
                    nodes: edges.iter().map(|e| e.node.clone()).collect(),
                    edges,
                    page_info: page.info,
                    all,
                    g: g.clone(),
                }
            }
        }
    };
}

connection!(EntityConnection, EntityEdge, Entity, "entities");
connection!(EventConnection, EventEdge, Event, "events");

#[cfg(test)]
mod tests {
    use super::*;

    fn args(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
    ) -> PageArgs {
        PageArgs {
            first,
            after: after.map(encode_cursor),
            last,
            before: before.map(encode_cursor),
        }
    }

    fn keys<'a>(p: &Page<&'a str>) -> Vec<&'a str> {
        p.items.iter().map(|i| i.1).collect()
    }

    const ITEMS: [&str; 5] = ["a", "b", "c", "d", "e"];

    #[test]
    fn forward_pages_cover_the_list_once() {
        let k = |s: &&str| s.to_string();
        let p1 = args(Some(2), None, None, None).apply(&ITEMS, k).unwrap();
        assert_eq!(keys(&p1), ["a", "b"]);
        assert!(p1.info.has_next_page && !p1.info.has_previous_page);
        let p3 = args(Some(2), Some("d"), None, None)
            .apply(&ITEMS, k)
            .unwrap();
        assert_eq!(keys(&p3), ["e"]);
        assert!(!p3.info.has_next_page && p3.info.has_previous_page);
        assert_eq!(p3.total, 5);
    }

    #[test]
    fn a_cursor_whose_item_is_gone_still_marks_its_place() {
        let p = args(Some(10), Some("bb"), None, None)
            .apply(&ITEMS, |s| s.to_string())
            .unwrap();
        assert_eq!(keys(&p), ["c", "d", "e"]);
    }

    #[test]
    fn backward_pages_end_before_the_cursor() {
        let p = args(None, None, Some(2), Some("d"))
            .apply(&ITEMS, |s| s.to_string())
            .unwrap();
        assert_eq!(keys(&p), ["b", "c"]);
        assert!(p.info.has_previous_page && p.info.has_next_page);
    }

    #[test]
    fn descending_lists_page_by_the_same_cursors() {
        let desc = ["e", "d", "c", "b", "a"];
        let k = |s: &&str| s.to_string();
        let p = PageArgs {
            first: Some(2),
            after: Some(encode_cursor("d")),
            ..Default::default()
        }
        .apply_ordered(&desc, k, true)
        .unwrap();
        assert_eq!(keys(&p), ["c", "b"]);
        let p = PageArgs {
            last: Some(1),
            before: Some(encode_cursor("c")),
            ..Default::default()
        }
        .apply_ordered(&desc, k, true)
        .unwrap();
        assert_eq!(keys(&p), ["d"]);
    }

    #[test]
    fn bad_arguments_are_refused() {
        let k = |s: &&str| s.to_string();
        assert!(args(Some(101), None, None, None).apply(&ITEMS, k).is_err());
        assert!(args(Some(-1), None, None, None).apply(&ITEMS, k).is_err());
        assert!(args(Some(1), None, Some(1), None).apply(&ITEMS, k).is_err());
        let junk = PageArgs {
            after: Some("not-a-cursor!".into()),
            ..Default::default()
        };
        assert!(junk.apply(&ITEMS, k).is_err());
        let foreign = PageArgs {
            after: Some(URL_SAFE_NO_PAD.encode("x")),
            ..Default::default()
        };
        assert!(foreign.apply(&ITEMS, k).is_err());
    }
}
