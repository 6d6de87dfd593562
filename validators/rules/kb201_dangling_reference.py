"""A card refers to an id that no card has.

## What it does
Follows every id a card uses to point at another card and reports those
that lead nowhere: a topic's `prerequisites` and `digests`, a resource's
`digest`, the course ids under a topic's `courses`, the resource ids a
course picks, and the topic ids in a course's modules. Related topics and
concepts that merely need a card are KB205 instead.

## Why it matters
A dangling prerequisite silently drops out of every ordering, and a course
that lists a missing topic publishes a hole in its syllabus.

## Example
```yaml
id: cnns
prerequisites: [linear-algebr]
```

## Use instead
```yaml
id: cnns
prerequisites: [linear-algebra]
```
"""

import difflib

from validators.diagnostic import Severity
from validators.registry import Rule


def closest(word, possibilities, cutoff=0.6):
    """What ``difflib.get_close_matches(word, possibilities, n=1, cutoff)`` returns, without scoring every id.

    ``quick_ratio`` is an upper bound of ``ratio``: candidates are scored in
    falling order of that bound, and the search stops once no bound can beat
    the best score found. On ten thousand similar ids (``topic-00042``...)
    this scores a handful instead of all of them.
    """
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    bounds = []
    for x in possibilities:
        matcher.set_seq1(x)
        if matcher.real_quick_ratio() >= cutoff:
            bound = matcher.quick_ratio()
            if bound >= cutoff:
                bounds.append((bound, x))
    bounds.sort(reverse=True)
    best = None
    for bound, x in bounds:
        if best is not None and (bound, x) < best:
            break  # neither this candidate nor any after it can score above the best
        matcher.set_seq1(x)
        score = matcher.ratio()
        if score >= cutoff and (best is None or (score, x) > best):
            best = (score, x)
    return [best[1]] if best else []


def _close_hint(missing, known, what):
    close = closest(missing, sorted(known))
    if close:
        return f"did you mean {close[0]!r}?"
    return f"create cards/{what}/{missing}.yaml, or fix the id"


class DanglingReference(Rule):
    code = "KB201"
    name = "dangling-reference"
    severity = Severity.error

    def check(self, ctx, options):
        kb = ctx.kb
        tables = {"topics": kb.topics, "digests": kb.digests, "courses": kb.courses}
        memo: dict[tuple[str, str], str] = {}

        def _hint(missing, known, what):
            # one missing card often dangles from many others: search the ids for it once
            if known is not tables.get(what):
                return _close_hint(missing, known, what)
            if (missing, what) not in memo:
                memo[(missing, what)] = _close_hint(missing, known, what)
            return memo[(missing, what)]

        for card in kb.topics.values():
            t = card.model
            for i, pre in enumerate(t.prerequisites):
                if pre not in kb.topics:
                    yield ctx.at(card, "prerequisites", i, message=f"prerequisite {pre!r} is not a topic",
                                 hint=_hint(pre, kb.topics, "topics"))
            for i, did in enumerate(t.digests):
                if did not in kb.digests:
                    yield ctx.at(card, "digests", i, message=f"digest {did!r} does not exist",
                                 hint=_hint(did, kb.digests, "digests"))
            for i, res in enumerate(t.resources):
                if res.digest and res.digest not in kb.digests:
                    yield ctx.at(card, "resources", i, "digest", message=f"resource {res.id!r} names digest {res.digest!r}, which does not exist",
                                 hint=_hint(res.digest, kb.digests, "digests"))
            resource_ids = {r.id for r in t.resources}
            # a resource removed by schema recovery (KB102) may be the one picked
            removed = card.pruned_names.get("resources", frozenset())
            for cid, use in t.courses.items():
                if cid not in kb.courses:
                    yield ctx.at(card, "courses", cid, key=True, message=f"course {cid!r} does not exist",
                                 hint=_hint(cid, kb.courses, "courses"))
                for j, rid in enumerate(use.resources):
                    if rid not in resource_ids and rid not in removed:
                        yield ctx.at(card, "courses", cid, "resources", j,
                                     message=f"course {cid!r} picks resource {rid!r}, which this topic does not have",
                                     hint=_hint(rid, resource_ids, "topics") if resource_ids else None)
        for card in kb.courses.values():
            for m, module in enumerate(card.model.modules):
                for i, tid in enumerate(module.topics):
                    if tid not in kb.topics:
                        yield ctx.at(card, "modules", m, "topics", i, message=f"module {module.title!r} lists topic {tid!r}, which has no card",
                                     hint=_hint(tid, kb.topics, "topics"))


RULE = DanglingReference
