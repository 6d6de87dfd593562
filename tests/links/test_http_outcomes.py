"""The checker against real loopback servers: every outcome the issue names."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.links.conftest import fast_config, resource, topic, write_kb
from tests.links.servers import Reply, page
from validators.links import Outcome, run_links
from validators.links.collect import fetch_key


def check(tmp_path: Path, servers, urls: list[str], titled: dict[str, str] | None = None, **cfg):
    """Run the link stage over a topic whose summary lists ``urls`` (and resources for ``titled``)."""
    resources = [resource(f"r{i}", url, title) for i, (url, title) in enumerate((titled or {}).items())]
    kb = write_kb(tmp_path / "cards", topics=[topic(summary="See " + " and ".join(urls) + ".",
                                                    resources=resources)])
    report = run_links(kb, fast_config(servers, **cfg), cache_dir=tmp_path / "cache", progress=False)
    return report


def result(report, url):
    return report.results[fetch_key(url)]


def test_200_404_410(tmp_path, servers):
    ok = servers.route(0, "/ok", Reply(200, page("Fine")))
    gone = servers.route(0, "/gone", Reply(410, "gone"))
    missing = servers.url(1, "/nothing-here")
    report = check(tmp_path, servers, [ok, gone, missing])
    assert result(report, ok).outcome is Outcome.ok
    assert result(report, gone).outcome is Outcome.broken and result(report, gone).status == 410
    assert result(report, missing).outcome is Outcome.broken and "404" in result(report, missing).reason
    assert not report.offline
    assert report.counts.ok == 1 and report.counts.broken == 2


def test_head_first_then_get_when_head_is_refused(tmp_path, servers):
    def handler(req):
        return Reply(405) if req.method == "HEAD" else Reply(200, page("Only GET"))

    url = servers.route(0, "/head-405", handler)
    report = check(tmp_path, servers, [url])
    assert result(report, url).outcome is Outcome.ok
    assert [r.method for r in servers.requests(0, "/head-405")] == ["HEAD", "GET"]


def test_plain_link_is_checked_with_head_only(tmp_path, servers):
    url = servers.route(0, "/plain", Reply(200, page("Plain")))
    check(tmp_path, servers, [url])
    assert [r.method for r in servers.requests(0, "/plain")] == ["HEAD"]


def test_user_agent_names_the_tool(tmp_path, servers):
    url = servers.route(0, "/ua", Reply(200, "ok"))
    check(tmp_path, servers, [url])
    ua = servers.requests(0, "/ua")[0].headers["user-agent"]
    assert ua.startswith("Mozilla/5.0") and "kb-links/" in ua


@pytest.mark.parametrize("codes", [(301,), (302,), (308,), (301, 302), (302, 301)])
def test_redirect_chains(tmp_path, servers, codes):
    final = servers.route(1, "/final", Reply(200, page("Final")))
    hops = [servers.url(0, f"/hop{i}") for i in range(len(codes))] + [final]
    for i, code in enumerate(codes):
        servers.route(0, f"/hop{i}", Reply(code, headers={"Location": hops[i + 1]}))
    report = check(tmp_path, servers, [hops[0]])
    r = result(report, hops[0])
    assert r.outcome is Outcome.ok
    assert r.redirects == list(zip(hops[:-1], codes))
    assert r.final_url == final
    if codes[0] in (301, 308):
        # the permanent run ends where the first temporary hop starts
        expect = final if all(c in (301, 308) for c in codes) else hops[codes.index(302)]
        assert r.moved_to == expect
    else:
        assert r.moved_to is None


def test_relative_redirect_is_resolved(tmp_path, servers):
    servers.route(0, "/new/place", Reply(200, page("New")))
    url = servers.route(0, "/old", Reply(301, headers={"Location": "/new/place"}))
    r = result(check(tmp_path, servers, [url]), url)
    assert r.outcome is Outcome.ok and r.moved_to == servers.url(0, "/new/place")


def test_redirect_loop_and_too_many(tmp_path, servers):
    a = servers.route(0, "/loop/a", Reply(301, headers={"Location": "/loop/b"}))
    servers.route(0, "/loop/b", Reply(302, headers={"Location": "/loop/a"}))
    for i in range(6):
        servers.route(1, f"/chain/{i}", Reply(302, headers={"Location": f"/chain/{i + 1}"}))
    servers.route(1, "/chain/6", Reply(200, "end"))
    chain = servers.url(1, "/chain/0")
    report = check(tmp_path, servers, [a, chain], max_redirects=3)
    assert result(report, a).outcome is Outcome.broken and "loop" in result(report, a).reason
    assert result(report, chain).outcome is Outcome.broken and "redirects" in result(report, chain).reason


def test_429_with_retry_after_then_200(tmp_path, servers):
    calls = []

    def handler(req):
        calls.append(time.monotonic())
        if len(calls) == 1:
            return Reply(429, "slow down", headers={"Retry-After": "1"})
        return Reply(200, page("Now fine"))

    url = servers.route(0, "/rate", handler)
    r = result(check(tmp_path, servers, [url]), url)
    assert r.outcome is Outcome.ok
    assert len(calls) >= 2 and calls[1] - calls[0] >= 0.9  # Retry-After was honoured


def test_429_past_the_cap_is_blocked_not_broken(tmp_path, servers):
    url = servers.route(0, "/rate-long", Reply(429, headers={"Retry-After": "3600"}))
    r = result(check(tmp_path, servers, [url]), url)
    assert r.outcome is Outcome.blocked and "3600" in r.reason
    assert len(servers.requests(0, "/rate-long")) <= 2  # gave up at once (HEAD, then GET)


def test_5xx_is_retried_with_backoff(tmp_path, servers):
    calls = []

    def handler(req):
        calls.append(req.method)
        return Reply(503 if len(calls) < 3 else 200, page("Up again"))

    url = servers.route(0, "/flaky", handler)
    r = result(check(tmp_path, servers, [url]), url)
    assert r.outcome is Outcome.ok and len(calls) == 3


def test_persistent_5xx_is_unknown(tmp_path, servers):
    url = servers.route(0, "/down", Reply(500, "boom"))
    r = result(check(tmp_path, servers, [url], retries=1), url)
    assert r.outcome is Outcome.blocked and "500" in r.reason


def test_403_to_bots_and_999_are_blocked(tmp_path, servers):
    forbidden = servers.route(0, "/forbidden", Reply(403, page("Forbidden")))
    linkedin = servers.route(0, "/in/someone", Reply(999, ""))
    challenge = servers.route(1, "/challenge", Reply(503, page("Just a moment..."), headers={"cf-mitigated": "challenge"}))
    report = check(tmp_path, servers, [forbidden, linkedin, challenge], retries=0)
    assert result(report, forbidden).outcome is Outcome.blocked
    assert result(report, linkedin).outcome is Outcome.blocked and "999" in result(report, linkedin).reason
    assert result(report, challenge).outcome is Outcome.blocked
    assert "challenge" in result(report, challenge).reason.lower()


def test_server_that_never_answers_times_out(tmp_path, servers):
    url = servers.route(2, "/hang", Reply(hang=True))
    started = time.monotonic()
    r = result(check(tmp_path, servers, [url], timeout_s=0.4, retries=1), url)
    assert r.outcome is Outcome.blocked and "time" in r.reason
    assert time.monotonic() - started < 5


def test_slow_trickle_is_bounded_by_the_request_timeout(tmp_path, servers):
    body = page("Trickle", "<p>" + "x" * 4000 + "</p>")
    url = servers.route(2, "/trickle", Reply(200, body, trickle=(10, 0.05)))
    started = time.monotonic()
    # A title is wanted, so the body is read; the title arrives early and reading stops there.
    r = result(check(tmp_path, servers, [], titled={url: "Trickle"}, timeout_s=1.0), url)
    assert r.outcome is Outcome.ok and r.title == "Trickle"
    assert time.monotonic() - started < 5


def test_trickle_that_never_reaches_the_title_still_counts_as_alive(tmp_path, servers):
    body = "<!doctype html><html><head>" + " " * 5000 + "<title>Late</title></head></html>"
    url = servers.route(2, "/trickle-late", Reply(200, body, trickle=(20, 0.05)))
    started = time.monotonic()
    r = result(check(tmp_path, servers, [], titled={url: "Late"}, timeout_s=0.5), url)
    assert r.outcome is Outcome.ok and r.title is None  # status known, title not reached in time
    assert time.monotonic() - started < 5


def test_soft_404_page_is_broken(tmp_path, servers):
    url = servers.route(0, "/soft", Reply(200, page("Page Not Found | Example", "<h1>Sorry</h1>")))
    r = result(check(tmp_path, servers, [], titled={url: "Real article"}), url)
    assert r.outcome is Outcome.broken and "soft 404" in r.reason


def test_deep_link_redirected_to_home_page_is_broken(tmp_path, servers):
    servers.route(0, "/", Reply(200, page("Home")))
    url = servers.route(0, "/blog/2014/post", Reply(301, headers={"Location": "/"}))
    r = result(check(tmp_path, servers, [], titled={url: "A post"}), url)
    assert r.outcome is Outcome.broken and "home page" in r.reason


def test_huge_body_is_read_only_to_the_cap(tmp_path, servers):
    url = servers.route(1, "/huge", Reply(200, huge=200 * 1024 * 1024))
    started = time.monotonic()
    r = result(check(tmp_path, servers, [], titled={url: "Huge"}, max_body_bytes=64 * 1024), url)
    assert r.outcome is Outcome.ok
    assert time.monotonic() - started < 5


def test_non_html_body_is_not_read(tmp_path, servers):
    url = servers.route(1, "/paper.pdf", Reply(200, b"%PDF-1.4" + b"0" * 1000, content_type="application/pdf"))
    r = result(check(tmp_path, servers, [], titled={url: "A paper"}), url)
    assert r.outcome is Outcome.ok and r.title is None and not r.identity


def test_connection_refused_is_broken(tmp_path, servers):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = f"http://127.0.0.1:{port}/x"
    ok = servers.route(0, "/alive", Reply(200, "fine"))
    report = check(tmp_path, servers, [dead, ok])
    assert result(report, dead).outcome is Outcome.broken and not report.offline


def test_per_host_limit_is_respected(tmp_path, servers):
    import threading

    active = {"now": 0, "max": 0}
    lock = threading.Lock()

    async def handler(req):
        import asyncio

        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        await asyncio.sleep(0.05)
        with lock:
            active["now"] -= 1
        return Reply(200, "ok")

    urls = [servers.route(0, f"/many/{i}", handler) for i in range(12)]
    report = check(tmp_path, servers, urls, per_host_concurrency=3, concurrency=50)
    assert report.counts.ok == 12
    assert active["max"] <= 3


def test_per_host_interval_spaces_requests(tmp_path, servers):
    urls = [servers.route(1, f"/spaced/{i}", Reply(200, "ok")) for i in range(4)]
    check(tmp_path, servers, urls, per_host_interval_ms=100)
    times = sorted(r.at for r in servers.requests(1))
    # read where the server receives each request: allow for scheduling jitter on a busy machine,
    # and hold the whole run to the spacing too (unspaced, all four land within a few ms)
    assert all(b - a >= 0.06 for a, b in zip(times, times[1:]))
    assert times[-1] - times[0] >= 0.27


def test_total_timeout_marks_the_rest_unchecked(tmp_path, servers):
    urls = [servers.route(2, f"/slow/{i}", Reply(200, "ok", delay=0.5)) for i in range(6)]
    report = check(tmp_path, servers, urls, per_host_concurrency=1, total_timeout_s=1.2, retries=0)
    outcomes = [result(report, u).outcome for u in urls]
    assert Outcome.unchecked in outcomes and Outcome.ok in outcomes
    assert report.timed_out
