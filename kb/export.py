"""Export the knowledge base for consumers such as the AI tutor.

The export is the cards as validated models plus what the graph derives
(which courses use a topic, which topics use a digest) and every claim with
its status, so a consumer never has to re-implement the linter's joins.
"""

from __future__ import annotations

from typing import Any, Iterator

import networkx as nx

from kb import __version__
from kb.graph import course_order, courses_of_topic, course_topics, topics_using_digest
from kb.schema import NOT_VERIFIED_RE
from kb.store import KnowledgeBase

EXPORT_VERSION = 1


def _dump(model: Any) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_none=True)


def topic_record(kb: KnowledgeBase, g: nx.MultiDiGraph, tid: str) -> dict[str, Any]:
    card = kb.topics[tid]
    rec = _dump(card.model)
    rec["derived"] = {
        "courses": courses_of_topic(g, tid),
        "digest_count": len(card.model.digests),
        "unverified_markers": sum(len(NOT_VERIFIED_RE.findall(t)) for t in _texts(rec)),
    }
    rec["source_path"] = card.rel
    return rec


def digest_record(kb: KnowledgeBase, g: nx.MultiDiGraph, did: str) -> dict[str, Any]:
    card = kb.digests[did]
    rec = _dump(card.model)
    rec["derived"] = {"topics": topics_using_digest(g, did)}
    rec["source_path"] = card.rel
    return rec


def course_record(kb: KnowledgeBase, g: nx.MultiDiGraph, cid: str) -> dict[str, Any]:
    card = kb.courses[cid]
    rec = _dump(card.model)
    topics = course_topics(g, cid)
    rec["derived"] = {"topics": topics, "learning_order": course_order(g, cid)}
    rec["source_path"] = card.rel
    return rec


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)


def graph_json(g: nx.MultiDiGraph, course_id: str | None = None) -> dict[str, Any]:
    keep = None
    if course_id is not None:
        keep = {f"topic:{t}" for t in course_topics(g, course_id)} | {f"course:{course_id}"}
    nodes = [
        {"id": n, "kind": d["kind"], "ref": d["id"], "title": d.get("title", d["id"])}
        for n, d in sorted(g.nodes(data=True))
        if keep is None or n in keep
    ]
    names = {n["id"] for n in nodes}
    edges = [
        {"from": u, "to": v, "type": k}
        for u, v, k in sorted(g.edges(keys=True))
        if u in names and (v in names or keep is None)
    ]
    return {"version": EXPORT_VERSION, "nodes": nodes, "edges": edges}


def export_document(kb: KnowledgeBase, g: nx.MultiDiGraph) -> dict[str, Any]:
    return {
        "version": EXPORT_VERSION,
        "generator": f"kb {__version__}",
        "topics": [topic_record(kb, g, t) for t in sorted(kb.topics)],
        "digests": [digest_record(kb, g, d) for d in sorted(kb.digests)],
        "courses": [course_record(kb, g, c) for c in sorted(kb.courses)],
        "concepts": sorted(d["id"] for _, d in g.nodes(data=True) if d["kind"] == "concept"),
        "edges": graph_json(g)["edges"],
    }


def export_records(kb: KnowledgeBase, g: nx.MultiDiGraph) -> Iterator[dict[str, Any]]:
    """One self-describing record per line for JSON Lines."""
    doc = export_document(kb, g)
    for kind in ("course", "topic", "digest"):
        for rec in doc[f"{kind}s"]:
            yield {"type": kind, **rec}
    for concept in doc["concepts"]:
        yield {"type": "concept", "id": concept}
    for edge in doc["edges"]:
        # the record's "type" says what the line is; the edge's own type is its relation
        yield {"type": "edge", "from": edge["from"], "to": edge["to"], "relation": edge["type"]}
