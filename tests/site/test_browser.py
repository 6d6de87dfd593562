"""The built site in a real headless browser (Debian's Chromium, driven by Playwright).

Two sites are built: the fixture knowledge base (seed-like, plus a card full
of injected markup, with a check report) and the committed cards.  Each is
served from a loopback HTTP server; any request that would leave loopback is
blocked and recorded, and the tests fail if there is one.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kb.store import load_kb
from tests.site.conftest import (
    ENGINEERING_EMPHASIS,
    INTRO_EMPHASIS,
    PAYLOAD_FLAG,
    REPO,
    build_site,
    fixture_report,
    need_mermaid,
)

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip("chromium is not on PATH (Debian: apt-get install chromium); the browser tests need it",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

# Material draws Mermaid diagrams inside a *closed* shadow root; open them so the test can see the SVG.
OPEN_SHADOW_ROOTS = """
(() => {
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    return attach.call(this, Object.assign({}, init, { mode: "open" }));
  };
})();
"""

MERMAID_SVG = """() => {
  const host = document.querySelector("div.mermaid");
  return !!(host && host.shadowRoot && host.shadowRoot.querySelector("svg"));
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture(scope="module")
def serve():
    servers = []

    def start(root: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory, fixture_cards, serve):
    need_mermaid()
    tmp = tmp_path_factory.mktemp("fixture-site")
    report = tmp / "report.json"
    report.write_text(json.dumps(fixture_report(fixture_cards)), encoding="utf-8")
    # not --strict: the injected card has lint errors (a javascript: URL) and must be published anyway
    build = build_site(tmp, fixture_cards, strict=False, report=report)
    assert build.returncode == 0, build.output
    return serve(build.site)


@pytest.fixture(scope="module")
def committed_site(tmp_path_factory, serve):
    if not any((REPO / "cards" / "courses").glob("*.yaml")):
        pytest.skip("no committed cards yet")
    need_mermaid()
    tmp = tmp_path_factory.mktemp("committed-site")
    build = build_site(tmp, REPO / "cards", strict=True)
    assert build.returncode == 0, build.output
    return serve(build.site), build.site


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        # Debian's Chromium, never a browser Playwright downloads
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(OPEN_SHADOW_ROOTS)
    outside: list[str] = []

    def gate(route):
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", gate)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.outside_requests = outside  # type: ignore[attr-defined]
    pg.page_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()
    assert outside == [], f"requests left loopback: {outside}"


def _pwned(pg) -> object:
    return pg.evaluate(f"() => window.{PAYLOAD_FLAG}")


# --------------------------------------------------------------------------- the fixture site


def test_course_pages_list_cnns_with_their_own_emphasis(page, fixture_site):
    seen = {}
    for cid, expected in (("intro-to-multimodal", INTRO_EMPHASIS), ("ml-engineering-foundations", ENGINEERING_EMPHASIS)):
        page.goto(fixture_site + f"courses/{cid}/")
        topic = page.locator('[data-topic="cnns"]')
        assert topic.count() == 1
        emphasis = topic.locator(".kb-emphasis").inner_text()
        assert expected in emphasis
        seen[cid] = emphasis
    assert seen["intro-to-multimodal"] != seen["ml-engineering-foundations"]


def test_mermaid_map_renders_offline(page, fixture_site, tmp_path):
    page.goto(fixture_site + "courses/ml-engineering-foundations/")
    page.wait_for_function(MERMAID_SVG, timeout=30_000)
    labels = page.evaluate(
        "() => document.querySelector('div.mermaid').shadowRoot.querySelector('svg').textContent"
    )
    assert "Linear algebra" in labels and "Convolutional neural networks" in labels
    shot = tmp_path / "course-page.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"course page screenshot: {shot}")
    assert page.page_errors == []  # type: ignore[attr-defined]


def test_digest_page_shows_claim_badges_with_evidence(page, fixture_site, tmp_path):
    page.goto(fixture_site + "digests/resnet/")
    badges = page.locator(".kb-claim .kb-badge")
    assert badges.count() >= 4
    texts = badges.all_inner_texts()
    for word in ("verified", "not verified", "disputed", "failing"):
        assert any(word in t for t in texts), texts
    verified = page.locator('.kb-claim[data-status="verified"]').first
    assert "torch flop counter" in verified.locator(".kb-badge").get_attribute("title")  # on hover
    details = verified.locator("details.kb-evidence")
    assert not details.locator("dl").is_visible()
    details.locator("summary").click()
    assert details.locator("dl").is_visible() and "4.09 GMACs" in details.inner_text()  # on expand
    shot = tmp_path / "digest-page.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"digest page screenshot: {shot}")


def test_javascript_links_from_cards_are_not_clickable(page, fixture_site):
    page.goto(fixture_site + "topics/probe/")
    bad = page.evaluate("""() => [...document.querySelectorAll('[href], [src], [action], [formaction]')]
        .map(e => e.getAttribute('href') || e.getAttribute('src') || '')
        .filter(u => /^\\s*(javascript|data|vbscript):/i.test(u))""")
    assert bad == []
    resource = page.get_by_text("Clickbait resource", exact=True)
    assert resource.count() == 1
    assert resource.evaluate("e => e.closest('a') === null")
    resource.click()
    for label in ("md-js", "md-data", "md-vb"):
        text = page.get_by_text(label, exact=True)
        assert text.evaluate("e => e.closest('a') === null"), label
        text.click()
    page.wait_for_timeout(200)
    assert _pwned(page) is None
    ok = page.locator('a[href="https://example.org/ok"]')
    assert ok.get_attribute("rel") == "noopener"


@pytest.mark.parametrize("path", ["topics/probe/", "courses/intro-to-multimodal/", "", "claims/", "tags/"])
def test_injected_markup_runs_no_script(page, fixture_site, path):
    page.goto(fixture_site + path)
    page.wait_for_load_state("load")
    page.mouse.move(300, 300)
    page.wait_for_timeout(200)
    assert _pwned(page) is None
    assert page.evaluate("() => document.querySelectorAll('article script, article iframe, [onerror], [onmouseover]').length") == 0
    if path == "topics/probe/":
        body = page.locator("article").inner_text()
        assert "<script>" in body and "<img src=x onerror=" in body  # shown as text
        assert page.locator("h1").inner_text().startswith("Probe <img")


def _search(page, query: str, expect: str) -> str:
    """Type ``query`` into Material's search box and wait until the results mention ``expect``.

    Material searches on key events, so the query is typed key by key; one
    typed before the search worker has loaded its index is dropped, so it is
    typed again until results come (for up to 30 seconds).
    """
    box = page.locator("input.md-search__input")
    box.click()
    ready = ("expect => { const r = document.querySelector('.md-search-result');"
             " return !!r && !!r.querySelector('.md-search-result__item') && r.innerText.includes(expect); }")
    for _ in range(30):
        box.fill("")
        box.press_sequentially(query)
        try:
            page.wait_for_function(ready, arg=expect, timeout=1_000)
            break
        except sync_api.TimeoutError:
            continue
    else:
        pytest.fail(f"search for {query!r} found nothing mentioning {expect!r}")
    return page.locator(".md-search-result").inner_text()


def test_search_finds_resnet(page, fixture_site):
    page.goto(fixture_site)
    assert "ResNet" in _search(page, "ResNet", "ResNet")
    # search results show the injected card's title as text, too
    assert "Probe <img" in _search(page, "Probe", "Probe")
    page.wait_for_timeout(200)
    assert _pwned(page) is None


def test_a_topic_in_no_course_is_reached_through_the_index(page, fixture_site):
    page.goto(fixture_site)
    # the topic is in no course, so the navigation does not list it ...
    assert page.locator('nav.md-nav--primary a[href*="topics/attention"]').count() == 0
    page.locator("nav.kb-indexes").get_by_role("link", name="Topics A to Z").click()
    page.wait_for_load_state()
    assert page.title().startswith("Topics A to Z")
    # ... and the A to Z index does, under its letter
    page.locator("#g-a").wait_for()
    page.locator("ul.kb-index").get_by_role("link", name="Attention mechanisms").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().strip().rstrip("¶") == "Attention mechanisms"
    assert "Weighting the parts of an input" in page.locator("article").inner_text()
    assert page.url.rstrip("/").endswith("topics/attention")


def test_ledger_filters_by_status(page, fixture_site):
    page.goto(fixture_site + "claims/?status=disputed")
    rows = page.locator("tbody tr[data-status]")
    visible = [r for r in rows.all() if r.is_visible()]
    assert visible and all(r.get_attribute("data-status") == "disputed" for r in visible)
    page.get_by_role("button", name="all", exact=False).first.click()
    assert len([r for r in rows.all() if r.is_visible()]) == rows.count()
    page.get_by_role("button", name="failing").click()
    assert page.get_by_role("button", name="failing").get_attribute("aria-pressed") == "true"
    assert {r.get_attribute("data-status") for r in rows.all() if r.is_visible()} == {"failing"}


# --------------------------------------------------------------------------- the committed cards


def test_committed_site_courses_and_search(page, committed_site):
    base, _ = committed_site
    kb = load_kb(REPO / "cards")
    cnns = kb.topics.get("cnns")
    if cnns is None:
        pytest.skip("the committed cards have no cnns topic")
    emphases = {}
    for cid, use in cnns.model.courses.items():
        if cid not in kb.courses:
            continue
        page.goto(base + f"courses/{cid}/")
        topic = page.locator('[data-topic="cnns"]')
        assert topic.count() == 1, cid
        emphases[cid] = topic.locator(".kb-emphasis").inner_text()
        assert " ".join(use.emphasis.split())[:40] in " ".join(emphases[cid].split())
    assert len(emphases) >= 2 and len(set(emphases.values())) == len(emphases)
    page.wait_for_function(MERMAID_SVG, timeout=30_000)
    page.goto(base)
    assert "ResNet" in _search(page, "ResNet", "ResNet")
    with_claims = [did for did, card in kb.digests.items() if card.model.claims]
    if with_claims:
        page.goto(base + f"digests/{with_claims[0]}/")
        assert page.locator(".kb-claim .kb-badge").count() >= len(kb.digests[with_claims[0]].model.claims)


def test_accessibility_basics_on_every_page(page, committed_site, fixture_site):
    base, site = committed_site
    targets = [base + p.relative_to(site).parent.as_posix() + "/" for p in sorted(site.rglob("index.html"))]
    targets += [fixture_site + p for p in ("topics/probe/", "digests/resnet/", "claims/")]
    for url in targets:
        url = url.replace("/./", "/")
        page.goto(url)
        assert page.locator("h1").count() == 1, url
        assert page.evaluate("() => [...document.images].filter(i => !i.hasAttribute('alt')).length") == 0, url
        # every badge says its status in words, not only in colour
        empty = page.evaluate("""() => [...document.querySelectorAll('.kb-badge')]
            .filter(b => !/[a-z]{2,}/i.test(b.innerText)).length""")
        assert empty == 0, url
        icons = page.evaluate("""() => [...document.querySelectorAll('.kb-badge__icon')]
            .filter(i => i.getAttribute('aria-hidden') !== 'true').length""")
        assert icons == 0, url
