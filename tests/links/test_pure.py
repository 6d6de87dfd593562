"""Pure parts of the link stage: extraction, collection, identity, address rules, parsing."""

from __future__ import annotations

import httpx
import pytest

from kb.config import KbConfig, LinksConfig
from tests.links.conftest import resource, topic, write_kb
from validators.links.collect import classify, collect_targets, fetch_key
from validators.links.extract import extract_occurrences
from validators.links.identity import judge, title_similarity
from validators.links.model import Expectation, LinkReport, Verdict, trim_url
from validators.links.netguard import ProxyRules, forbidden_address, local_name
from validators.links.page import PageParser, bot_challenge, soft_404


def test_extract_finds_urls_in_fields_and_prose_with_positions(tmp_path):
    root = tmp_path / "cards"
    kb = write_kb(root, topics=[topic(
        summary="Read [the notes](https://cs231n.github.io/convolutional-networks/) and "
                "<https://colah.github.io/>, or https://en.wikipedia.org/wiki/Kernel_(image_processing).",
        resources=[resource("a", "https://example.org/a", "A", why="The arxiv mirror is: https://arxiv.org/abs/1404.5997 [NOT VERIFIED]")],
    )])
    occs = extract_occurrences(kb)
    urls = [o.url for o in occs]
    assert urls == [
        "https://cs231n.github.io/convolutional-networks/",
        "https://colah.github.io/",
        "https://en.wikipedia.org/wiki/Kernel_(image_processing)",
        "https://example.org/a",
        "https://arxiv.org/abs/1404.5997",
    ]
    text = (root / "topics" / "t1.yaml").read_text().splitlines()
    for o in occs:
        assert text[o.line - 1][o.col - 1 :].startswith(o.url), o
    by_url = {o.url: o for o in occs}
    assert by_url["https://example.org/a"].expectation.title == "A"
    assert by_url["https://arxiv.org/abs/1404.5997"].expectation.source.startswith("mirror")
    assert by_url["https://colah.github.io/"].expectation is None
    assert by_url["https://arxiv.org/abs/1404.5997"].field == "resources[0].why"


def test_extract_reads_block_scalars_and_digest_identifiers(tmp_path):
    root = tmp_path / "cards"
    (root / "digests").mkdir(parents=True)
    (root / "digests" / "d.yaml").write_text(
        "id: d\nkind: paper\ntitle: Deep Residual Learning\nurl: https://arxiv.org/abs/1512.03385\n"
        "identifiers:\n  arxiv: '1512.03385'\n  doi: 10.1109/CVPR.2016.90\n"
        "key_points: |\n  - first line\n  - see https://pytorch.org/vision/stable/models.html#classification for more\n")
    from kb.store import load_kb

    occs = extract_occurrences(load_kb(root))
    assert [o.url for o in occs] == [
        "https://arxiv.org/abs/1512.03385",
        "https://pytorch.org/vision/stable/models.html#classification",
        "arxiv:1512.03385",
        "doi:10.1109/CVPR.2016.90",
    ]
    prose = occs[1]
    assert (prose.line, prose.col) == (10, 9) and prose.fragment == "classification"
    assert occs[2].expectation.source == "digest"


def test_collect_dedupes_normalises_and_excludes(tmp_path):
    kb = write_kb(tmp_path / "cards", topics=[
        topic("a", summary="HTTPS://Example.ORG:443/x#one and https://example.org/x#two https://skip.me/y"),
        topic("b", summary="https://example.org/x again, https://github.com/rasbt/machine-learning-book"),
    ])
    targets = collect_targets(extract_occurrences(kb), LinksConfig(exclude=[r"skip\.me"]))
    by_key = {t.key: t for t in targets}
    x = by_key["https://example.org/x"]
    assert len(x.occurrences) == 3 and x.fragments == {"one", "two"} and x.mode == "anchors"
    assert by_key["https://skip.me/y"].skip.startswith("excluded")
    assert by_key["https://github.com/rasbt/machine-learning-book"].resolver == "github"


def test_include_patterns(tmp_path):
    kb = write_kb(tmp_path / "cards", topics=[topic(summary="https://a.org/1 https://b.org/2")])
    targets = collect_targets(extract_occurrences(kb), LinksConfig(include=[r"^https://a\.org/"]))
    assert [t.skip is None for t in targets] == [True, False]


def test_invalid_pattern_is_a_config_error():
    with pytest.raises(Exception, match="regular expression"):
        KbConfig.model_validate({"links": {"exclude": ["a("]}})


@pytest.mark.parametrize("url, expected", [
    ("https://arxiv.org/abs/1404.5997", ("arxiv", "1404.5997")),
    ("https://arxiv.org/pdf/1404.5997v2.pdf", ("arxiv", "1404.5997v2")),
    ("http://export.arxiv.org/abs/hep-th/9901001", ("arxiv", "hep-th/9901001")),
    ("https://doi.org/10.1145/3065386", ("doi", "10.1145/3065386")),
    ("https://www.youtube.com/watch?v=vT1JzLTH4G4&t=30", ("youtube", "vT1JzLTH4G4")),
    ("https://youtu.be/vT1JzLTH4G4", ("youtube", "vT1JzLTH4G4")),
    ("https://github.com/rasbt/machine-learning-book", ("github", "rasbt/machine-learning-book")),
    ("https://github.com/rasbt/machine-learning-book/tree/main/ch14", (None, None)),
    ("https://github.com/features/actions", (None, None)),
    ("https://colah.github.io/", (None, None)),
])
def test_classify(url, expected):
    assert classify(url) == expected


def test_fetch_key_and_trim():
    assert fetch_key("HTTP://Example.COM:80?q=1#frag") == "http://example.com/?q=1"
    assert fetch_key("https://example.com:8443/a") == "https://example.com:8443/a"
    assert trim_url("https://x.org/a).") == "https://x.org/a"
    assert trim_url("https://x.org/wiki/A_(b)") == "https://x.org/wiki/A_(b)"


@pytest.mark.parametrize("expected, found, low, high", [
    ("Conv Nets: A Modular Perspective", "Conv Nets: A Modular Perspective - colah's blog", 0.99, 1.0),
    ("Lecture 5: Convolutional Neural Networks", "Lecture 5 | Convolutional Neural Networks", 0.99, 1.0),
    ("Deep Residual Learning", "Deep residual learning for image recognition", 0.85, 1.0),
    ("Naïve Bayes & friends", "Naive Bayes and Friends", 0.99, 1.0),
    ("ImageNet Classification with Deep Convolutional Neural Networks",
     "One weird trick for parallelizing convolutional neural networks", 0.0, 0.5),
    ("Conv Nets: A Modular Perspective", "Hacker News", 0.0, 0.01),
])
def test_title_similarity(expected, found, low, high):
    assert low <= title_similarity(expected, found) <= high


def test_judge_weighs_authors_and_year():
    alexnet = Expectation("ImageNet Classification with Deep Convolutional Neural Networks",
                          ("Alex Krizhevsky", "Ilya Sutskever", "Geoffrey Hinton"), 2012, "resource 'p'")
    trick = judge(alexnet, "One weird trick for parallelizing convolutional neural networks", "arXiv API", "strong",
                  ("Alex Krizhevsky",), 2014)
    assert trick.verdict is Verdict.mismatch
    same = judge(alexnet, "ImageNet classification with deep convolutional neural networks", "Crossref", "strong",
                 ("A. Krizhevsky", "I. Sutskever", "G. Hinton"), 2012)
    assert same.verdict is Verdict.match
    weak = judge(alexnet, "NeurIPS Proceedings", "<title>", "weak")
    assert weak.verdict is Verdict.inconclusive


@pytest.mark.parametrize("addr, bad", [
    ("127.0.0.1", True), ("10.1.2.3", True), ("192.168.0.1", True), ("169.254.169.254", True),
    ("100.100.100.200", True), ("::1", True), ("fe80::1", True), ("::ffff:127.0.0.1", True), ("0.0.0.0", True),
    ("8.8.8.8", False), ("2606:4700::1111", False),
])
def test_forbidden_addresses(addr, bad):
    assert forbidden_address(addr) is bad


def test_local_names():
    assert local_name("localhost") and local_name("metadata.google.internal") and not local_name("arxiv.org")


def test_proxy_rules(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", ".internal.example,localhost")
    rules = ProxyRules()
    assert rules.proxy_for("https://arxiv.org/abs/1") == "http://proxy.corp:3128"
    assert rules.proxy_for("https://wiki.internal.example/x") is None
    assert rules.proxy_for("http://arxiv.org/") is None  # no HTTP_PROXY


def test_page_parser_stops_at_head_and_finds_anchors():
    p = PageParser()
    p.feed("<html><head><title> A  Title </title><meta name='citation_title' content='Real Title'>"
           "<meta property='og:title' content='OG'></head><body><h1>Heading</h1>")
    assert p.title == "A Title" and p.first("citation_title") == "Real Title" and p.first("og_title") == "OG"
    assert p.enough(want_title=True)
    q = PageParser({"sec-2"})
    q.feed("<div id='sec-1'></div>")
    assert not q.enough(False)
    q.feed("<a name='sec-2'></a>")
    assert q.enough(False)


def test_soft_404_and_challenges():
    assert soft_404("Page not found – Example", None)
    assert soft_404("Oops", "404")
    assert not soft_404("Error-correcting codes", "Hamming distance")
    assert bot_challenge({"cf-mitigated": "challenge"}, None, "")
    assert bot_challenge({}, "Just a moment...", "")
    assert not bot_challenge({}, "Deep Residual Learning", "<p>")


def test_retry_after_parsing():
    from validators.links.check import retry_after

    assert retry_after({"retry-after": "7"}) == 7.0
    assert retry_after({}) is None
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0


def test_summary_lines():
    r = LinkReport()
    r.counts.checked, r.counts.ok, r.counts.broken, r.counts.cached, r.counts.seconds = 10, 8, 2, 3, 1.25
    assert r.summary_line() == "links: 10 checked, 8 ok, 2 broken, 0 blocked/unknown, 3 cached in 1.2 s"
    r.offline, r.offline_reason, r.counts.unchecked = True, "no host name could be resolved", 7
    assert r.summary_line().startswith("links: not checked, no network")


def test_checker_with_a_mock_transport():
    """Unit-level: the checker's judgement of replies, with httpx's mock transport standing in for servers."""
    import asyncio

    asyncio.run(_mock_transport_checks())


async def _mock_transport_checks():
    from validators.links.check import Checker
    from validators.links.collect import Target
    from validators.links.model import Outcome

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/moved":
            return httpx.Response(308, headers={"Location": "/here"})
        if request.method == "HEAD" and request.url.path == "/liar":
            return httpx.Response(404)
        return httpx.Response(200, html="<title>Here</title>")

    checker = Checker(LinksConfig(allow_private_hosts=True, per_host_interval_ms=0), allow_private=True)
    await checker.client.aclose()
    checker.pools = httpx.MockTransport(handler)
    checker.client = httpx.AsyncClient(transport=checker.pools)
    try:
        moved = await checker.check_http(Target("http://mock.test/moved", "http://mock.test/moved", "mock.test:80"))
        assert moved.outcome is Outcome.ok and moved.moved_to == "http://mock.test/here"
        liar = await checker.check_http(Target("http://mock.test/liar", "http://mock.test/liar", "mock.test:80"))
        assert liar.outcome is Outcome.ok and liar.requests == 2
    finally:
        await checker.aclose()


class _Stream:
    def __init__(self, tty: bool):
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, s: str) -> None:
        self.text += s

    def flush(self) -> None:
        pass


def test_progress_bar_only_on_a_terminal(monkeypatch):
    from validators.links.progress import Progress

    monkeypatch.delenv("TERM", raising=False)
    tty, pipe = _Stream(True), _Stream(False)
    for stream in (tty, pipe):
        bar = Progress(3, True, stream)
        for outcome in ("ok", "broken", "ok"):
            bar.advance(outcome)
        bar.close()
    assert "3/3" in tty.text and "broken 1" in tty.text and tty.text.endswith("\r")
    assert pipe.text == ""
    quiet = _Stream(True)
    Progress(3, False, quiet).advance("ok")
    assert quiet.text == ""
