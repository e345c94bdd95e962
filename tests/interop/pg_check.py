"""Reads newsgraph's GraphML export with networkx and prints what the Rust test checks, as JSON.

Usage: pg_check.py FILE.graphml
"""
import json
import sys

import networkx as nx

g = nx.read_graphml(sys.argv[1])
estonia = g.nodes.get("state/estonia", {})
party_to = [
    d
    for u, v, d in g.edges(data=True)
    if u == "state/estonia" and v == "treaty/ottawa-convention" and d.get("type") == "PARTY_TO"
]
kinds = {}
for _, d in g.nodes(data=True):
    kinds[d.get("kind")] = kinds.get(d.get("kind"), 0) + 1
print(
    json.dumps(
        {
            "directed": g.is_directed(),
            "nodes": g.number_of_nodes(),
            "edges": g.number_of_edges(),
            "kinds": kinds,
            "estonia": {"kind": estonia.get("kind"), "label": estonia.get("label")},
            "party_to": party_to[0] if party_to else None,
            "edge_types": sorted({d.get("type") for _, _, d in g.edges(data=True)}),
        },
        sort_keys=True,
    )
)
