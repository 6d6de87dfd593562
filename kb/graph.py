"""The concept graph: cards and the concepts they mention, as a networkx graph.

Nodes are named ``"<kind>:<id>"`` (``topic:cnns``, ``digest:resnet``,
``course:intro-to-multimodal``, ``concept:vision-transformer``) and carry a
``kind`` and ``id`` attribute; a topic, digest or course node also carries its
card.  A concept node stands for an id that is named somewhere but has no
card of its own.

Edges are typed by their key (a MultiDiGraph, so two cards can be linked in
more than one way):

=============  =====================  ======================================
key            from -> to             meaning
=============  =====================  ======================================
prerequisite   topic -> topic         the source needs the target first
related        topic -> topic         see also
uses-digest    topic -> digest        the topic lists the digest
in-course      topic -> course        the course's modules list the topic
mentions       topic -> concept       coverage notes name a card that is needed
=============  =====================  ======================================

Derived facts (how many courses use a topic) are read from here, never typed
by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import networkx as nx

from kb.store import KnowledgeBase

PREREQUISITE = "prerequisite"
RELATED = "related"
USES_DIGEST = "uses-digest"
IN_COURSE = "in-course"
MENTIONS = "mentions"


def node(kind: str, ident: str) -> str:
    return f"{kind}:{ident}"


def build_graph(kb: KnowledgeBase) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for kind, table in (("topic", kb.topics), ("digest", kb.digests), ("course", kb.courses)):
        for ident, card in table.items():
            g.add_node(node(kind, ident), kind=kind, id=ident, card=card, title=card.model.title)

    def target(kind: str, ident: str) -> str:
        n = node(kind, ident)
        if n not in g:
            # a referenced id with no card: keep it visible as a concept
            n = node("concept", ident)
            if n not in g:
                g.add_node(n, kind="concept", id=ident, card=None, title=ident)
        return n

    for tid, card in kb.topics.items():
        src = node("topic", tid)
        t = card.model
        for i, pre in enumerate(t.prerequisites):
            g.add_edge(src, target("topic", pre), key=PREREQUISITE, index=i)
        for i, rel in enumerate(t.related):
            g.add_edge(src, target("topic", rel), key=RELATED, index=i)
        for i, did in enumerate(t.digests):
            g.add_edge(src, target("digest", did), key=USES_DIGEST, index=i)
        for i, concept in enumerate(t.coverage.needs_cards):
            g.add_edge(src, target("topic", concept), key=MENTIONS, index=i)
    for cid, card in kb.courses.items():
        dst = node("course", cid)
        position = 0
        for m_index, module in enumerate(card.model.modules):
            for t_index, tid in enumerate(module.topics):
                src = target("topic", tid)
                # one edge per topic and course; a topic listed twice keeps every slot in ``slots``
                slots = g.edges[src, dst, IN_COURSE]["slots"] if g.has_edge(src, dst, IN_COURSE) else []
                slots.append((m_index, t_index, position))
                g.add_edge(src, dst, key=IN_COURSE, module=m_index, index=t_index, position=position, slots=slots)
                position += 1
    return g


def edges_of(g: nx.MultiDiGraph, key: str) -> Iterable[tuple[str, str, dict]]:
    for u, v, k, data in g.edges(keys=True, data=True):
        if k == key:
            yield u, v, data


def courses_of_topic(g: nx.MultiDiGraph, topic_id: str) -> list[str]:
    """Ids of the courses whose modules list the topic, in id order."""
    n = node("topic", topic_id)
    if n not in g:
        return []
    return sorted({g.nodes[v]["id"] for _, v, k in g.out_edges(n, keys=True) if k == IN_COURSE})


def digests_of_topic(g: nx.MultiDiGraph, topic_id: str) -> list[str]:
    n = node("topic", topic_id)
    if n not in g:
        return []
    return [g.nodes[v]["id"] for _, v, k in g.out_edges(n, keys=True) if k == USES_DIGEST]


def topics_using_digest(g: nx.MultiDiGraph, digest_id: str) -> list[str]:
    n = node("digest", digest_id)
    if n not in g:
        return []
    return sorted({g.nodes[u]["id"] for u, _, k in g.in_edges(n, keys=True) if k == USES_DIGEST})


def prerequisite_graph(g: nx.MultiDiGraph) -> nx.DiGraph:
    """Topic -> prerequisite edges only, as a simple DiGraph."""
    d = nx.DiGraph()
    for n, data in g.nodes(data=True):
        if data["kind"] == "topic":
            d.add_node(data["id"])
    for u, v, _ in edges_of(g, PREREQUISITE):
        d.add_edge(g.nodes[u]["id"], g.nodes[v]["id"])
    return d


def prerequisite_cycles(g: nx.MultiDiGraph) -> list[list[str]]:
    """Each cycle once, rotated to start at its smallest id, sorted."""
    d = prerequisite_graph(g)
    out = []
    for cycle in nx.simple_cycles(d):
        i = cycle.index(min(cycle))
        out.append(cycle[i:] + cycle[:i])
    return sorted(out)


@dataclass(frozen=True)
class CourseEntry:
    """One slot of a course's modules: which topic, in which module, where."""

    topic: str
    module: int  # index of the module in the course
    index: int  # index of the topic in its module
    position: int  # 0-based position in the whole course, across modules


def course_entries(g: nx.MultiDiGraph, course_id: str) -> list[CourseEntry]:
    """Every topic slot of the course's modules, in course order (a topic listed twice appears twice)."""
    dst = node("course", course_id)
    if dst not in g:
        return []
    entries = [
        CourseEntry(g.nodes[u]["id"], module, index, position)
        for u, _, k, data in g.in_edges(dst, keys=True, data=True)
        if k == IN_COURSE
        for module, index, position in data["slots"]
    ]
    entries.sort(key=lambda e: e.position)
    return entries


def course_topics(g: nx.MultiDiGraph, course_id: str) -> list[str]:
    """The course's topics in the order its modules list them, each once (a repeated topic at its last slot)."""
    dst = node("course", course_id)
    if dst not in g:
        return []
    edges = sorted((data["position"], g.nodes[u]["id"]) for u, _, k, data in g.in_edges(dst, keys=True, data=True)
                   if k == IN_COURSE)
    return list(dict.fromkeys(tid for _, tid in edges))


def first_entries(g: nx.MultiDiGraph, course_id: str) -> dict[str, CourseEntry]:
    """Each topic of the course mapped to its first slot in the modules."""
    out: dict[str, CourseEntry] = {}
    for e in course_entries(g, course_id):
        out.setdefault(e.topic, e)
    return out


def in_course(g: nx.MultiDiGraph, topic_id: str, course_id: str) -> bool:
    """Whether the course's modules list the topic (whether or not it has a card)."""
    for kind in ("topic", "concept"):
        if g.has_edge(node(kind, topic_id), node("course", course_id), key=IN_COURSE):
            return True
    return False


def topics_needing(g: nx.MultiDiGraph, topic_id: str) -> list[str]:
    """Ids of the topics that name this one as a prerequisite ("needed by"), in id order."""
    n = node("topic", topic_id)
    if n not in g:
        return []
    return sorted({g.nodes[u]["id"] for u, _, k in g.in_edges(n, keys=True) if k == PREREQUISITE})


def learning_order(g: nx.MultiDiGraph, topic_ids: list[str]) -> list[str]:
    """``topic_ids`` reordered so every prerequisite comes first.

    Stable: among topics whose prerequisites are met, the given order wins.
    Cycles (reported by KB202) are broken by falling back to the given order.
    Only the given topics' own edges are read, so the cost is the size of
    the list, not of the knowledge base.
    """
    rank = {t: i for i, t in enumerate(topic_ids)}
    d = nx.DiGraph()
    d.add_nodes_from(rank)
    for t in rank:
        n = node("topic", t)
        if n not in g:
            continue
        for _, v, k in g.out_edges(n, keys=True):
            pre = g.nodes[v]["id"]
            if k == PREREQUISITE and pre in rank:
                # an edge from the prerequisite to the topic that needs it: a teaching order
                d.add_edge(pre, t)
    try:
        return list(nx.lexicographical_topological_sort(d, key=lambda t: rank[t]))
    except nx.NetworkXUnfeasible:
        return list(topic_ids)


def course_order(g: nx.MultiDiGraph, course_id: str) -> list[str]:
    """The course's topics that have cards, in learning order: the order its pages teach them."""
    listed = [t for t in course_topics(g, course_id) if node("topic", t) in g]
    return learning_order(g, listed)


@dataclass(frozen=True)
class Stats:
    topics: int
    digests: int
    courses: int
    concepts: int


def stats(g: nx.MultiDiGraph) -> Stats:
    counts = {"topic": 0, "digest": 0, "course": 0, "concept": 0}
    for _, data in g.nodes(data=True):
        counts[data["kind"]] += 1
    return Stats(counts["topic"], counts["digest"], counts["course"], counts["concept"])


def mermaid_label(text: str) -> str:
    """A node label Mermaid shows as text: anything but plain characters becomes an entity code.

    Card titles are author text; escaping them here keeps them from being read
    as Mermaid syntax (or markup) wherever the diagram is shown.
    """
    text = " ".join(str(text).split())[:80]
    return "".join(ch if (ch.isalnum() or ch in " ,.:/()'+-_") else f"#{ord(ch)};" for ch in text)


def to_mermaid(
    g: nx.MultiDiGraph,
    course_id: str | None = None,
    *,
    order: list[str] | None = None,
    title: str | None = None,
    description: str | None = None,
    numbered: bool = False,
) -> str:
    """A Mermaid flowchart of topics, their prerequisites and the concepts they mention.

    ``order`` (default: the course's module order, or all topics by id) fixes
    the topics shown and their numbering; prerequisites outside it are drawn
    dashed, and mentioned concepts without a card as dashed rounded boxes.
    ``title`` and ``description`` become Mermaid's accessible title and
    description.
    """
    if order is not None:
        topics = list(order)
    elif course_id is not None:
        topics = course_topics(g, course_id)
    else:
        topics = sorted(data["id"] for _, data in g.nodes(data=True) if data["kind"] == "topic")
    keep = set(topics)
    lines = ["flowchart LR"]
    if title:
        lines.append(f"  accTitle: {mermaid_label(title)}")
    if description:
        lines.append(f"  accDescr: {mermaid_label(description)}")
    ids: dict[str, str] = {}
    for i, t in enumerate(topics):
        ids[t] = f"t{i}"
        label = mermaid_label(g.nodes[node("topic", t)].get("title", t)) if node("topic", t) in g else mermaid_label(t)
        lines.append(f'  t{i}["{f"{i + 1}. " if numbered else ""}{label}"]')
    extra = 0
    # the shown topics' own edges, in the graph's edge order (so the source is the same whatever the graph's size)
    sources = [n for n in (node("topic", t) for t in dict.fromkeys(topics)) if n in g]
    rank = {n: i for i, n in enumerate(g.nodes) if n in set(sources)} if sources else {}
    sources.sort(key=rank.__getitem__)

    def own_edges(key: str) -> Iterable[tuple[str, str]]:
        for u in sources:
            for _, v, k in g.out_edges(u, keys=True):
                if k == key:
                    yield u, v

    for u, v in own_edges(PREREQUISITE):
        a, b = g.nodes[u]["id"], g.nodes[v]["id"]
        if a not in keep:
            continue
        if b not in ids:
            ids[b] = f"x{extra}"
            extra += 1
            lines.append(f'  {ids[b]}["{mermaid_label(g.nodes[v].get("title", b))}"]:::outside')
        lines.append(f"  {ids[b]} --> {ids[a]}")
    for u, v in own_edges(MENTIONS):
        a, b = g.nodes[u]["id"], g.nodes[v]["id"]
        if a not in keep:
            continue
        key = "concept:" + b
        if key not in ids:
            ids[key] = f"c{extra}"
            extra += 1
            lines.append(f'  {ids[key]}(["{mermaid_label(b)}"]):::missing')
        lines.append(f"  {ids[a]} -. mentions .-> {ids[key]}")
    lines.append("  classDef outside stroke-dasharray: 4 2")
    lines.append("  classDef missing stroke-dasharray: 2 2")
    return "\n".join(lines)
