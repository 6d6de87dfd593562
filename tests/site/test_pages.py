"""The site's pages: generated Markdown (no MkDocs needed) and real ``mkdocs build`` runs.

Card text is untrusted, so most of these check that markup in a card comes
out as text and that only http(s)/mailto links survive.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import markdown
import pytest

from kb import pages
from kb.pages.routes import Router
from kb.report import load_report
from kb.graph import build_graph, courses_of_topic, mermaid_label
from kb.store import load_kb
from tests.site.conftest import (
    CARDS,
    ENGINEERING_EMPHASIS,
    INTRO_EMPHASIS,
    PAYLOAD_FLAG,
    REPO,
    build_site,
    fixture_report,
    need_mermaid,
    write_cards,
)

# --------------------------------------------------------------------------- safe rendering


@pytest.mark.parametrize(
    "text",
    [
        "<script>window.x=1</script>",
        "<img src=x onerror=\"window.x=1\">",
        "para\n\n<div onclick=\"x()\">block</div>\n",
        "<iframe src=\"https://example.org\"></iframe>",
        "<!-- comment --> <style>body{}</style>",
        "&lt;script&gt; already escaped",
    ],
)
def test_raw_html_in_card_text_is_escaped(text):
    out = pages.render_markdown(text)
    assert re.search(r"<(script|img|div|iframe|style)\b", out) is None, out
    assert "onerror=" not in out.replace("onerror=&quot;", "") or "&lt;img" in out
    assert "<" not in re.sub(r"</?(p|code|pre|a|em|strong|span)\b[^>]*>", "", out), out


def test_raw_html_stays_visible_as_text():
    out = pages.render_markdown("before <script>alert(1)</script> after")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "[x](java\tscript:alert(1))",
    ],
)
def test_dangerous_link_schemes_become_inert_text(source):
    out = pages.render_markdown(source)
    hrefs = re.findall(r'href="([^"]*)"', out)
    assert not [h for h in hrefs if re.match(r"\s*(javascript|data|vbscript)", h, re.I)], out


def test_safe_links_get_rel_noopener_and_images_become_links():
    out = pages.render_markdown("[ok](https://example.org/a) and ![a diagram](https://example.org/d.png)")
    assert '<a href="https://example.org/a" rel="noopener">ok</a>' in out
    assert "<img" not in out
    assert '<a href="https://example.org/d.png" rel="noopener">a diagram (image)</a>' in out


def test_card_headings_never_add_an_h1_or_h2():
    out = pages.render_markdown("# Big\n\n## Smaller\n\ntext")
    assert "<h1" not in out and "<h2" not in out
    assert "<h4>Big</h4>" in out and "<h5>Smaller</h5>" in out


def test_not_verified_markers_become_badges_outside_code():
    out = pages.render_markdown("A number [NOT VERIFIED] here.\n\n`code [NOT VERIFIED]`")
    assert out.count("kb-badge--not-verified") == 1
    assert "<code>code [NOT VERIFIED]</code>" in out
    assert "NOT VERIFIED</span>" in out  # the badge says it in words, not only in colour


@pytest.mark.parametrize(
    "url, safe",
    [
        ("https://example.org/x", True),
        ("http://example.org", True),
        ("mailto:someone@example.org", True),
        ("javascript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("data:text/html,x", False),
        ("vbscript:x", False),
        ("//example.org/x", False),
        ("https:example.org", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_url(url, safe):
    assert (pages.safe_url(url) is not None) is safe


def test_heading_text_is_escaped_for_markdown_and_html():
    md = markdown.Markdown(extensions=["toc", "attr_list"])
    title = "A [link](javascript:alert(1)) <img src=x onerror=alert(1)> *em* {onclick=x}"
    out = md.convert("# " + pages.md_escape(title))
    assert "<a" not in out and "<img" not in out and "<em>" not in out and "onclick=\"" not in out
    assert "[link](javascript:alert(1))" in out and "&lt;img" in out


def test_page_cleaner_removes_scripts_and_handlers():
    out = pages.clean_page('<p onclick="x()">a</p><script>x()</script><a href="javascript:x()">l</a>'
                             '<pre class="mermaid"><code>flowchart LR</code></pre>')
    assert "onclick" not in out and "<script" not in out and "javascript:" not in out
    assert '<pre class="mermaid"><code>flowchart LR</code></pre>' in out


# --------------------------------------------------------------------------- pages from the fixture KB


def make_ctx(kb, report=None, **kw):
    """The site context the plugin builds: the build's own lint run, the last check report's statuses."""
    from kb.mkdocs_plugin import site_context
    from kb.project import Project

    return site_context(Project.discover(kb.root, cwd=kb.root), report, **kw)


def _rules():
    from kb.mkdocs_plugin import rule_entries

    return rule_entries()


def page_of(ctx, src):
    return pages.PageRenderer().render(pages.view_of(ctx, src))


@pytest.fixture(scope="module")
def ctx(fixture_cards):
    kb = load_kb(fixture_cards)
    assert not kb.problems, kb.problems
    return make_ctx(kb)


@pytest.fixture(scope="module")
def ctx_with_report(fixture_cards, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.json"
    path.write_text(json.dumps(fixture_report(fixture_cards)), encoding="utf-8")
    kb = load_kb(fixture_cards)
    return make_ctx(kb, load_report(path))


def _h1_count(page: str) -> int:
    return len(re.findall(r"^# ", page, re.MULTILINE)) + page.count("<h1")


def test_every_generated_page_has_one_h1(ctx):
    generated = pages.generate_pages(ctx, _rules())
    assert {"index.md", "claims.md", "rules/index.md", "courses/intro-to-multimodal.md", "topics/cnns.md",
            "digests/resnet.md", "indexes/topics.md", "tags.md"} <= set(generated)
    for name, page in generated.items():
        body = re.sub(r"```.*?```", "", page, flags=re.DOTALL)
        assert _h1_count(body) == 1, name


def test_course_pages_show_their_own_emphasis(ctx):
    intro = page_of(ctx, "courses/intro-to-multimodal.md")
    eng = page_of(ctx, "courses/ml-engineering-foundations.md")
    assert INTRO_EMPHASIS in intro and ENGINEERING_EMPHASIS not in intro
    assert ENGINEERING_EMPHASIS in eng and INTRO_EMPHASIS not in eng
    # only the resources picked for the course
    assert "Conv Nets: A Modular Perspective" in intro and "Training a Classifier" not in intro
    assert "Training a Classifier" in eng


def test_course_order_puts_prerequisites_first(fixture_cards, tmp_path):
    cards = dict(CARDS)
    cards["courses/ml-engineering-foundations.yaml"] = {
        **CARDS["courses/ml-engineering-foundations.yaml"],
        "modules": [{"title": "Wrong order", "topics": ["cnns", "linear-algebra"]}],
    }
    kb = load_kb(write_cards(tmp_path / "cards", cards))
    page = page_of(make_ctx(kb), "courses/ml-engineering-foundations.md")
    assert page.index(">1. Linear algebra</h3>") < page.index(">2. Convolutional neural networks</h3>")
    assert "moves prerequisites first" in page


def test_course_page_has_a_mermaid_map_with_a_text_alternative(ctx):
    page = page_of(ctx, "courses/ml-engineering-foundations.md")
    assert '<pre class="mermaid"><code>flowchart LR' in page
    assert "accTitle: Concept map of ML engineering foundations" in page
    assert "t0 --&gt; t1" in page  # linear algebra is a prerequisite of CNNs
    assert "The map as text" in page and "vision-transformer" in page


def test_mermaid_labels_cannot_break_out():
    label = mermaid_label('A"] --> evil["<b>x</b>')
    assert '"' not in label and "<" not in label and "[" not in label


def test_coverage_gaps_that_matter(ctx):
    page = page_of(ctx, "courses/intro-to-multimodal.md")
    gaps = page[page.index("## Coverage gaps"):page.index("## Concept map")]
    # the coverage rules' own findings, not a second derivation of them
    assert "KB205" in gaps and "vision-transformer" in gaps  # the notes ask for a card
    assert "KB304" in gaps and "linear-algebra" in gaps and "does not teach" in gaps  # a prerequisite outside
    assert "Convolutional neural networks</a> (gaps)" in gaps  # the card's own gap note, on its topic page


def test_topic_page_courses_come_from_the_graph(ctx, tmp_path):
    page = page_of(ctx, "topics/cnns.md")
    assert "Used by 2 courses" in page
    assert "Introduction to multimodal models" in page and "ML engineering foundations" in page
    # a course named in the topic card that does not list the topic is not shown as using it
    cards = dict(CARDS)
    cards["courses/ml-engineering-foundations.yaml"] = {**CARDS["courses/ml-engineering-foundations.yaml"],
                                                        "modules": [{"title": "M", "topics": ["linear-algebra"]}]}
    kb = load_kb(write_cards(tmp_path / "cards", cards))
    page = page_of(make_ctx(kb), "topics/cnns.md")
    assert "Used by 1 course." in page and "ML engineering foundations</a>" not in page


def test_topic_page_resources_by_role_and_digests(ctx):
    page = page_of(ctx, "topics/cnns.md")
    for heading in ("### Video", "### Written explainer", "### Deep dive", "### Original paper", "### Code walkthrough"):
        assert heading in page
    assert "link not checked" in page  # no report: link status unknown
    assert "Deep Residual Learning for Image Recognition" in page
    assert "## Claims" in page and "kb-badge--not-verified" in page  # the AlexNet mirror marker


def test_digest_page_badges_and_evidence(ctx):
    page = page_of(ctx, "digests/resnet.md")
    claims = ctx.claims_of("digest", "resnet")
    assert len(claims) >= 4  # three claims and the marker
    assert page.count('class="kb-claim"') == len(claims)
    for status in ("verified", "not-verified", "disputed"):
        assert f"kb-badge--{status}" in page
    assert "torch flop counter" in page and "<summary>Evidence</summary>" in page
    assert "<strong>3.57%</strong>" in page  # claim text is Markdown
    assert "<h4>A heading inside the card</h4>" in page


def test_report_sets_claim_and_link_statuses(ctx_with_report):
    ctx = ctx_with_report
    by_uid = {c.uid: c for c in ctx.claims}
    failing = next(c for uid, c in by_uid.items() if uid.endswith("#resnet152-macs"))
    assert failing.status == "failing" and failing.checked
    page = page_of(ctx, "topics/cnns.md")
    assert "link ok" in page and "link broken" in page and "link blocked" in page
    digest = page_of(ctx, "digests/resnet.md")
    assert "kb-badge--failing" in digest and "11.5 GMACs" in digest
    home = page_of(ctx, "index.md")
    assert "2025-01-01T00:00:00Z" in home and "No check report" not in home
    la = page_of(ctx, "topics/linear-algebra.md")
    assert "KB501" in la and "&lt;b&gt;answer&lt;/b&gt;" in la  # report text is escaped too
    assert "KB302" in la  # from the build's own lint run
    assert "a stale finding" not in page  # an offline finding in the report is superseded by the build's


def test_report_links_in_the_link_stage_shape(fixture_cards, tmp_path):
    report = fixture_report(fixture_cards)
    report["links"] = {"offline": False, "results": [
        {"url": "HTTPS://CS231N.github.io/convolutional-networks", "outcome": "broken", "status": 404,
         "reason": "404 Not Found", "final_url": None, "title": None},
    ]}
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    kb = load_kb(fixture_cards)
    page = page_of(make_ctx(kb, load_report(path)), "topics/cnns.md")
    deep_dive = page[page.index("### Deep dive"):page.index("### Original paper")]
    assert "link broken" in deep_dive and "404 Not Found" in deep_dive


def test_stale_report_claims_are_dropped(fixture_cards, tmp_path):
    report = fixture_report(fixture_cards)
    report["claims"].append({**report["claims"][0], "uid": "resnet#gone", "claim_id": "gone",
                             "text": "a claim no card makes", "status": "verified"})
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    kb = load_kb(fixture_cards)
    views = make_ctx(kb, load_report(path)).claims
    assert not [v for v in views if v.uid == "resnet#gone"]


def test_no_report_says_statuses_are_unknown(ctx):
    assert ctx.report is None and not ctx.status.found
    assert "No check report was found" in page_of(ctx, "index.md")
    assert "No check report was found" in page_of(ctx, "claims.md")


def test_ledger_lists_every_claim_with_a_status(ctx):
    page = page_of(ctx, "claims.md")
    assert page.count("<tr data-status=") == len(ctx.claims) >= 5
    assert 'data-kb-filter="status"' in page


def test_relative_urls(ctx):
    assert ctx.href("courses/a.md", "topics/b.md") == "../../topics/b/"
    assert ctx.href("index.md", "topics/b.md") == "topics/b/"
    assert ctx.href("topics/b.md", "index.md") == "../../"
    assert ctx.href("rules/index.md", "rules/KB101.md") == "KB101/"
    flat = Router(use_directory_urls=False)
    assert flat.href("courses/a.md", "topics/b.md", "x") == "../topics/b.html#x"


def test_probe_card_renders_as_text(ctx):
    page = page_of(ctx, "topics/probe.md")
    assert "<script" not in page and "<img" not in page and "<iframe" not in page and "<b " not in page
    assert not re.search(r'href="\s*(javascript|data|vbscript):', page, re.I)
    assert 'class="kb-inert-link">Clickbait resource</span>' in page
    assert "link withheld" in page


# --------------------------------------------------------------------------- real builds


class _Headings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.h1 = 0
        self.scripts: list[str] = []
        self.imgs_without_alt = 0
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h1":
            self.h1 += 1
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        if tag == "img" and not a.get("alt"):
            self.imgs_without_alt += 1
        for key in ("src",) if tag in ("script", "img", "iframe") else ("href",) if tag == "link" else ():
            if a.get(key, "").startswith(("http:", "https:", "//")):
                self.external.append(a[key])


def _committed_cards_present() -> bool:
    return any((REPO / "cards" / "courses").glob("*.yaml"))


@pytest.mark.slow
def test_strict_build_of_the_committed_cards(tmp_path):
    if not _committed_cards_present():
        pytest.skip("no committed cards yet")
    need_mermaid()
    build = build_site(tmp_path, REPO / "cards", strict=True)
    assert build.returncode == 0, build.output
    assert build.modules == {"torch": False, "httpx": False}
    html_pages = sorted(build.site.rglob("*.html"))
    assert len(html_pages) > 10
    for page in html_pages:
        parser = _Headings()
        parser.feed(page.read_text(encoding="utf-8"))
        rel = page.relative_to(build.site)
        assert parser.h1 == 1 or rel.as_posix() == "404.html", f"{rel}: {parser.h1} h1"
        assert parser.imgs_without_alt == 0, rel
        assert parser.external == [], f"{rel} loads {parser.external}"
        assert "fonts.googleapis" not in page.read_text(encoding="utf-8")
    assert (build.site / "assets/vendor/mermaid/mermaid.min.js").is_file()
    kb = load_kb(REPO / "cards")
    g = build_graph(kb)
    for tid, card in kb.topics.items():
        for cid in courses_of_topic(g, tid):
            html = (build.site / "courses" / cid / "index.html").read_text(encoding="utf-8")
            assert f'data-topic="{tid}"' in html
            use = card.model.courses.get(cid)
            if use:
                assert pages.render_markdown(use.emphasis) in html


@pytest.mark.slow
def test_a_card_error_fails_the_strict_build_with_a_located_diagnostic(tmp_path):
    need_mermaid()
    cards = dict(CARDS)
    del cards["topics/probe.yaml"]
    cards["courses/intro-to-multimodal.yaml"] = {**CARDS["courses/intro-to-multimodal.yaml"],
                                                 "modules": [{"title": "V", "topics": ["cnns"]}]}
    root = write_cards(tmp_path / "cards", cards)
    (root / "topics" / "bad.yaml").write_text("id: bad\ntitle: Bad\nprerequisities: []\n", encoding="utf-8")
    build = build_site(tmp_path, root, strict=True)
    assert build.returncode != 0
    assert re.search(r"cards/topics/bad\.yaml:3:1: KB102 \[error\] unknown key 'prerequisities'", build.output), build.output
    assert "Traceback" not in build.output

    # without --strict the error is a warning and the rest of the site is still built
    lax = build_site(tmp_path, root, strict=False)
    assert lax.returncode == 0, lax.output
    assert "KB102" in lax.output
    assert (lax.site / "topics" / "cnns" / "index.html").is_file()


@pytest.mark.slow
def test_the_site_reads_the_report_kb_check_writes(tmp_path, fixture_cards):
    report = tmp_path / "out" / "report.json"
    proc = subprocess.run([sys.executable, "-m", "kb", "check", str(fixture_cards), "--no-links", "--no-facts",
                           "--report", str(report), "--quiet", "--format", "json"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert report.is_file(), proc.stderr
    build = build_site(tmp_path, fixture_cards, strict=False, report=report)
    assert build.returncode == 0, build.output
    ledger = (build.site / "claims" / "index.html").read_text(encoding="utf-8")
    assert "Statuses come from the last check report" in ledger
    assert "kb-badge--verified" in ledger and "kb-badge--disputed" in ledger
    topic = (build.site / "topics" / "probe" / "index.html").read_text(encoding="utf-8")
    assert "from the last check" in topic and "KB111" in topic  # the report's findings for the card


@pytest.mark.slow
def test_build_without_mermaid_warns(tmp_path, fixture_cards):
    build = build_site(tmp_path, fixture_cards, strict=False, mermaid=tmp_path / "nowhere.js")
    assert build.returncode == 0
    assert "npm ci" in build.output


def test_serve_watches_the_cards_and_the_report(tmp_path, fixture_cards):
    from mkdocs.config import load_config

    from kb.mkdocs_plugin import KbPlugin

    report = tmp_path / "cache" / "report.json"
    report.parent.mkdir()
    build_site_config = tmp_path / "mkdocs.yml"
    build_site_config.write_text(f"INHERIT: {REPO / 'mkdocs.yml'}\ndocs_dir: {REPO / 'site'}\n"
                                 f"site_dir: {tmp_path / 'out'}\n", encoding="utf-8")
    config = load_config(str(build_site_config))
    plugin = KbPlugin()
    plugin.load_config({"cards": str(fixture_cards), "report": str(report)})
    plugin.on_config(config)
    assert "assets/vendor/mermaid/mermaid.min.js" in [str(s) for s in config.extra_javascript]

    class Server:
        watched: list[tuple[str, bool]] = []

        def watch(self, path, recursive=True):
            self.watched.append((path, recursive))

    server = plugin.on_serve(Server(), config=config, builder=None)
    assert (str(fixture_cards), True) in server.watched
    assert (str(report.parent), False) in server.watched


def test_payload_flag_name_is_what_the_cards_use():
    assert PAYLOAD_FLAG in json.dumps(CARDS["topics/probe.yaml"])


def test_no_generated_markdown_is_committed():
    site = REPO / "site"
    for sub in ("courses", "topics", "digests", "rules"):
        assert not (site / sub).exists()
    assert not (site / "index.md").exists() and not (site / "claims.md").exists()


def test_mermaid_is_pinned():
    pkg = json.loads((REPO / "package.json").read_text())
    version = pkg["dependencies"]["mermaid"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    lock = json.loads((REPO / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/mermaid"]["version"] == version


def test_mkdocs_is_pinned_below_2():
    text = (REPO / "pyproject.toml").read_text()
    assert re.search(r'"mkdocs>=[\d.]+,<2"', text)


# --------------------------------------------------------------------------- a generated knowledge base


def _primary_nav_links(html: str) -> int:
    """Links in the page's site navigation, leaving out its table of contents (which Material nests in it)."""
    start = html.index("md-nav--primary")
    end = html.index('class="md-content"', start)
    nav = re.sub(r'<nav class="md-nav md-nav--secondary".*?</nav>', "", html[start:end], flags=re.DOTALL)
    return len(re.findall(r'<a\b[^>]*class="md-nav__link', nav))


@pytest.fixture(scope="module")
def generated_site(tmp_path_factory):
    sys.path.insert(0, str(REPO / "benchmarks"))
    from gen_kb import generate

    need_mermaid()
    tmp = tmp_path_factory.mktemp("generated")
    generate(tmp / "cards", topics=200)
    build = build_site(tmp, tmp / "cards", strict=True)
    assert build.returncode == 0, build.output
    return build, tmp / "cards"


@pytest.mark.slow
def test_a_generated_knowledge_base_builds_strict_with_a_small_navigation(generated_site):
    from kb.pages.indexes import NAV_SECTION_MAX, nav_bound

    build, cards = generated_site
    kb = load_kb(cards)
    ctx = make_ctx(kb)
    bound = nav_bound(ctx)
    assert bound == 8 + 1 + NAV_SECTION_MAX + 1 + NAV_SECTION_MAX + NAV_SECTION_MAX == 160
    html_pages = [p for p in build.site.rglob("*.html") if p.name == "index.html"]
    assert len(html_pages) >= len(kb.topics) + len(kb.digests) + len(kb.courses)
    counts = {p.relative_to(build.site).parent.as_posix(): _primary_nav_links(p.read_text(encoding="utf-8"))
              for p in html_pages}
    # every topic is in the navigation somewhere, yet no page renders more than its own path of it
    all_entries = pages.navigation(ctx, [])
    flat = json.dumps(all_entries).count(".md")
    assert flat > len(kb.topics)
    worst = max(counts.values())
    assert worst <= bound, sorted(counts.items(), key=lambda kv: -kv[1])[:5]
    # 4 courses of 5 modules of 10 topics: the top level, the courses, one course's modules, one module's topics
    # the top level, the courses, one course's overview and modules, one module's topics
    topic_worst = max(n for page, n in counts.items() if page.startswith("topics/"))
    assert topic_worst <= 8 + 1 + 4 + 1 + 5 + 10, topic_worst
    assert worst <= 8 + 40, worst  # the most is on a rule page: the top level and the rule catalogue


@pytest.mark.slow
def test_every_generated_page_links_to_the_indexes(generated_site):
    from kb.pages.routes import INDEXES

    build, _ = generated_site
    targets = {Router().page_url(src) for src, _ in INDEXES}
    for path in build.site.rglob("index.html"):
        rel = path.relative_to(build.site).parent.as_posix()
        html = path.read_text(encoding="utf-8")
        assert 'class="kb-indexes"' in html or "Find more:" in html, rel
        hrefs = set(re.findall(r'href="([^"#?]+)"', html[html.index("Find more:"):]))
        reached = {(Path(rel) / h).as_posix() for h in hrefs}
        resolved = {str(Path(os.path.normpath(r))) + "/" for r in reached}
        assert targets <= resolved, (rel, targets - resolved)
        for target in targets:
            assert (build.site / target / "index.html").is_file(), target


def test_plain_prose_is_rendered_as_the_full_renderer_renders_it():
    """The fast path for plain card prose gives the full Markdown renderer's output, byte for byte."""
    import yaml

    from kb.pages import safe

    sys.path.insert(0, str(REPO / "benchmarks"))
    from gen_kb import build

    texts: set[str] = set()

    def walk(value):
        if isinstance(value, str):
            texts.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for text in build(60).values():
        walk(yaml.safe_load(text))
    walk(CARDS)
    texts |= {"a\n\nb", "line one\nline two", "it's \"quoted\"", "50% off", "x = 3", "a -- b", " lead", "a\n\n\nb\n",
              "- item", "1. first", "# heading", "    code", "a  \nb", "tab\tin", "R&D <b>", "under_score", "> quote"}
    fast = 0
    for text in sorted(texts):
        safe.render_markdown.cache_clear()
        full = safe._card_cleaner.clean(safe._renderer(3).convert(text)) if text.strip() else ""
        assert safe.render_markdown(text) == full, text
        fast += bool(safe._PLAIN_PROSE.fullmatch(text)) and not safe._BLOCK_START.search(text)
    assert fast > len(texts) // 2  # the fast path is taken for most card prose


def test_a_rebuild_renders_only_the_pages_an_edit_changed(tmp_path):
    """What lets `mkdocs serve --dirty` rebuild one page: unchanged views are not rendered again."""
    root = write_cards(tmp_path / "cards", CARDS)
    renderer = pages.PageRenderer()
    first = renderer.render_all(pages.all_views(make_ctx(load_kb(root))))
    assert renderer.changed == set(first)
    renderer.render_all(pages.all_views(make_ctx(load_kb(root))))
    assert renderer.changed == set()
    edited = {**CARDS["topics/cnns.yaml"], "summary": "An edited summary."}
    write_cards(root, {"topics/cnns.yaml": edited})
    again = renderer.render_all(pages.all_views(make_ctx(load_kb(root))))
    assert renderer.changed == {"topics/cnns.md"}
    assert "An edited summary." in again["topics/cnns.md"].text
    # a new title shows on other pages too (links, the course page), so they change with it
    write_cards(root, {"topics/cnns.yaml": {**edited, "title": "ConvNets"}})
    renderer.render_all(pages.all_views(make_ctx(load_kb(root))))
    assert {"topics/cnns.md", "courses/intro-to-multimodal.md", "indexes/topics.md"} <= renderer.changed


def test_course_gaps_follow_the_configured_roles(tmp_path):
    """The gaps are KB302's findings, so its `roles` option decides them (the site has no list of its own)."""
    root = write_cards(tmp_path / "cards", CARDS)
    page = page_of(make_ctx(load_kb(root)), "courses/ml-engineering-foundations.md")
    gaps = page[page.index("## Coverage gaps"):page.index("## Concept map")]
    assert "KB302" in gaps and "&#39;linear-algebra&#39; has no written-explainer" in gaps
    (tmp_path / "kb.toml").write_text('[rules.KB302]\nroles = ["video"]\n', encoding="utf-8")
    page = page_of(make_ctx(load_kb(root)), "courses/ml-engineering-foundations.md")
    gaps = page[page.index("## Coverage gaps"):page.index("## Concept map")]
    assert "KB302" not in gaps  # linear algebra has a video, and now nothing more is asked of it


@pytest.mark.parametrize("kind", ["course", "topic", "digest"])
def test_a_card_named_index_has_a_page_of_its_own(tmp_path, kind):
    """``courses/index.md`` is the list of all courses: a course with the id ``index`` must not take its place."""
    cards = dict(CARDS)
    if kind == "course":
        cards["courses/index.yaml"] = {"id": "index", "title": "Index course", "modules": [{"title": "M", "topics": ["cnns"]}]}
    elif kind == "topic":
        cards["topics/index.yaml"] = {"id": "index", "title": "Index topic", "level": "beginner"}
    else:
        cards["digests/index.yaml"] = {"id": "index", "kind": "paper", "title": "Index digest"}
    root = write_cards(tmp_path / "cards", cards)
    views = pages.all_views(make_ctx(load_kb(root)))
    srcs = [v.src for v in views]
    assert len(srcs) == len(set(srcs)), sorted(s for s in srcs if srcs.count(s) > 1)
    urls = [Router().page_url(s) for s in srcs]
    assert len(urls) == len(set(urls))
    own = pages.card_page(kind, "index")
    assert next(v for v in views if v.src == own).title == f"Index {kind}"
    assert Router().page_url(own) == f"{kind}s/index/"
    assert "Index course" not in {v.title for v in views if v.src == "courses/index.md"}


def test_a_malformed_url_is_published_with_a_link_report_present(tmp_path):
    """``http://[::1/x`` is no URL (KB111 says so); looking it up among the link results must not crash the build."""
    topic = {**CARDS["topics/cnns.yaml"]}
    topic["resources"] = [{**topic["resources"][0], "url": "http://[::1/x"}, *topic["resources"][1:]]
    root = write_cards(tmp_path / "cards", {**CARDS, "topics/cnns.yaml": topic})
    report = tmp_path / "report.json"
    report.write_text(json.dumps(fixture_report(root)))
    ctx = make_ctx(load_kb(root), load_report(report))
    assert ctx.status.links is not None  # the lookup is really made
    page = page_of(ctx, "topics/cnns.md")
    assert topic["resources"][0]["title"] in page
