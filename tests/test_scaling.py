"""Work grows no faster than n log n: counted calls, never timings, at 100 and 1,000 generated topics.

A rule that compares every card with every other card passes a small test
suite and then takes minutes on a large curriculum. Timings on a shared
machine are noise; the number of function calls (Python and C) a stage makes
is not. Ten times the topics may cost at most about 10 log(1000)/log(100) =
15 times the calls.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from kb.config import KbConfig
from kb.graph import build_graph
from kb.store import load_kb
from validators.context import RuleContext
from validators.engine import active_rules, rule_options
from validators.rules import _urls

from tests.kbroots import gen_kb

#: n log n from 100 to 1,000 items is 15x; a quadratic step would be 100x
MAX_GROWTH = 15.0


class _Calls:
    """Counts every Python and C function call made while it is active."""

    def __init__(self) -> None:
        self.n = 0

    def _hook(self, frame, event, arg):
        if event == "call" or event == "c_call":
            self.n += 1

    def __enter__(self):
        sys.setprofile(self._hook)
        return self

    def __exit__(self, *exc):
        sys.setprofile(None)


def _work(root: Path) -> Counter:
    _urls.url_problem.cache_clear()
    _urls.normalize_url.cache_clear()
    counts: Counter = Counter()
    with _Calls() as calls:
        kb = load_kb(root)
    counts["load"] = calls.n
    with _Calls() as calls:
        graph = build_graph(kb)
    counts["graph"] = calls.n
    cfg = KbConfig()
    ctx = RuleContext(kb, graph, cfg)
    for rule in active_rules(cfg, ("offline",)):
        options = rule_options(rule, cfg)
        with _Calls() as calls:
            list(rule().check(ctx, options))
        counts[rule.code] = calls.n
    return counts


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    out = {}
    for n in (100, 1000):
        root = tmp_path_factory.mktemp(f"kb{n}")
        gen_kb.generate(root, topics=n, seed=1, plant_errors=True)
        out[n] = _work(root)
    return out


def test_loading_and_every_rule_grow_near_linearly(work):
    small, large = work[100], work[1000]
    growth = {stage: large[stage] / max(small[stage], 1) for stage in large}
    too_fast = {stage: round(g, 1) for stage, g in growth.items() if g > MAX_GROWTH and large[stage] > 1000}
    assert not too_fast, f"work grew more than {MAX_GROWTH}x for 10x the topics: {too_fast}"


def test_the_count_would_catch_a_quadratic_rule(tmp_path):
    """The counter sees a rule that compares every topic with every other one."""

    def same(a, b):
        return a == b

    def pairs(kb):
        return sum(1 for a in kb.topics for b in kb.topics if same(a, b))

    counts = {}
    for n in (60, 300):
        root = tmp_path / str(n)
        gen_kb.generate(root, topics=n, seed=1)
        kb = load_kb(root)
        with _Calls() as calls:
            pairs(kb)
        counts[n] = calls.n
    assert counts[300] / counts[60] > MAX_GROWTH  # 5x the topics, 25x the pairs


def test_closest_id_is_what_difflib_gives():
    """KB201's hint search prunes by an upper bound; it must pick exactly what difflib would."""
    import difflib
    import random

    from validators.rules.kb201_dangling_reference import closest

    rng = random.Random(4)
    ids = sorted([f"topic-{i:05d}" for i in range(0, 3000, 7)] + ["cnns", "resnet", "resnets", "vision-transformer", "ab", "ba"])
    words = ["topic-00015", "topic-1234", "no-such-topic", "cnn", "vision-transformers", "resnt", "xyz", "ab", ""]
    words += ["".join(rng.choice("abcnopst-0123") for _ in range(rng.randint(1, 12))) for _ in range(150)]
    for word in words:
        for pool in (ids, ids[:40], ["ab", "ba", "abc", "cab"]):
            assert closest(word, pool) == difflib.get_close_matches(word, pool, n=1, cutoff=0.6), word


def test_url_fast_path_agrees_with_parsing():
    import random

    rng = random.Random(11)
    alphabet = "hHtTpPsS:/.-a0[]@#?% éx\x01"
    samples = ["https://a.b", "HTTPS://WWW.X.ORG/p?q#f", "https://a..b/", "https://a.b:80/", "https://u@a.b/", "https://[::1]/",
               "https://localhost/", "https://a/", "ftp://a.b/", "https://a.b/ x", "htps://a.b", "https://a.b/é"]
    samples += [rng.choice(["https://", "http://", "HtTp://", "https://ab.cd", ""])
                + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(20000)]
    fast = 0
    for url in samples:
        assert _urls.url_problem.__wrapped__(url) == _urls._parsed_url_problem(url), url
        fast += bool(_urls._PLAINLY_FINE.fullmatch(url))
    assert fast > 100  # the fast path was exercised


def test_url_normalising_fast_path_agrees_with_parsing():
    import random

    rng = random.Random(12)
    alphabet = "hHtTpPsSwW:/.-a0[]@#?%;=&~ éx\x01"
    samples = ["https://a.b", "HTTPS://WWW.X.ORG/p?q#f", "http://www.a.b//", "https://a.b/x//", "https://WWW.A.B/P/",
               "https://a.b:443/", "https://u@a.b/", "https://a.b/p?utm_source=x&b=1", "https://a.b/p#f", "https://www./",
               "https://a.b/%7E", "https://a.b/;p", "https://a.b/é", "https://a.b/x>y"]
    samples += [rng.choice(["https://", "http://", "HtTp://", "https://www.ab.cd", "https://ab.cd/", ""])
                + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(20000)]
    fast = 0
    for url in samples:
        try:
            expected = _urls._parsed_normalize_url(url)
        except ValueError:  # an unparsable URL: the rules ask only about URLs without a url_problem
            assert not _urls._PLAIN_PAGE.fullmatch(url), url
            continue
        assert _urls.normalize_url.__wrapped__(url) == expected, url
        fast += bool(_urls._PLAIN_PAGE.fullmatch(url))
    assert fast > 100  # the fast path was exercised
