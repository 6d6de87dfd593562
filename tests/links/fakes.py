"""Stand-ins for the identity services, shaped like the real APIs, served on loopback.

Installed on one of the :class:`~tests.links.servers.LoopbackServers` hosts
(host 3, where ``fast_config`` points the resolvers): an arXiv export API
answering Atom for ``id_list``, a Crossref works API, a DOI resolver that
negotiates CSL JSON for DataCite DOIs, YouTube oEmbed and the GitHub
repository API.
"""

from __future__ import annotations

import json
from urllib.parse import unquote
from xml.sax.saxutils import escape

from tests.links.servers import LoopbackServers, Reply, Request

ARXIV = {
    "1404.5997": ("One weird trick for parallelizing convolutional neural networks", ["Alex Krizhevsky"], "2014-04-23"),
    "1512.03385": ("Deep Residual Learning for Image Recognition",
                   ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"], "2015-12-10"),
    "2304.07193": ("DINOv2: Learning Robust Visual Features without Supervision",
                   ["Maxime Oquab", "Timothée Darcet"], "2023-04-14"),
    "1706.03762": ("Attention Is All You Need", ["Ashish Vaswani", "Noam Shazeer"], "2017-06-12"),
}
CROSSREF = {
    "10.1145/3065386": {"title": ["ImageNet classification with deep convolutional neural networks"],
                        "author": [{"given": "Alex", "family": "Krizhevsky"}, {"given": "Ilya", "family": "Sutskever"},
                                   {"given": "Geoffrey E.", "family": "Hinton"}],
                        "issued": {"date-parts": [[2017, 5, 24]]}},
    "10.1109/cvpr.2016.90": {"title": ["Deep Residual Learning for Image Recognition"],
                             "author": [{"given": "Kaiming", "family": "He"}],
                             "issued": {"date-parts": [[2016, 6]]}},
}
DATACITE = {
    "10.5281/zenodo.1234": {"title": "A dataset of convolution kernels", "author": [{"family": "Doe", "given": "Jane"}],
                            "issued": {"date-parts": [[2020]]}},
}
VIDEOS = {
    "vT1JzLTH4G4": ("Lecture 5 | Convolutional Neural Networks", "Stanford University School of Engineering"),
    "aircAruvnKk": ("But what is a neural network? | Deep learning chapter 1", "3Blue1Brown"),
}
PRIVATE_VIDEOS = {"privateVid1"}
REPOS = {
    "rasbt/machine-learning-book": {"description": "Code Repository for Machine Learning with PyTorch and Scikit-Learn",
                                    "archived": False},
    "old/tutorial": {"description": "A tutorial nobody maintains", "archived": True},
    "new-owner/new-name": {"description": "Moved here", "archived": False},
}


def arxiv_feed(ids: list[str]) -> str:
    entries = []
    for ident in ids:
        base = ident.split("v")[0] if "v" in ident and ident[0].isdigit() else ident
        if base not in ARXIV:
            continue  # the real API leaves unknown ids out of the feed
        title, authors, published = ARXIV[base]
        names = "".join(f"<author><name>{escape(a)}</name></author>" for a in authors)
        entries.append(
            f"<entry><id>http://arxiv.org/abs/{base}v1</id><published>{published}T00:00:00Z</published>"
            f"<title>{escape(title)}</title>{names}</entry>")
    return ("<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>arXiv Query</title>{''.join(entries)}</feed>")


def install(servers: LoopbackServers, host: int = 3) -> dict[str, list[Request]]:
    """Install the fake services on ``host``; returns per-service request lists."""
    seen: dict[str, list[Request]] = {"arxiv": [], "crossref": [], "doi": [], "oembed": [], "github": []}

    def arxiv(req: Request) -> Reply:
        seen["arxiv"].append(req)
        ids = [i for i in req.query.get("id_list", [""])[0].split(",") if i]
        return Reply(200, arxiv_feed(ids), content_type="application/atom+xml; charset=utf-8")

    def crossref(req: Request) -> Reply:
        seen["crossref"].append(req)
        doi = unquote(req.path[len("/works/"):]).lower()
        if doi in CROSSREF:
            return Reply(200, json.dumps({"status": "ok", "message": CROSSREF[doi]}), content_type="application/json")
        return Reply(404, "Resource not found.", content_type="text/plain")

    def doi(req: Request) -> Reply:
        seen["doi"].append(req)
        ident = unquote(req.path[len("/doi/"):]).lower()
        if ident in DATACITE and "csl+json" in req.headers.get("accept", ""):
            return Reply(302, headers={"Location": f"/datacite/{ident}"})
        return Reply(404, "DOI Not Found", content_type="text/plain")

    def datacite(req: Request) -> Reply:
        ident = unquote(req.path[len("/datacite/"):])
        return Reply(200, json.dumps(DATACITE[ident]), content_type="application/vnd.citationstyles.csl+json")

    def oembed(req: Request) -> Reply:
        seen["oembed"].append(req)
        url = req.query.get("url", [""])[0]
        vid = url.rsplit("v=", 1)[-1]
        if vid in VIDEOS:
            title, author = VIDEOS[vid]
            return Reply(200, json.dumps({"title": title, "author_name": author, "type": "video"}),
                         content_type="application/json")
        if vid in PRIVATE_VIDEOS:
            return Reply(401, "Unauthorized", content_type="text/plain")
        return Reply(404, "Not Found", content_type="text/plain")

    def github(req: Request) -> Reply:
        seen["github"].append(req)
        name = req.path[len("/gh/repos/"):]
        if name == "old-owner/old-name":
            return Reply(301, headers={"Location": "/gh/repositories/42"})
        if name == "limited/repo":
            return Reply(403, json.dumps({"message": "API rate limit exceeded"}), content_type="application/json",
                         headers={"x-ratelimit-remaining": "0"})
        if name in REPOS:
            data = {"full_name": name, "html_url": f"https://github.com/{name}", **REPOS[name]}
            return Reply(200, json.dumps(data), content_type="application/json")
        return Reply(404, json.dumps({"message": "Not Found"}), content_type="application/json")

    def github_by_id(req: Request) -> Reply:
        data = {"full_name": "new-owner/new-name", "html_url": "https://github.com/new-owner/new-name",
                **REPOS["new-owner/new-name"]}
        return Reply(200, json.dumps(data), content_type="application/json")

    servers.route(host, "/api/query", arxiv)
    servers.route(host, "/works/*", crossref)
    servers.route(host, "/doi/*", doi)
    servers.route(host, "/datacite/*", datacite)
    servers.route(host, "/oembed", oembed)
    servers.route(host, "/gh/repos/*", github)
    servers.route(host, "/gh/repositories/*", github_by_id)
    return seen
