"""Identity resolvers and the KB5xx rules, end to end over small cards roots."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.links import fakes
from tests.links.conftest import fast_config, resource, run_rules_for, topic, write_kb
from tests.links.servers import LoopbackServers, Reply, page
from validators.links import Outcome, run_links

ALEXNET = "ImageNet Classification with Deep Convolutional Neural Networks"
ALEXNET_AUTHORS = ["Alex Krizhevsky", "Ilya Sutskever", "Geoffrey E. Hinton"]


def codes(diags, code):
    return [d for d in diags if d.code == code]


def text_at(root: Path, diag) -> str:
    line = (root / diag.path).read_text(encoding="utf-8").splitlines()[diag.line - 1]
    return line[diag.col - 1 :]


def run(tmp_path, servers, kb, evidence=None, **cfg):
    return run_links(kb, fast_config(servers, **cfg), cache_dir=tmp_path / "cache", progress=False,
                     evidence=evidence)


def test_seed_alexnet_mirror_is_an_identity_mismatch(tmp_path, servers):
    seen = fakes.install(servers)
    nips = servers.route(0, "/paper/2012/alexnet-Abstract.html", Reply(200, page(
        "ImageNet Classification with Deep Convolutional Neural Networks",
        head=f"<meta name='citation_title' content='{ALEXNET}'>"
             "<meta name='citation_author' content='Krizhevsky, Alex'>"
             "<meta name='citation_publication_date' content='2012'>")))
    why = ("AlexNet is the inflection point for modern CNNs. The arxiv mirror is: "
           "https://arxiv.org/abs/1404.5997 [NOT VERIFIED]")
    root = tmp_path / "cards"
    kb = write_kb(root, topics=[topic("cnns", resources=[
        resource("original-paper", nips, ALEXNET, role="original-paper", authors=ALEXNET_AUTHORS, year=2012, why=why),
    ])])
    report = run(tmp_path, servers, kb)
    diags = run_rules_for(kb, report)
    mismatches = codes(diags, "KB504")
    assert len(mismatches) == 1, [d.message for d in diags]
    d = mismatches[0]
    assert text_at(root, d).startswith("https://arxiv.org/abs/1404.5997")
    assert "One weird trick" in d.message and ALEXNET in d.message
    assert report.identity["https://arxiv.org/abs/1404.5997"].verdict == "mismatch"
    assert report.identity[nips].verdict == "match"
    assert report.identity_in(why)["https://arxiv.org/abs/1404.5997"].found_title.startswith("One weird trick")
    assert len(seen["arxiv"]) == 1
    assert not codes(diags, "KB501") and not codes(diags, "KB502")


def test_arxiv_ids_are_batched_and_spaced(tmp_path, servers):
    seen = fakes.install(servers)
    digests = [
        {"id": f"d{i}", "kind": "paper", "title": fakes.ARXIV[a][0], "identifiers": {"arxiv": a}}
        for i, a in enumerate(["1512.03385", "2304.07193", "1706.03762"])
    ]
    kb = write_kb(tmp_path / "cards", digests=digests)
    report = run(tmp_path, servers, kb, resolvers={"arxiv_batch_size": 2, "arxiv_interval_s": 0.3})
    assert [r.outcome for r in report.results.values()] == [Outcome.ok] * 3
    reqs = seen["arxiv"]
    assert len(reqs) == 2
    # times are taken where the server reads each request, so scheduling jitter on a busy
    # machine can eat a little of the gap; without spacing the gap would be near zero
    assert reqs[1].at - reqs[0].at >= 0.24
    assert reqs[0].query["id_list"] == ["1512.03385,2304.07193"]
    assert all(v.verdict == "match" for v in report.identity.values())


def test_unknown_arxiv_id_is_broken_and_wrong_id_refuted(tmp_path, servers):
    fakes.install(servers)
    kb = write_kb(tmp_path / "cards", digests=[
        {"id": "ghost", "kind": "paper", "title": "A paper", "identifiers": {"arxiv": "2401.99999"}},
        {"id": "resnet", "kind": "paper", "title": "Deep Residual Learning for Image Recognition",
         "authors": ["Kaiming He"], "year": 2015, "identifiers": {"arxiv": "1404.5997"}},
    ])
    diags = run_rules_for(kb, run(tmp_path, servers, kb))
    assert [d.card for d in codes(diags, "KB501")] == ["digest:ghost"]
    assert [d.card for d in codes(diags, "KB504")] == ["digest:resnet"]


def test_descriptive_digest_title_by_the_same_authors_is_not_refuted(tmp_path, servers):
    fakes.install(servers)
    kb = write_kb(tmp_path / "cards", digests=[
        {"id": "resnet", "kind": "paper", "title": "ResNet: residual blocks, degradation problem, depth results",
         "authors": ["Kaiming He", "Jian Sun"], "year": 2015, "identifiers": {"arxiv": "1512.03385"}},
    ])
    report = run(tmp_path, servers, kb)
    assert not codes(run_rules_for(kb, report), "KB504")
    assert report.identity["arxiv:1512.03385"].verdict in ("match", "inconclusive")


def test_structured_claims_get_evidence(tmp_path, servers):
    fakes.install(servers)
    kb = write_kb(tmp_path / "cards", topics=[topic("cnns", resources=[
        resource("original-paper", None, ALEXNET, role="original-paper", authors=ALEXNET_AUTHORS, year=2012),
    ], claims=[
        {"id": "arxiv-mirror", "text": "The arXiv mirror is 1404.5997", "status": "not-verified"},
        {"id": "resnet-at", "text": "“Deep Residual Learning for Image Recognition” is at https://arxiv.org/abs/1512.03385",
         "status": "not-verified"},
    ])])
    evidence: dict = {}
    report = run(tmp_path, servers, kb, evidence=evidence)
    assert evidence["cnns#arxiv-mirror"]["status"] == "disputed"
    assert evidence["cnns#resnet-at"]["status"] == "verified"
    assert evidence["cnns#resnet-at"]["method"] == "arXiv API title match"
    assert evidence["cnns#resnet-at"]["date"] == time.strftime("%Y-%m-%d")
    from kb.schema import Evidence

    Evidence(**{k: v for k, v in evidence["cnns#resnet-at"].items() if k in Evidence.model_fields})
    diags = run_rules_for(kb, report)
    assert [d.data.get("claim") for d in codes(diags, "KB504")] == ["cnns#arxiv-mirror"]


def test_crossref_and_datacite_dois(tmp_path, servers):
    seen = fakes.install(servers)
    kb = write_kb(tmp_path / "cards", topics=[topic(resources=[
        resource("a", "https://doi.org/10.1145/3065386", ALEXNET, authors=ALEXNET_AUTHORS, year=2012),
        resource("b", "https://doi.org/10.5281/zenodo.1234", "A dataset of convolution kernels"),
        resource("c", "https://doi.org/10.9999/nothing", "Missing"),
        resource("d", "https://doi.org/10.1109/CVPR.2016.90", "Attention Is All You Need"),
    ])])
    report = run(tmp_path, servers, kb)
    ident = report.identity
    assert ident["https://doi.org/10.1145/3065386"].verdict == "match"
    assert ident["https://doi.org/10.5281/zenodo.1234"].verdict == "match"
    assert ident["https://doi.org/10.1109/CVPR.2016.90"].verdict == "mismatch"
    diags = run_rules_for(kb, report)
    assert [d.data["url"] for d in codes(diags, "KB501")] == ["https://doi.org/10.9999/nothing"]
    assert any("csl+json" in r.headers.get("accept", "") for r in seen["doi"])


def test_youtube_oembed(tmp_path, servers):
    fakes.install(servers)
    kb = write_kb(tmp_path / "cards", topics=[topic(resources=[
        resource("v", "https://www.youtube.com/watch?v=vT1JzLTH4G4", "Lecture 5: Convolutional Neural Networks",
                 authors=["Andrej Karpathy"]),
        resource("w", "https://youtu.be/aircAruvnKk", "Attention in transformers, visually explained"),
        resource("gone", "https://www.youtube.com/watch?v=deletedVid1", "Gone"),
        resource("priv", "https://www.youtube.com/watch?v=privateVid1", "Private"),
    ])])
    report = run(tmp_path, servers, kb)
    assert report.identity["https://www.youtube.com/watch?v=vT1JzLTH4G4"].verdict == "match"
    assert report.identity["https://youtu.be/aircAruvnKk"].verdict == "mismatch"
    diags = run_rules_for(kb, report)
    assert [d.data["url"] for d in codes(diags, "KB501")] == ["https://www.youtube.com/watch?v=deletedVid1"]
    assert [d.data["url"] for d in codes(diags, "KB502")] == ["https://www.youtube.com/watch?v=privateVid1"]


def test_github_repositories(tmp_path, servers):
    fakes.install(servers)
    kb = write_kb(tmp_path / "cards", topics=[topic(resources=[
        resource("book", "https://github.com/rasbt/machine-learning-book",
                 "Convolutional Neural Networks from Scratch in PyTorch"),
        resource("old", "https://github.com/old/tutorial", "Old tutorial"),
        resource("moved", "https://github.com/old-owner/old-name", "Moved repo"),
        resource("none", "https://github.com/nobody/nothing", "Nothing"),
    ])])
    report = run(tmp_path, servers, kb)
    diags = run_rules_for(kb, report)
    assert not codes(diags, "KB504")  # a repository description never refutes a title
    assert [d.data["url"] for d in codes(diags, "KB507")] == ["https://github.com/old/tutorial"]
    [moved] = codes(diags, "KB503")
    assert moved.data["fix"] == "https://github.com/new-owner/new-name" and "new-owner/new-name" in moved.hint
    assert [d.data["url"] for d in codes(diags, "KB501")] == ["https://github.com/nobody/nothing"]


def test_html_title_mismatch_and_match(tmp_path, servers):
    right = servers.route(0, "/conv-nets", Reply(200, page("Conv Nets: A Modular Perspective - colah's blog")))
    wrong = servers.route(1, "/other", Reply(200, page("Pruning roses: a gardener's spring checklist")))
    og = servers.route(1, "/og", Reply(200, page("Blog", head="<meta property='og:title' content='Understanding LSTM Networks'>")))
    kb = write_kb(tmp_path / "cards", topics=[topic(resources=[
        resource("a", right, "Conv Nets: A Modular Perspective"),
        resource("b", wrong, "Conv Nets: A Modular Perspective"),
        resource("c", og, "Understanding LSTM Networks"),
    ])])
    report = run(tmp_path, servers, kb)
    diags = run_rules_for(kb, report)
    [bad] = codes(diags, "KB504")
    assert bad.data["url"] == wrong and "Pruning roses" in bad.message and "Modular Perspective" in bad.message
    assert report.identity[right].verdict == "match"
    assert report.identity[og].verdict == "match"


def test_prose_url_without_a_same_work_cue_is_only_link_checked(tmp_path, servers):
    other = servers.route(0, "/understanding-convolutions", Reply(200, page("Understanding Convolutions")))
    kb = write_kb(tmp_path / "cards", topics=[topic(resources=[
        resource("a", None, "Conv Nets: A Modular Perspective",
                 why=f"Pairs well with his companion post at {other}."),
    ])])
    report = run(tmp_path, servers, kb)
    assert report.results[other].outcome is Outcome.ok
    assert other not in report.identity
    assert [r.method for r in servers.requests(0)] == ["HEAD"]


def test_permanent_redirect_hint_and_fragment(tmp_path, servers):
    target = servers.route(0, "/notes/", Reply(200, page("Notes", "<h2 id='pool'>Pooling</h2><p id='conv'>x</p>")))
    old = servers.route(0, "/old-notes", Reply(301, headers={"Location": "/notes/"}))
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=f"See {target}#pool, {target}#pooling-layers and {old}.")])
    report = run(tmp_path, servers, kb)
    diags = run_rules_for(kb, report)
    [moved] = codes(diags, "KB503")
    assert moved.data["fix"] == target and target in moved.hint
    [frag] = codes(diags, "KB506")
    assert frag.data["fragment"] == "pooling-layers"


def test_excluded_and_private_links_are_unchecked(tmp_path, servers):
    excluded = servers.route(0, "/skip-me", Reply(200, "x"))
    private = servers.route(1, "/private", Reply(200, "x"))
    kb = write_kb(tmp_path / "cards", topics=[topic(summary=f"{excluded} {private}")])
    cfg = fast_config(servers, exclude=["/skip-me$"], allow_private_hosts=False)
    report = run_links(kb, cfg, cache_dir=tmp_path / "cache", progress=False)
    diags = run_rules_for(kb, report)
    info = codes(diags, "KB505")
    assert {d.data["url"] for d in info} == {excluded, private}
    assert all(d.severity.value == "info" for d in info)
    assert "allow-private-hosts" in report.results[private].reason
    assert servers.requests() == []
    allowed = run_links(kb, cfg, cache_dir=tmp_path / "cache", allow_private_hosts=True, progress=False)
    assert allowed.results[private].outcome is Outcome.ok


def test_redirect_into_a_private_address_is_not_followed(tmp_path, servers, monkeypatch):
    from validators.links import netguard

    public = LoopbackServers(count=1, address="127.0.0.2").start()
    try:
        # For this test 127.0.0.2 stands for a public host; 127.0.0.1 stays private.
        real = netguard.forbidden_address
        monkeypatch.setattr(netguard, "forbidden_address", lambda a: a != "127.0.0.2" and real(a))
        secret = servers.route(0, "/secret", Reply(200, "metadata"))
        start = public.route(0, "/jump", Reply(302, headers={"Location": secret}))
        kb = write_kb(tmp_path / "cards", topics=[topic(summary=start)])
        cfg = fast_config(servers, allow_private_hosts=False)
        report = run_links(kb, cfg, cache_dir=tmp_path / "cache", progress=False)
        r = report.results[start]
        assert r.outcome is Outcome.unchecked and "redirect" in r.reason
        assert public.requests() and not servers.requests(0, "/secret")
    finally:
        public.stop()


def test_rules_do_nothing_without_the_link_stage(tmp_path):
    kb = write_kb(tmp_path / "cards", topics=[topic(summary="https://example.org/x")])
    assert not [d for d in run_rules_for(kb, None) if d.code.startswith("KB5")]


@pytest.mark.parametrize("code", ["KB501", "KB502", "KB503", "KB504", "KB505", "KB506", "KB507"])
def test_rule_docs_are_complete(code):
    from validators.registry import doc_problems, get_rule

    rule = get_rule(code)
    assert rule is not None and rule.needs == "links" and not doc_problems(rule)
