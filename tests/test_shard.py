"""CI sharding: ``kb check --shard i/n`` on every part, then ``kb report merge``, equals one ``kb check``.

Real parts throughout: the ``kb`` command in subprocesses, link targets served
by HTTP servers on loopback (ok, broken, blocked, moved, the wrong page), and
claims re-measured with the real torch and torchvision.  The cards are built
so that the shards must cooperate: a ``[NOT VERIFIED]`` marker is settled by a
link that only one shard checks, and a claim by a check only one shard runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from kb.report import Report
from tests.links.servers import LoopbackServers, Reply, page
from tests.test_cli import assert_no_traceback, kb
from validators.sharding import bucket, fact_key, parse_shard

SHARDS = 3
CONFIG = """\
[links]
allow_private_hosts = true
timeout_s = 5.0
retries = 0
per_host_interval_ms = 0
[links.resolvers]
enabled = false
"""


@pytest.fixture(scope="module")
def servers():
    s = LoopbackServers(count=3).start()
    yield s
    s.stop()


def _cards(root: Path, servers: LoopbackServers) -> None:
    modular = servers.route(0, "/conv-nets", Reply(200, page("Conv Nets: A Modular Perspective - colah's blog")))
    lstm = servers.route(0, "/lstm", Reply(200, page("Understanding LSTM Networks")))
    pages = [servers.route(i % 3, f"/page-{i}", Reply(200, page(f"Notes {i}"))) for i in range(10)]
    gone = servers.route(1, "/gone", Reply(404, page("Not here")))
    private = servers.route(1, "/private", Reply(403, page("Forbidden")))
    moved = servers.route(2, "/moved", Reply(301, headers={"Location": pages[0]}))
    wrong = servers.route(2, "/wrong", Reply(200, page("Pruning roses: a gardener's spring checklist")))

    topics = [
        {"id": "cnns", "title": "CNNs", "level": "beginner",
         "summary": "Convolutional networks.",
         "resources": [
             {"id": "post", "role": "written-explainer", "title": "Conv Nets: A Modular Perspective", "url": modular,
              "level": "beginner", "why": f"The post itself is at {modular} [NOT VERIFIED]."},
             {"id": "wrong", "role": "video", "title": "Conv Nets: A Modular Perspective", "url": wrong,
              "level": "beginner"},
             {"id": "gone", "role": "deep-dive", "title": "A deep dive", "url": gone, "level": "intermediate"},
             {"id": "private", "role": "code-walkthrough", "title": "Code", "url": private, "level": "intermediate"},
             {"id": "moved", "role": "alternative", "title": "Notes 0", "url": moved, "level": "beginner"},
         ],
         "claims": [
             {"id": "lstm-at", "text": f"“Understanding LSTM Networks” is at {lstm}", "status": "not-verified"},
         ],
         "digests": ["resnet"]},
        {"id": "rnns", "title": "RNNs", "level": "intermediate", "prerequisites": ["cnns"],
         "summary": "Recurrent networks; about 3 billion of them [NOT VERIFIED].",
         "resources": [{"id": f"p{i}", "role": "alternative", "title": f"Notes {i}", "url": u, "level": "beginner"}
                       for i, u in enumerate(pages[1:], 1)]},
    ]
    digests = [
        {"id": "resnet", "kind": "paper", "title": "Deep Residual Learning for Image Recognition",
         "key_points": "- residual blocks\n",
         "claims": [
             {"id": "r18-params", "text": "ResNet-18 has 11,689,512 parameters.", "status": "not-verified",
              "check": {"kind": "params", "model": "resnet18", "value": 11689512}},
             {"id": "r18-wrong", "text": "ResNet-18 has 21,797,672 parameters.", "status": "not-verified",
              "check": {"kind": "params", "model": "resnet18", "value": "21,797,672"}},
             {"id": "alexnet-params", "text": "AlexNet has 61,100,840 parameters.", "status": "verified",
              "check": {"kind": "params", "model": "alexnet", "value": 61100840}},
             {"id": "conv-size", "text": "Conv output size is floor((i+2p-k)/s)+1.", "status": "not-verified",
              "check": {"kind": "formula", "op": "Conv2d", "formula": "floor((i+2*p-k)/s)+1"}},
             {"id": "sum", "text": "Two and two make four.", "status": "not-verified",
              "check": {"kind": "arithmetic", "expression": "2+2", "value": 4}},
             # one built model, named two ways: by the weights it ships as, and by its builder argument
             {"id": "vit-e2e", "text": "ViT-B/16 as fine-tuned at 384 px has 86,859,496 parameters.",
              "status": "not-verified",
              "check": {"kind": "params", "model": "vit_b_16", "weights": "IMAGENET1K_SWAG_E2E_V1", "value": 86859496}},
             {"id": "vit-384", "text": "ViT-B/16 at 384 px has 86,859,496 parameters.", "status": "not-verified",
              "check": {"kind": "params", "model": "vit_b_16", "model_kwargs": {"image_size": 384},
                        "value": 86859496}},
         ]},
    ]
    for sub, cards in (("topics", topics), ("digests", digests), ("courses", [])):
        (root / sub).mkdir(parents=True, exist_ok=True)
        for card in cards:
            (root / sub / f"{card['id']}.yaml").write_text(
                yaml.safe_dump(card, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")


@pytest.fixture(scope="module")
def runs(servers, tmp_path_factory) -> dict[str, Any]:
    """One unsharded ``kb check``, the three shards (each with its own cache, as on separate runners), the merge."""
    tmp = tmp_path_factory.mktemp("shard")
    (tmp / "kb.toml").write_text(CONFIG, encoding="utf-8")
    root = tmp / "cards"
    _cards(root, servers)

    def check(name: str, *extra: str):
        proc = kb("check", str(root), "--cache-dir", str(tmp / f"cache-{name}"), "--report", str(tmp / f"{name}.json"),
                  "--format", "json", "-q", *extra)
        assert_no_traceback(proc)
        assert proc.returncode in (0, 1), proc.stderr
        return proc

    out: dict[str, Any] = {"tmp": tmp, "root": root}
    out["full"] = check("full")
    for i in range(1, SHARDS + 1):
        out[f"s{i}"] = check(f"s{i}", "--shard", f"{i}/{SHARDS}")
    shard_files = [str(tmp / f"s{i}.json") for i in range(1, SHARDS + 1)]
    out["shard_files"] = shard_files
    out["merge"] = kb("report", "merge", *shard_files, "--cards", str(root), "--format", "json", "-q",
                      "--report", str(tmp / "merged.json"))
    assert_no_traceback(out["merge"])
    return out


def _comparable_links(doc: dict) -> list[dict]:
    # whether a result came from the cache, and how long it took, depend on the runner, not on the cards
    return [{k: v for k, v in r.items() if k != "cached"} for r in doc["links"]["results"]]


def _comparable_facts(doc: dict) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "cached"} for r in doc["facts"]["results"]]


def test_merged_shards_equal_one_unsharded_run(runs):
    full = json.loads(runs["full"].stdout)
    merged = json.loads(runs["merge"].stdout)
    assert runs["merge"].returncode == runs["full"].returncode == 1, runs["merge"].stderr
    assert merged["diagnostics"] == full["diagnostics"]
    assert merged["summary"] == full["summary"]
    assert merged["claims"] == full["claims"]
    assert _comparable_links(merged) == _comparable_links(full)
    assert merged["links"]["identity"] == full["links"]["identity"]
    assert merged["links"]["evidence"] == full["links"]["evidence"]
    assert _comparable_facts(merged) == _comparable_facts(full)
    assert merged["facts"]["counts"] == full["facts"]["counts"]
    # every measurement was taken by one runner: the merged counts are one run's (fresh caches everywhere)
    assert (merged["facts"]["measured"], merged["facts"]["cached"]) == (full["facts"]["measured"], 0)
    assert merged["run"]["stages"] == full["run"]["stages"] == ["offline", "links", "facts"]
    assert merged["run"]["shard"] is None and merged["run"]["cards_digest"] == full["run"]["cards_digest"]
    # the merged report file is the same document, for the site
    assert json.loads((runs["tmp"] / "merged.json").read_text()) == merged

    codes = {d["code"] for d in full["diagnostics"]}
    assert {"KB501", "KB502", "KB503", "KB504", "KB601"} <= codes, codes  # the work really found things


def test_each_shard_did_only_its_part(runs):
    full = json.loads(runs["full"].stdout)
    parts = [json.loads(runs[f"s{i}"].stdout) for i in range(1, SHARDS + 1)]
    urls = [[r["url"] for r in p["links"]["results"]] for p in parts]
    uids = [[r["uid"] for r in p["facts"]["results"]] for p in parts]
    assert sorted(u for part in urls for u in part) == [r["url"] for r in full["links"]["results"]]
    assert sorted(u for part in uids for u in part) == [r["uid"] for r in full["facts"]["results"]]
    assert sum(1 for part in urls if part) >= 2, urls  # the links were really split
    for i, part in enumerate(parts, 1):
        assert part["run"]["shard"] == {"index": i, "count": SHARDS}
        assert all(bucket(u, SHARDS) == i for u in urls[i - 1])
    # every resnet18 check ran on the one runner that built resnet18
    holders = [i for i, part in enumerate(uids, 1) if any(u.startswith("resnet#r18") for u in part)]
    assert len(holders) == 1 and sum(u.startswith("resnet#r18") for u in uids[holders[0] - 1]) == 2


def test_the_merge_settles_what_one_shard_could_not(runs):
    """A shard that did not check the link (or run the check) behind a claim sees it unverified; the merge does not."""
    full = json.loads(runs["full"].stdout)
    status = {c["uid"]: c["status"] for c in full["claims"]}
    assert status["cnns#nv-1"] == "verified"  # the marker's URL is the page it names
    assert status["cnns#lstm-at"] == "verified"  # the resolver found the title the claim quotes
    assert status["resnet#r18-params"] == "verified" and status["resnet#r18-wrong"] == "failing"
    full_kb401 = {(d["path"], d["line"]) for d in full["diagnostics"] if d["code"] == "KB401"}
    shard_kb401 = [{(d["path"], d["line"]) for d in json.loads(runs[f"s{i}"].stdout)["diagnostics"]
                    if d["code"] == "KB401"} for i in range(1, SHARDS + 1)]
    assert any(s != full_kb401 for s in shard_kb401), "some shard must have lacked evidence another had"


def test_text_output_of_the_merge_is_the_unsharded_text(runs):
    tmp, root = runs["tmp"], runs["root"]
    text_full = kb("check", str(root), "--cache-dir", str(tmp / "cache-full"), "--report", str(tmp / "again.json"),
                   "--format", "text", "-q")
    text_merged = kb("report", "merge", *runs["shard_files"], "--cards", str(root), "--format", "text", "-q")
    assert text_merged.stdout == text_full.stdout and text_merged.returncode == text_full.returncode == 1


def test_merge_refuses_what_is_not_one_run(runs, tmp_path):
    files, root = runs["shard_files"], runs["root"]
    missing = kb("report", "merge", *files[:2], "--cards", str(root))
    assert missing.returncode == 2 and "3/3 missing" in missing.stderr
    twice = kb("report", "merge", files[0], files[0], files[1], "--cards", str(root))
    assert twice.returncode == 2 and "given twice" in twice.stderr
    other = tmp_path / "cards"
    _cards_copy(root, other)
    (other / "topics" / "rnns.yaml").write_text((other / "topics" / "rnns.yaml").read_text() + "aliases: [rnn]\n")
    changed = kb("report", "merge", *files, "--cards", str(other))
    assert changed.returncode == 2 and "other cards" in changed.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": 1, "summ')
    bad = kb("report", "merge", str(broken), "--cards", str(root))
    assert bad.returncode == 2 and "invalid JSON" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    for proc in (missing, twice, changed, bad):
        assert_no_traceback(proc)


def _cards_copy(src: Path, dst: Path) -> None:
    import shutil

    shutil.copytree(src, dst)


@pytest.mark.parametrize("fmt", ["sarif", "github", "junit"])
def test_merge_speaks_every_format(runs, fmt):
    proc = kb("report", "merge", *runs["shard_files"], "--cards", str(runs["root"]), "--format", fmt, "-q")
    assert proc.returncode == 1 and proc.stdout.strip()
    if fmt == "sarif":
        results = json.loads(proc.stdout)["runs"][0]["results"]
        assert len(results) == len(json.loads(runs["full"].stdout)["diagnostics"])


# --------------------------------------------------------------------------- the split itself, as data


def test_buckets_are_stable_and_spread():
    # pinned: a change here splits the work differently from one kb version to the next (sha256 of the key)
    assert [bucket(f"https://example.org/{i}", 3) for i in range(12)] == [1, 3, 1, 2, 3, 3, 2, 3, 2, 2, 2, 1]
    counts = [0, 0, 0, 0]
    for i in range(4000):
        counts[bucket(f"https://host{i % 7}.example/p/{i}", 4) - 1] += 1
    assert min(counts) > 900, counts
    assert all(bucket("anything", 1) == 1 for _ in range(3))


def test_bucket_does_not_depend_on_python_hash_seed():
    import subprocess
    import sys

    script = "from validators.sharding import bucket; print([bucket(f'u{i}', 5) for i in range(20)])"
    repo = Path(__file__).resolve().parent.parent
    outs = {subprocess.run([sys.executable, "-c", script], env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(repo)},
                           capture_output=True, text=True, cwd=repo).stdout
            for seed in ("0", "1", "12345")}
    assert len(outs) == 1 and outs.pop().startswith("[")


def test_fact_key_is_the_model_as_measured():
    """Weights a check names set builder arguments: the key is the model the runner builds and caches."""
    from kb.checks import Check
    from pydantic import TypeAdapter

    from validators.sharding import fact_groups

    adapter = TypeAdapter(Check)
    e2e = adapter.validate_python({"kind": "params", "model": "vit_b_16", "weights": "IMAGENET1K_SWAG_E2E_V1", "value": 1})
    sized = adapter.validate_python({"kind": "params", "model": "vit_b_16", "model_kwargs": {"image_size": 384},
                                     "value": 1})
    plain = adapter.validate_python({"kind": "params", "model": "vit_b_16", "value": 1})
    flops = adapter.validate_python({"kind": "flops", "model": "vit_b_16", "weights": "IMAGENET1K_SWAG_E2E_V1",
                                     "value": "55G"})
    assert fact_key(e2e) == fact_key(sized) == fact_key(flops) != fact_key(plain)

    # a ratio builds two models: it and every check on either model share one group
    ratio = adapter.validate_python({"kind": "ratio", "value": 2,
                                     "numerator": {"measure": "params", "model": "resnet50"},
                                     "denominator": {"measure": "params", "model": "resnet18"}})
    r18 = adapter.validate_python({"kind": "macs", "model": "resnet18", "value": "1.8G"})
    r50 = adapter.validate_python({"kind": "params", "model": "resnet50", "value": 1})
    for order in ([ratio, r18, r50, plain], [r18, plain, r50, ratio], [plain, r50, r18, ratio]):
        groups = fact_groups(order)
        assert groups[fact_key(r18)] == groups[fact_key(r50)] == groups[fact_key(ratio)] == fact_key(r18)
        assert groups[fact_key(plain)] != groups[fact_key(r18)]
    assert fact_groups([r18, r50])[fact_key(r50)] == fact_key(r50)  # no ratio, no tie

    # a mismatching plain ViT-B/16 count is also tried at 384 px for its hint: that model is built in one place
    groups = fact_groups([plain, sized])
    assert groups[fact_key(plain)] == groups[fact_key(sized)]
    # weights metadata: the hint reads the enum's other members, so one enum is one group
    v1 = adapter.validate_python({"kind": "weights_meta", "weights": "ViT_B_16_Weights.IMAGENET1K_V1",
                                  "field": "num_params", "value": 1})
    e2e_meta = adapter.validate_python({"kind": "weights_meta", "weights": "ViT_B_16_Weights.IMAGENET1K_SWAG_E2E_V1",
                                        "field": "num_params", "value": 1})
    assert fact_key(v1) == fact_key(e2e_meta) == "weights:ViT_B_16_Weights"


def test_fact_key_groups_checks_by_model():
    from kb.checks import Check
    from pydantic import TypeAdapter

    adapter = TypeAdapter(Check)
    a = adapter.validate_python({"kind": "params", "model": "resnet18", "value": 1})
    b = adapter.validate_python({"kind": "macs", "model": "resnet18", "value": "1.8G"})
    c = adapter.validate_python({"kind": "params", "model": "resnet18", "value": 1, "model_kwargs": {"num_classes": 10}})
    f = adapter.validate_python({"kind": "arithmetic", "expression": "2+2", "value": 4})
    assert fact_key(a) == fact_key(b) != fact_key(c)
    assert fact_key(f).startswith("check:")


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "a/b", "1", "", "-1/2"])
def test_bad_shard_is_a_usage_error(text, tmp_path):
    with pytest.raises(ValueError):
        parse_shard(text)
    proc = kb("check", "cards", "--no-links", "--no-facts", "--shard", text, "--report", str(tmp_path / "r.json"))
    assert proc.returncode == 2 and "--shard" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_an_unsharded_report_merges_to_itself(runs):
    full_file = runs["tmp"] / "full.json"
    proc = kb("report", "merge", str(full_file), "--cards", str(runs["root"]), "--format", "json", "-q")
    assert proc.returncode == 1
    merged, full = Report.model_validate_json(proc.stdout), Report.model_validate_json(full_file.read_text())
    assert merged.diagnostics == full.diagnostics and merged.claims == full.claims


def test_one_claim_naming_two_urls_gets_the_same_evidence_merged(servers, tmp_path):
    """Both URLs confirm the claim, one in each shard: the merge keeps the entry one run keeps."""
    # the first URL written is in shard 1 of 2 and the larger, the second in shard 2: neither the
    # order of the text nor that of the shards may decide which confirmation stands
    candidates = [servers.url(0, f"/lstm-two-{i}") for i in range(40)]
    urls = next([a, b] for a in candidates for b in candidates
                if bucket(a, 2) == 1 and bucket(b, 2) == 2 and b < a)
    for url in urls:
        servers.route(0, url[url.index("/", 8):], Reply(200, page("Understanding LSTM Networks")))
    (tmp_path / "kb.toml").write_text(CONFIG, encoding="utf-8")
    root = tmp_path / "cards"
    for sub in ("topics", "digests", "courses"):
        (root / sub).mkdir(parents=True)
    card = {"id": "rnns", "title": "RNNs", "level": "beginner",
            "claims": [{"id": "lstm-at", "status": "not-verified",
                        "text": f"“Understanding LSTM Networks” is at {urls[0]} and mirrored at {urls[1]}"}]}
    (root / "topics" / "rnns.yaml").write_text(yaml.safe_dump(card, sort_keys=False, allow_unicode=True, width=1000),
                                               encoding="utf-8")

    def check(name: str, *extra: str):
        proc = kb("check", str(root), "--no-facts", "--cache-dir", str(tmp_path / f"cache-{name}"),
                  "--report", str(tmp_path / f"{name}.json"), "--format", "json", "-q", *extra)
        assert_no_traceback(proc)
        return json.loads(proc.stdout)

    full = check("full")
    for n in (1, 2):
        check(f"s{n}", "--shard", f"{n}/2")
    proc = kb("report", "merge", str(tmp_path / "s1.json"), str(tmp_path / "s2.json"), "--cards", str(root),
              "--format", "json", "-q")
    assert_no_traceback(proc)
    merged = json.loads(proc.stdout)
    assert full["links"]["evidence"]["rnns#lstm-at"]["status"] == "verified"
    assert full["links"]["evidence"]["rnns#lstm-at"]["url"] == min(urls)  # ties go to the smaller URL
    assert merged["links"]["evidence"] == full["links"]["evidence"]
    assert merged["claims"] == full["claims"]


def test_evidence_choice_does_not_depend_on_order():
    from itertools import permutations

    from validators.links import prefer_evidence

    entries = [{"status": "verified", "url": "https://b.example/"}, {"status": "verified", "url": "https://a.example/"},
               {"status": "disputed", "url": "https://c.example/"}, {"status": "disputed", "url": "https://d.example/"}]
    chosen = set()
    for order in permutations(entries):
        held = None
        for entry in order:
            held = prefer_evidence(held, entry)
        chosen.add(json.dumps(held, sort_keys=True))
    assert chosen == {json.dumps(entries[2], sort_keys=True)}  # a refutation first, then the smaller URL
    assert prefer_evidence(entries[0], entries[1]) == prefer_evidence(entries[1], entries[0]) == entries[1]
