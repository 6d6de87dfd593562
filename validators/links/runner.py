"""The link stage end to end: extract -> collect -> cache -> check -> judge -> report.

:func:`run_links` is the synchronous entry point the CLI calls.  The network
part runs on asyncio; everything before and after it is plain functions over
the knowledge base and the results, so most of the stage is testable without
a server.  httpx is imported only when something must actually be fetched: a
warm run answered entirely from the cache sends no request and never imports
it.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Coroutine, TypeVar

from kb.config import LinksConfig
from kb.store import KnowledgeBase
from validators.links.cache import LinkCache
from validators.links.collect import Target, collect_targets
from validators.links.extract import extract_occurrences
from validators.links.identity import RESOLVER_STRENGTH, best_of, judge
from validators.links.model import (
    Counts,
    Expectation,
    Identity,
    IdentityCheck,
    LinkReport,
    LinkResult,
    Outcome,
    Verdict,
    prefer_evidence,
)
from validators.links.progress import Progress

T = TypeVar("T")

#: how many hosts must fail, with no host answering, before the run calls itself offline early
OFFLINE_AFTER_HOSTS = 8


def run_links(
    kb: KnowledgeBase,
    config: LinksConfig,
    *,
    cache_dir: Path,
    allow_private_hosts: bool = False,
    progress: bool = True,
    evidence: dict[str, Any] | None = None,
) -> LinkReport:
    """Check every link in ``kb``; fill ``evidence`` for claims the resolvers settle."""
    started = time.monotonic()
    targets = collect_targets(extract_occurrences(kb), config)
    return check_targets(targets, config, cache_dir=cache_dir, allow_private_hosts=allow_private_hosts,
                         progress=progress, evidence=evidence, started=started)


def check_targets(
    targets: list[Target],
    config: LinksConfig,
    *,
    cache_dir: Path,
    allow_private_hosts: bool = False,
    progress: bool = True,
    evidence: dict[str, Any] | None = None,
    started: float | None = None,
) -> LinkReport:
    started = time.monotonic() if started is None else started
    report = LinkReport()
    cache = LinkCache(Path(cache_dir), config.cache_ttl_hours)
    bar = Progress(len(targets), progress)
    results: dict[str, LinkResult] = {}
    try:
        live = [t for t in targets if not t.skip]
        for t in targets:
            if t.skip:
                results[t.key] = LinkResult(key=t.key, url=t.url, outcome=Outcome.unchecked, reason=t.skip)
        cached = cache.lookup({t.key: t.mode for t in live})
        to_fetch: list[Target] = []
        for t in live:
            hit = cached.get(t.key)
            if hit is not None and t.fragments and not hit.body_complete and not t.fragments <= (hit.anchors or set()):
                hit = None  # the cached read stopped before the fragments now wanted
            if hit is None:
                to_fetch.append(t)
            else:
                results[t.key] = hit
        for r in results.values():
            bar.advance(r.outcome.value)
        state = None
        if to_fetch:
            from validators.links import workers

            groups = workers.plan(to_fetch, config)
            own, own_cfg, children = groups[0], config, []
            if len(groups) > 1:
                children, left = workers.spawn(groups[1:], config, allow_private_hosts, Path(cache_dir),
                                               len(to_fetch))
                own = own + left
                own_cfg = workers.parent_share(config, own, len(to_fetch))
            fetched, state, stop_reason = _run(_fetch_all(own, own_cfg, allow_private_hosts, cache, bar, children))
            results.update(fetched)
            if state is not None and (stop_reason == "offline" or state.offline()):
                report.offline = True
                report.offline_reason = _offline_reason(state)
                for t in to_fetch:
                    r = results[t.key]
                    if _decided_offline(r):
                        continue  # refused or malformed: no network would change that
                    r.outcome, r.reason = Outcome.unchecked, f"not checked: no network ({report.offline_reason})"
                    r.identity.clear()
            elif stop_reason == "deadline":
                report.timed_out = True
        report.counts.requests = state.requests if state is not None else 0
    finally:
        bar.close()
        cache.close()
        if cache.problem:
            report.notes.append(cache.problem)

    for t in targets:
        r = results[t.key]
        r.occurrences = list(t.occurrences)
        if r.outcome is Outcome.ok:
            if config.identity:
                _judge_identity(t, r)
            if config.fragments and t.fragments:
                _find_missing_fragments(t, r)
    report.results = {t.key: results[t.key] for t in targets}
    _fill_identity_map(report)
    _fill_evidence(report, evidence)
    report.counts = _count(report, report.counts.requests, time.monotonic() - started)
    return report


# -- the network part --------------------------------------------------------------
async def _fetch_all(targets: list[Target], config: LinksConfig, allow_private: bool, cache: LinkCache,
                     bar: Progress, children: list[Any] | None = None) -> tuple[dict[str, LinkResult], Any, str | None]:
    from validators.links.check import Checker  # imports httpx
    from validators.links.resolvers import Resolvers

    loop = asyncio.get_running_loop()
    deadline = loop.time() + config.total_timeout_s
    checker = Checker(config, allow_private=allow_private, deadline=deadline)
    use_resolvers = config.resolvers.enabled
    resolvers = Resolvers(checker, config.resolvers,
                          [t.resolver_id or "" for t in targets if t.resolver == "arxiv" and use_resolvers])
    results: dict[str, LinkResult] = {}
    stop_reason: str | None = None

    async def one(t: Target) -> LinkResult:
        try:
            if t.resolver and use_resolvers:
                return await resolvers.check(t)
            return await checker.check_http(t)
        except Exception as exc:  # one bad URL must never sink the run
            return LinkResult(key=t.key, url=t.url, outcome=Outcome.blocked,
                              reason=f"could not be checked: {exc.__class__.__name__}: {exc}")

    hosts = {t.host for t in targets}
    threshold = min(OFFLINE_AFTER_HOSTS, max(2, len(hosts)))
    children = children or []
    try:
        if children:
            from validators.links import workers

            workers.watch(children, bar)
        resolvers.start()
        # Finished tasks report through a queue: waiting on thousands of
        # tasks with asyncio.wait() again and again costs O(n) per wake-up.
        finished: asyncio.Queue[asyncio.Task[LinkResult]] = asyncio.Queue()
        pending: dict[asyncio.Task[LinkResult], Target] = {}
        for t in targets:
            task = loop.create_task(one(t))
            task.add_done_callback(finished.put_nowait)
            pending[task] = t
        last_flush = loop.time()
        try:
            async with asyncio.timeout_at(deadline):
                while pending:
                    task = await finished.get()
                    t = pending.pop(task)
                    r = task.result()
                    results[t.key] = r
                    cache.store(r, t.mode)
                    bar.advance(r.outcome.value)
                    if checker.state.looks_offline(threshold):
                        stop_reason = "offline"
                        break
                    if cache.pending >= 200 or (cache.pending and loop.time() - last_flush > 1.0):
                        cache.flush()  # small transactions: a killed run keeps what it finished
                        last_flush = loop.time()
        except TimeoutError:
            stop_reason = "deadline"
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        why = "no network" if stop_reason == "offline" else f"the run reached its {config.total_timeout_s:.0f} s limit"
        for t in pending.values():
            results[t.key] = LinkResult(key=t.key, url=t.url, outcome=Outcome.unchecked, reason=f"not checked: {why}")
            bar.advance("unchecked")
        if children:
            stop_reason = await _gather_children(children, checker.state, results, deadline, stop_reason)
    finally:
        await resolvers.aclose()
        await checker.aclose()
    return results, checker.state, stop_reason


async def _gather_children(children: list[Any], state: Any, results: dict[str, LinkResult], deadline: float,
                           stop_reason: str | None) -> str | None:
    """Wait for the worker processes and merge what they found into this run."""
    from validators.links import workers

    if stop_reason == "offline":
        workers.stop(children)  # no network here means none there either
    else:
        try:
            async with asyncio.timeout_at(deadline):
                await asyncio.gather(*(c.done for c in children))
        except TimeoutError:
            workers.stop(children)
            stop_reason = "deadline"
    for child in children:
        payload = child.payload
        if payload is None:
            for t in child.targets:
                why = "no network" if stop_reason == "offline" else child.error
                outcome = Outcome.unchecked if stop_reason else Outcome.blocked
                results[t.key] = LinkResult(key=t.key, url=t.url, outcome=outcome, reason=f"not checked: {why}")
            continue
        results.update(payload["results"])
        state.requests += payload["requests"]
        state.responded |= payload["responded"]
        for host, kind in payload["failed"].items():
            state.failed.setdefault(host, kind)
        for host in state.responded:
            state.failed.pop(host, None)
        stop_reason = stop_reason or payload["stop"]
    return stop_reason


def _decided_offline(r: LinkResult) -> bool:
    """A result that needed no network: a refused private address, a host name no resolver takes."""
    if r.outcome is Outcome.unchecked:
        return r.reason.startswith("not fetched:")
    return r.outcome is Outcome.broken and r.network_error is None and r.status is None


def _offline_reason(state: Any) -> str:
    kinds = set(state.failed.values())
    if kinds <= {"dns"}:
        return "no host name could be resolved"
    if "proxy" in kinds:
        return "the proxy could not be reached"
    return "no host could be resolved or connected to"


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion, also when the caller is itself inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _new_loop_run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_new_loop_run, coro).result()


def _new_loop_run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


# -- judging what was fetched ----------------------------------------------------------
_HTML_SOURCES = (
    ("citation_title", "citation_title", "strong"),
    ("dc_title", "DC.title", "medium"),
    ("og_title", "og:title", "medium"),
    ("twitter_title", "twitter:title", "medium"),
)


def identity_check(result: LinkResult, expected: Expectation) -> IdentityCheck | None:
    """Judge one expectation against what the check found, or None when nothing was found to compare."""
    meta = result.meta or {}
    if result.resolver:
        authors = tuple(meta.get("authors") or ()) if result.resolver in ("arxiv", "doi") else ()
        return judge(expected, result.title, meta.get("found_by", result.resolver), RESOLVER_STRENGTH.get(result.resolver, "none"),
                     authors, meta.get("year"))
    checks = []
    authors = tuple(meta.get("citation_author") or ())
    year = _year(meta.get("citation_date"))
    for key, label, strength in _HTML_SOURCES:
        if meta.get(key):
            checks.append(judge(expected, meta[key], label, strength,
                                authors if key == "citation_title" else (), year if key == "citation_title" else None))
    if result.title:
        checks.append(judge(expected, result.title, "<title>", "weak"))
    return best_of(checks)


def _year(text: Any) -> int | None:
    if not text:
        return None
    import re

    m = re.search(r"\b(1[89]\d\d|20\d\d|2100)\b", str(text))
    return int(m.group(1)) if m else None


def _judge_identity(target: Target, result: LinkResult) -> None:
    result.identity = []
    for occ in target.occurrences:
        if occ.expectation is None:
            continue
        check = identity_check(result, occ.expectation)
        if check is not None:
            result.identity.append((occ, check))


def _find_missing_fragments(target: Target, result: LinkResult) -> None:
    result.missing_fragments = []
    if result.anchors is None or not result.body_complete:
        return  # not read to the end: absence proves nothing
    for occ in target.occurrences:
        frag = occ.fragment
        if not frag or frag not in target.fragments:
            continue
        if frag in result.anchors or f"user-content-{frag}" in result.anchors or frag.lower() == "top":
            continue
        result.missing_fragments.append((occ, frag))


_RANK = {Verdict.mismatch: 2, Verdict.match: 1, Verdict.inconclusive: 0}


def _fill_identity_map(report: LinkReport) -> None:
    chosen: dict[str, IdentityCheck] = {}
    for r in report.results.values():
        for occ, check in r.identity:
            have = chosen.get(occ.url)
            if have is None or _RANK[check.verdict] > _RANK[have.verdict]:
                chosen[occ.url] = check
    report.identity = {url: Identity(c.expected.title, c.found_title, c.verdict.value) for url, c in chosen.items()}


def _fill_evidence(report: LinkReport, evidence: dict[str, Any] | None) -> None:
    today = _dt.date.today().isoformat()
    for r in report.results.values():
        for occ, check in r.identity:
            if not occ.claim_uid or check.verdict is Verdict.inconclusive:
                continue
            confirmed = check.verdict is Verdict.match
            entry = {
                "status": "verified" if confirmed else "disputed",
                "method": f"{check.found_by} title {'match' if confirmed else 'mismatch'}",
                "date": today,
                "by": "kb links",
                "measured": check.found_title,
                "note": f"{occ.url} is {check.found_title!r}; the claim names {check.expected.title!r} "
                        f"({check.detail})",
                "url": occ.url,
            }
            report.evidence[occ.claim_uid] = prefer_evidence(report.evidence.get(occ.claim_uid), entry)
    if evidence is not None:
        evidence.update(report.evidence)


def _count(report: LinkReport, requests: int, seconds: float) -> Counts:
    c = Counts(requests=requests, seconds=seconds)
    for r in report.results.values():
        setattr(c, r.outcome.value, getattr(c, r.outcome.value) + 1)
        if r.cached:
            c.cached += 1
        if r.outcome is not Outcome.unchecked:
            c.checked += 1
    return c
