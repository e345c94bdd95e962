"""Reads newsgraph's RDF export with tools that share no code with it.

Usage: rdf_check.py GRAPH.ttl GRAPH.jsonld BASE

rdflib parses the Turtle and the JSON-LD (and compares the two graphs); pyoxigraph loads the
Turtle and answers a SPARQL question. Prints one JSON object for the Rust test to check.
"""

import json
import sys

import pyoxigraph
import rdflib
from rdflib.compare import isomorphic

SCHEMA = "https://schema.org/"
NG = "https://newsgraph.dev/vocab#"
CLASSES = [
    SCHEMA + "Country",
    SCHEMA + "Person",
    SCHEMA + "GovernmentOrganization",
    SCHEMA + "Legislation",
    SCHEMA + "Event",
    SCHEMA + "NewsArticle",
    NG + "Relation",
    NG + "Evidence",
]


def counts(graph):
    return {
        c: len(set(graph.subjects(rdflib.RDF.type, rdflib.URIRef(c)))) for c in CLASSES
    }


def main():
    turtle_path, jsonld_path, base = sys.argv[1:4]
    turtle = rdflib.Graph().parse(turtle_path, format="turtle")
    jsonld = rdflib.Graph().parse(jsonld_path, format="json-ld")

    store = pyoxigraph.Store()
    with open(turtle_path, "rb") as f:
        store.load(f, format=pyoxigraph.RdfFormat.TURTLE)
    query = f"""
        PREFIX schema: <{SCHEMA}>
        PREFIX ng: <{NG}>
        PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        SELECT DISTINCT ?name WHERE {{
            ?event a schema:Event ;
                ng:actor ?state ;
                ng:addressedTo <{base}org/un> ;
                schema:startDate "2025-06-27"^^xsd:date .
            ?state a schema:Country ; schema:name ?name .
            FILTER(lang(?name) = "")
        }} ORDER BY ?name
    """
    notified = [s["name"].value for s in store.query(query)]

    print(
        json.dumps(
            {
                "turtle_triples": len(turtle),
                "jsonld_triples": len(jsonld),
                "oxigraph_triples": len(store),
                "same_graph": isomorphic(turtle, jsonld),
                "turtle": counts(turtle),
                "jsonld": counts(jsonld),
                "notified_the_un_on_27_june": notified,
            }
        )
    )


if __name__ == "__main__":
    main()
