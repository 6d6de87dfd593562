"""Identity resolvers: ask the service that knows what a URL names.

For a URL these services answer for, the resolver's answer decides both
whether the link works and what it is, so the page itself is not scraped:

* **arXiv** (``arxiv.org/abs|pdf/<id>``, digest ``identifiers.arxiv``): the
  export API, many ids per request (``id_list``), one request every
  ``arxiv_interval_s`` (3 s, as arXiv asks);
* **DOI** (``doi.org/<doi>``, ``identifiers.doi``): Crossref's works API; a
  DOI Crossref does not know is asked of ``doi.org`` by content negotiation
  (CSL JSON), which answers for DataCite and the other agencies;
* **YouTube** (watch, ``youtu.be``, shorts, embed, playlist URLs): oEmbed
  gives the title and channel; 404 means the video is gone;
* **GitHub** (``github.com/<owner>/<repo>``): the REST API says whether the
  repository exists, whether it is archived, its description, and its new
  name after a rename.  When the API rate limit is spent (60 requests an
  hour without a token; set ``GITHUB_TOKEN``) the page is checked as a plain
  link instead.

Every request goes through the checker's client, gates and retry policy.
The services' base URLs come from ``[tool.kb.links.resolvers]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote, urlsplit

from kb.config import ResolverConfig
from validators.links.check import REDIRECTS, Checker, Reply, redirect_target
from validators.links.collect import Target, host_of
from validators.links.model import LinkResult, Outcome
from validators.links.netguard import HostResolutionError

_ATOM = "{http://www.w3.org/2005/Atom}"
_API_BODY_CAP = 8 * 1024 * 1024



class Resolvers:
    def __init__(self, checker: Checker, config: ResolverConfig, arxiv_ids: list[str]):
        self.checker = checker
        self.cfg = config
        self._arxiv: dict[str, asyncio.Future[tuple[dict[str, Any] | None, Reply | None]]] = {}
        self._arxiv_ids = list(dict.fromkeys(_arxiv_base(i) for i in arxiv_ids))
        self._arxiv_task: asyncio.Task[None] | None = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        for base in self._arxiv_ids:
            self._arxiv[base] = loop.create_future()
        if self._arxiv_ids:
            self._arxiv_task = loop.create_task(self._arxiv_batches())

    async def aclose(self) -> None:
        if self._arxiv_task and not self._arxiv_task.done():
            self._arxiv_task.cancel()
            try:
                await self._arxiv_task
            except asyncio.CancelledError:
                pass
        for fut in self._arxiv.values():
            if not fut.done():
                fut.cancel()

    async def check(self, target: Target) -> LinkResult:
        started = time.monotonic()
        before = self.checker.state.requests
        kind = target.resolver
        if kind == "arxiv":
            result = await self._check_arxiv(target)
        elif kind == "doi":
            result = await self._check_doi(target)
        elif kind == "youtube":
            result = await self._check_youtube(target)
        elif kind == "github":
            result = await self._check_github(target)
        else:  # pragma: no cover - collect only assigns the four above
            result = await self.checker.check_http(target)
        result.checked_at = time.time()
        result.elapsed_s = time.monotonic() - started
        result.requests = self.checker.state.requests - before
        return result

    # -- shared ----------------------------------------------------------------
    async def _get(self, url: str, headers: dict[str, str], *, concurrency: int | None = None,
                   interval_s: float | None = None) -> Reply:
        """GET an API URL, following up to five redirects (doi.org negotiates by redirecting).

        The API base URLs come from the configuration, not from cards, and may
        name a local mirror or test server: requests to the configured
        service's own origin are not held to the address check.  A redirect
        that leaves that origin is: its target is judged as a card URL's
        would be, and a private one is never fetched.
        """
        trusted = _origin(url)
        for _ in range(6):
            vet = _origin(url) != trusted
            if vet:
                try:
                    why = await self.checker.guard.check(url)
                except HostResolutionError as exc:
                    return Reply(url, error="dns", message=str(exc), nxdomain=exc.nxdomain)
                if why:
                    return Reply(url, error="private", message=f"a redirect to {url} was not followed: {why}")
            gate = self.checker.gate(host_of(url), concurrency, interval_s)
            reply = await self.checker.exchange("GET", url, read_all=True, body_cap=_API_BODY_CAP, headers=headers,
                                                gate=gate, vet=vet)
            if reply.status in REDIRECTS and reply.headers.get("location"):
                location = reply.headers["location"].strip()
                nxt = redirect_target(url, location)
                if nxt is None or urlsplit(nxt).scheme not in ("http", "https"):
                    return Reply(url, error="invalid", message=f"the service redirects to an unusable address "
                                                                f"{location[:200]!r}")
                url = nxt
                continue
            return reply
        return reply

    def _unknown(self, result: LinkResult, service: str, reply: Reply) -> LinkResult:
        """The service could not answer: the link is neither ok nor broken."""
        result.outcome = Outcome.blocked
        if reply.error:
            result.reason = f"{service} could not be asked: {reply.message}"
            result.network_error = reply.error if reply.error in ("dns", "connect", "proxy", "connect-timeout") \
                else None
        else:
            extra = f"; {reply.gave_up}" if reply.gave_up else ""
            result.reason = f"{service} answered {reply.status} {reply.phrase}{extra}".rstrip()
        result.status = reply.status
        return result

    # -- arXiv -------------------------------------------------------------------
    async def _arxiv_batches(self) -> None:
        size = self.cfg.arxiv_batch_size
        for i in range(0, len(self._arxiv_ids), size):
            batch = self._arxiv_ids[i : i + size]
            url = f"{self.cfg.arxiv_api}?id_list={','.join(batch)}&start=0&max_results={len(batch)}"
            try:
                reply = await self._get(url, {"Accept": "application/atom+xml"}, concurrency=1,
                                        interval_s=self.cfg.arxiv_interval_s)
                entries = _parse_arxiv(reply.body) if reply.status == 200 else None
            except Exception as exc:  # a malformed feed fails the batch, not the run
                reply, entries = Reply(url, error="protocol", message=f"unreadable arXiv answer: {exc}"), None
            for base in batch:
                fut = self._arxiv[base]
                if fut.done():
                    continue
                if entries is None:
                    fut.set_result((None, reply))
                else:
                    fut.set_result((entries.get(base), None))

    async def _check_arxiv(self, target: Target) -> LinkResult:
        result = LinkResult(key=target.key, url=target.url, resolver="arxiv", final_url=target.url)
        ident = target.resolver_id or ""
        entry, failed = await self._arxiv[_arxiv_base(ident)]
        if failed is not None:
            return self._unknown(result, "the arXiv API", failed)
        result.status = 200
        if entry is None:
            result.status = 404
            result.outcome, result.reason = Outcome.broken, f"arXiv has no paper {ident}"
            return result
        result.outcome, result.reason = Outcome.ok, "arXiv API: found"
        result.title = entry["title"]
        result.meta = {"authors": entry["authors"], "year": entry["year"], "found_by": "arXiv API"}
        return result

    # -- DOI ---------------------------------------------------------------------
    async def _check_doi(self, target: Target) -> LinkResult:
        doi = target.resolver_id or ""
        result = LinkResult(key=target.key, url=target.url, resolver="doi", final_url=target.url)
        headers = {"Accept": "application/json"}
        if self.cfg.crossref_mailto:
            headers["User-Agent"] = f"{self.checker.client.headers['User-Agent']} (mailto:{self.cfg.crossref_mailto})"
        reply = await self._get(f"{self.cfg.crossref_api.rstrip('/')}/{quote(doi, safe='/:;()')}", headers)
        if reply.status == 200:
            try:
                message = json.loads(reply.body)["message"]
            except (ValueError, KeyError, TypeError):
                return self._unknown(result, "Crossref", Reply(reply.url, error="protocol",
                                                               message="Crossref sent an unreadable answer"))
            return _doi_ok(result, message.get("title"), message.get("author"),
                           message.get("issued") or message.get("published") or message.get("created"), "Crossref")
        if reply.status != 404:
            return self._unknown(result, "Crossref", reply)
        # Not a Crossref DOI: ask the DOI system itself, which forwards to DataCite and the others.
        reply = await self._get(f"{self.cfg.doi_resolver.rstrip('/')}/{quote(doi, safe='/:;()')}",
                                {"Accept": "application/vnd.citationstyles.csl+json"})
        if reply.status == 200:
            try:
                csl = json.loads(reply.body)
            except ValueError:
                return self._unknown(result, "doi.org", Reply(reply.url, error="protocol",
                                                              message="doi.org sent an unreadable answer"))
            return _doi_ok(result, csl.get("title"), csl.get("author"), csl.get("issued"), "DataCite (doi.org)")
        if reply.status in (404, 410):
            result.status = 404
            result.outcome, result.reason = Outcome.broken, f"DOI {doi} is not registered (Crossref and doi.org do not know it)"
            return result
        return self._unknown(result, "doi.org", reply)

    # -- YouTube -----------------------------------------------------------------
    async def _check_youtube(self, target: Target) -> LinkResult:
        result = LinkResult(key=target.key, url=target.url, resolver="youtube", final_url=target.url)
        page = target.url
        ident = target.resolver_id or ""
        if not ident.startswith("http"):
            page = f"https://www.youtube.com/watch?v={ident}"
        reply = await self._get(f"{self.cfg.youtube_oembed}?url={quote(page, safe='')}&format=json",
                                {"Accept": "application/json"})
        result.status = reply.status
        if reply.status == 200:
            try:
                data = json.loads(reply.body)
            except ValueError:
                return self._unknown(result, "YouTube oEmbed", Reply(reply.url, error="protocol",
                                                                     message="unreadable oEmbed answer"))
            result.outcome, result.reason = Outcome.ok, "YouTube oEmbed: found"
            result.title = data.get("title")
            result.meta = {"authors": [data["author_name"]] if data.get("author_name") else [],
                           "channel": data.get("author_name"), "found_by": "YouTube oEmbed"}
            return result
        if reply.status in (400, 404):
            result.outcome, result.reason = Outcome.broken, "YouTube has no such video (removed, or never existed)"
            return result
        if reply.status in (401, 403):
            result.outcome = Outcome.blocked
            result.reason = "YouTube will not describe this video (private, or embedding disabled)"
            return result
        return self._unknown(result, "YouTube oEmbed", reply)

    # -- GitHub ------------------------------------------------------------------
    async def _check_github(self, target: Target) -> LinkResult:
        repo = target.resolver_id or ""
        result = LinkResult(key=target.key, url=target.url, resolver="github", final_url=target.url)
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        token = os.environ.get(self.cfg.github_token_env or "", "")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        reply = await self._get(f"{self.cfg.github_api.rstrip('/')}/repos/{repo}", headers)
        result.status = reply.status
        if reply.status == 200:
            try:
                data = json.loads(reply.body)
            except ValueError:
                data = None
            if isinstance(data, dict):
                full = data.get("full_name") or repo
                desc = data.get("description") or ""
                result.outcome, result.reason = Outcome.ok, "GitHub API: found"
                result.title = f"{full}: {desc}" if desc else full
                result.meta = {"full_name": full, "description": desc, "archived": bool(data.get("archived")),
                               "html_url": data.get("html_url"), "found_by": "GitHub API"}
                if full.lower() != repo.lower() and data.get("html_url"):
                    result.moved_to = data["html_url"]
                    result.redirects = [(target.url, 301)]
                return result
        if reply.status == 404:
            result.outcome = Outcome.broken
            result.reason = f"GitHub has no repository {repo} (deleted, private, or renamed long ago)"
            return result
        # Rate limited, or the API is unreachable: check the page as a plain link.
        plain = await self.checker.check_http(Target(key=target.key, url=target.url, host=target.host,
                                                     occurrences=target.occurrences))
        plain.resolver = None
        why = "the GitHub API rate limit is spent" if reply.status in (403, 429) else "the GitHub API did not answer"
        plain.meta["note"] = f"{why}; checked as a plain link"
        return plain


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _arxiv_base(ident: str) -> str:
    return re.sub(r"v\d+$", "", ident)


def _parse_arxiv(body: bytes) -> dict[str, dict[str, Any]]:
    """arXiv id (without version) -> {title, authors, year} for each real entry of an API feed."""
    root = ET.fromstring(body)
    out: dict[str, dict[str, Any]] = {}
    for entry in root.iter(f"{_ATOM}entry"):
        ident = (entry.findtext(f"{_ATOM}id") or "").strip()
        title = " ".join((entry.findtext(f"{_ATOM}title") or "").split())
        if "/api/errors" in ident or not title or title.lower() == "error":
            continue
        m = re.search(r"arxiv\.org/abs/(.+?)(v\d+)?$", ident)
        if not m:
            continue
        published = (entry.findtext(f"{_ATOM}published") or "")[:4]
        authors = [" ".join((a.findtext(f"{_ATOM}name") or "").split()) for a in entry.findall(f"{_ATOM}author")]
        out[m.group(1)] = {"title": title, "authors": [a for a in authors if a],
                           "year": int(published) if published.isdigit() else None}
    return out


def _doi_ok(result: LinkResult, title: Any, authors: Any, issued: Any, service: str) -> LinkResult:
    if isinstance(title, list):
        title = title[0] if title else None
    names: list[str] = []
    for a in authors or []:
        if isinstance(a, dict):
            name = " ".join(p for p in (a.get("given"), a.get("family")) if p) or a.get("literal") or a.get("name")
            if name:
                names.append(name)
    year = None
    try:
        year = int(issued["date-parts"][0][0])
    except (TypeError, KeyError, IndexError, ValueError):
        pass
    result.status = 200
    result.outcome, result.reason = Outcome.ok, f"{service}: found"
    result.title = " ".join(str(title).split()) if title else None
    result.meta = {"authors": names, "year": year, "found_by": service}
    return result
