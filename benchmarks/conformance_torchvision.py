"""Conformance: do the fact checks agree with torchvision's own tables, family by family?

torchvision publishes, for every pretrained weights entry, the parameter
count (``num_params``), the compute in GFLOPS (``_ops``, multiply-adds) and,
for classifiers, the top-1 accuracy.  Nobody here wrote those numbers, so
they make a fair test of the fact runner.  This script

1. reads the table from the installed torchvision (``get_model_weights``);
2. writes a throwaway knowledge base under a temporary folder: one digest per
   model, with for every weights entry a ``params`` claim, a ``macs`` claim
   and, for classification, video and quantized models, an ``acc@1``
   ``weights_meta`` claim;
3. runs ``kb facts`` on it in a fresh process with an empty cache;
4. prints verified / disputed / uncheckable per family, and every claim that
   is not verified with the runner's message.

The claims name the weights they come from (``weights: IMAGENET1K_SWAG_E2E_V1``)
so the runner measures each model at its weights' resolution and as they
ship.  ``--style explicit`` writes the resolution and builder arguments out
instead (``input_size``, ``model_kwargs: {image_size: 518}``), which older
versions of the runner understand too; ``--compare-with DIR`` then times a
cold run of the code in DIR (a checkout of an older commit) on the same
claims in the same session, alternating with this tree's.

Usage::

    python benchmarks/conformance_torchvision.py [--family classification ...]
        [--models resnet50,vit_h_14] [--style weights|explicit]
        [--compare-with /path/to/old/checkout] [--repeat 1] [--json FILE]

Exit status 0 when nothing crashed (the runner's own exit status 1 for a
disputed claim is expected and reported, not an error).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FAMILIES = ("classification", "segmentation", "detection", "video", "optical_flow", "quantization")
#: families whose weights publish an acc@1 (ImageNet-1K, or Kinetics-400 for video)
WITH_ACCURACY = {"classification", "video", "quantization"}


def table(families: set[str], models: set[str] | None) -> list[dict[str, Any]]:
    """One row per weights entry torchvision publishes: model, family, weights and their numbers."""
    import torchvision
    from torchvision.models import get_model_weights, list_models

    from validators.facts.catalog import task_of

    rows = []
    for name in sorted(list_models()):
        family = task_of(name)
        if family not in families or (models and name not in models):
            continue
        enum = get_model_weights(name)
        for w in enum:
            meta = w.meta
            metrics = meta.get("_metrics", {})
            acc = None
            for ds in ("ImageNet-1K", "Kinetics-400"):
                value = metrics.get(ds, {}).get("acc@1")
                if isinstance(value, (int, float)) and value == value:  # VGG16's features-only weights have NaN
                    acc = value
            rows.append({
                "model": name, "family": family, "enum": enum.__name__, "member": w.name,
                "num_params": meta.get("num_params"), "ops": meta.get("_ops"), "acc1": acc,
                "min_size": list(meta.get("min_size") or ()),
            })
    del torchvision
    return rows


def _explicit_setup(row: dict[str, Any]) -> tuple[dict[str, Any], list[int] | None]:
    from validators.facts.catalog import as_shipped

    size, kwargs = as_shipped(f"{row['enum']}.{row['member']}")
    return kwargs, list(size) if size else None


def claims_for(row: dict[str, Any], style: str) -> list[dict[str, Any]]:
    member = row["member"]
    slug = member.lower().replace("_", "-")
    out = []
    base = {"weights": member} if style == "weights" else {}
    kwargs, size = _explicit_setup(row) if style == "explicit" else ({}, None)
    if row["num_params"] is not None:
        check: dict[str, Any] = {"kind": "params", "model": row["model"], "value": row["num_params"], **base}
        if kwargs:
            check["model_kwargs"] = kwargs
        out.append({"id": f"{slug}-params", "text": f"{row['model']} {member}: {row['num_params']:,} parameters.",
                    "check": check})
    if row["ops"] is not None:
        check = {"kind": "macs", "model": row["model"], "value": f"{row['ops']}G", **base}
        if kwargs:
            check["model_kwargs"] = kwargs
        if size and style == "explicit":
            check["input_size"] = size
        out.append({"id": f"{slug}-macs", "text": f"{row['model']} {member}: {row['ops']} GFLOPS.", "check": check})
    if row["acc1"] is not None and row["family"] in WITH_ACCURACY:
        out.append({"id": f"{slug}-acc1", "text": f"{row['model']} {member}: acc@1 {row['acc1']}.",
                    "check": {"kind": "weights_meta", "weights": f"{row['enum']}.{member}", "field": "acc@1",
                              "value": row["acc1"]}})
    return out


def write_kb(rows: list[dict[str, Any]], root: Path, style: str) -> dict[str, dict[str, Any]]:
    """The cards; returns claim uid -> row."""
    import yaml

    for sub in ("topics", "digests", "courses"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    by_model: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_model[row["model"]].append(row)
    index: dict[str, dict[str, Any]] = {}
    for model, model_rows in by_model.items():
        claims = []
        for row in model_rows:
            for claim in claims_for(row, style):
                claims.append(claim)
                index[f"tv-{model.replace('_', '-')}#{claim['id']}"] = {**row, "claim": claim["id"], "kind": claim["check"]["kind"]}
        card = {
            "id": f"tv-{model.replace('_', '-')}",
            "kind": "reference-doc",
            "title": f"torchvision {model}: weights table",
            "key_points": f"- torchvision's published numbers for {model}\n",
            "claims": claims,
        }
        text = yaml.safe_dump(card, sort_keys=False, allow_unicode=True, width=200)
        rel = f"digests/tv-{model.replace('_', '-')}.yaml"
        (root / rel).write_text(text, encoding="utf-8")
        # where each claim starts, to put a diagnostic's line back to its claim
        for n, line in enumerate(text.splitlines(), 1):
            if line.startswith("- id: "):
                uid = f"{card['id']}#{line[6:].strip()}"
                index[uid]["where"] = (rel, n)
    return index


def run_kb_facts(root: Path, cache: Path, code: Path) -> dict[str, Any]:
    """``kb facts`` in a fresh process on the code in ``code``: diagnostics, exit status, wall time."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    env.pop("KB_CACHE_DIR", None)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "kb.cli", "facts", str(root), "--format", "json", "--cache-dir", str(cache),
         "--device", "meta"],
        cwd=str(code), env=env, capture_output=True, text=True, timeout=3600,
    )
    seconds = time.perf_counter() - started
    try:
        report = json.loads(proc.stdout) if proc.stdout.strip() else {}
    except ValueError:
        report = {}
    m = re.search(r"facts: (\d+) checks", proc.stderr)
    return {"rc": proc.returncode, "stderr": proc.stderr[-4000:], "report": report, "seconds": seconds,
            "checks": int(m.group(1)) if m else None}


def _diagnostics(report: Any) -> list[dict[str, Any]]:
    if isinstance(report, dict):
        for key in ("diagnostics", "results"):
            if isinstance(report.get(key), list):
                return report[key]
    if isinstance(report, list):
        return report
    return []


def _uid_of(diag: dict[str, Any], index: dict[str, dict[str, Any]]) -> str | None:
    """The claim a diagnostic is about: the last claim of its file that starts at or above its line."""
    best = None
    for uid, row in index.items():
        rel, start = row.get("where", ("", 0))
        if rel == diag.get("path") and start <= int(diag.get("line") or 0) and (best is None or start > best[1]):
            best = (uid, start)
    return best[0] if best else None


def classify(index: dict[str, dict[str, Any]], result: dict[str, Any]) -> dict[str, Any]:
    """Per family: verified / disputed / uncheckable / crashed counts and the disagreements."""
    verdict = {uid: "verified" for uid in index}
    messages: dict[str, str] = {}
    unmatched = []
    for diag in _diagnostics(result["report"]):
        code = str(diag.get("code", ""))
        if not code.startswith("KB60"):
            continue
        uid = _uid_of(diag, index)
        if uid is None:
            unmatched.append(diag)
            continue
        verdict[uid] = {"KB601": "disputed", "KB603": "disputed", "KB602": "uncheckable"}.get(code, "crashed")
        messages[uid] = diag.get("message", "")
    if result["rc"] not in (0, 1) or not result["report"] or result["checks"] != len(index):
        # the run failed, or did not check every claim (a card the loader refused): nothing counts
        for uid in verdict:
            verdict[uid] = "crashed"
            messages[uid] = f"kb facts exited {result['rc']} after {result['checks']} of {len(index)} checks"
    families: dict[str, dict[str, Any]] = {}
    for uid, row in index.items():
        fam = families.setdefault(row["family"], {"verified": 0, "disputed": 0, "uncheckable": 0, "crashed": 0,
                                                  "by_kind": defaultdict(lambda: defaultdict(int)), "problems": []})
        fam[verdict[uid]] += 1
        fam["by_kind"][row["kind"]][verdict[uid]] += 1
        if verdict[uid] != "verified":
            fam["problems"].append({"uid": uid, "verdict": verdict[uid], "message": messages.get(uid, "")})
    return {"families": families, "unmatched": unmatched}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--family", action="append", choices=FAMILIES, help="families to check (default: all)")
    ap.add_argument("--models", help="comma-separated registry names (default: every model of the families)")
    ap.add_argument("--style", choices=("weights", "explicit"), default="weights")
    ap.add_argument("--compare-with", type=Path, help="an older checkout to time on the same claims (explicit style)")
    ap.add_argument("--repeat", type=int, default=1, help="cold runs of each code (the median is quoted)")
    ap.add_argument("--keep", type=Path, help="write the knowledge base here instead of a temporary folder")
    ap.add_argument("--json", type=Path, help="write the figures and every disagreement to this file")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO))

    families = set(args.family or FAMILIES)
    models = set(args.models.split(",")) if args.models else None
    style = "explicit" if args.compare_with else args.style
    rows = table(families, models)
    if not rows:
        print("no weights entries match", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="kb-conformance-") as tmp:
        base = args.keep or Path(tmp)
        root = base / "cards"
        index = write_kb(rows, root, style)
        codes = [("this tree", REPO)] + ([("compared", args.compare_with.resolve())] if args.compare_with else [])
        times: dict[str, list[float]] = {name: [] for name, _ in codes}
        results: dict[str, dict[str, Any]] = {}
        for n in range(max(1, args.repeat)):
            for name, code in codes:
                cache = base / f"cache-{name.replace(' ', '-')}-{n}"
                result = run_kb_facts(root, cache, code)
                times[name].append(result["seconds"])
                results.setdefault(name, result)
        mine = results["this tree"]
        summary = classify(index, mine)

    print(f"torchvision weights table: {len(rows)} weights entries, {len({r['model'] for r in rows})} models, "
          f"{len(index)} claims ({style} style)")
    total = defaultdict(int)
    for fam in FAMILIES:
        if fam not in summary["families"]:
            continue
        f = summary["families"][fam]
        n = f["verified"] + f["disputed"] + f["uncheckable"] + f["crashed"]
        kinds = "; ".join(f"{k}: {dict(v).get('verified', 0)}/{sum(v.values())}" for k, v in sorted(f["by_kind"].items()))
        print(f"  {fam:15s} {f['verified']:4d}/{n:<4d} verified, {f['disputed']} disputed, {f['uncheckable']} uncheckable, "
              f"{f['crashed']} crashed   ({kinds})")
        for key in ("verified", "disputed", "uncheckable", "crashed"):
            total[key] += f[key]
    print(f"  {'all':15s} {total['verified']:4d}/{sum(total.values()):<4d} verified, {total['disputed']} disputed, "
          f"{total['uncheckable']} uncheckable, {total['crashed']} crashed")
    for fam in FAMILIES:
        for p in summary["families"].get(fam, {}).get("problems", []):
            print(f"  [{p['verdict']}] {p['uid']}: {p['message']}")
    if summary["unmatched"]:
        print(f"  {len(summary['unmatched'])} diagnostic(s) not matched to a claim:")
        for d in summary["unmatched"][:10]:
            print(f"    {d.get('code')} {d.get('message', '')[:200]}")
    if args.compare_with:
        other = classify(index, results["compared"])["families"]
        counts = {k: sum(f[k] for f in other.values()) for k in ("verified", "disputed", "uncheckable", "crashed")}
        print(f"  compared code: {counts['verified']}/{sum(counts.values())} verified, {counts['disputed']} disputed, "
              f"{counts['uncheckable']} uncheckable, {counts['crashed']} crashed")
        for f in other.values():
            for p in f["problems"]:
                print(f"    [{p['verdict']}] {p['uid']}: {p['message'][:220]}")
    for name, _ in codes:
        ts = times[name]
        print(f"cold kb facts ({name}): median {statistics.median(ts):.1f} s over {len(ts)} run(s) "
              f"[{', '.join(f'{t:.1f}' for t in ts)}], exit {results[name]['rc']}")
    if args.compare_with:
        ratio = statistics.median(times["this tree"]) / statistics.median(times["compared"])
        print(f"ratio this tree / compared: {ratio:.2f}")
    if mine["rc"] not in (0, 1):
        print(mine["stderr"], file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({
            "entries": len(rows), "claims": len(index), "style": style,
            "families": {k: {kk: vv for kk, vv in v.items() if kk != "by_kind"} | {"by_kind": {a: dict(b) for a, b in v["by_kind"].items()}}
                         for k, v in summary["families"].items()},
            "seconds": times,
        }, indent=1, default=str), encoding="utf-8")
    return 0 if total["crashed"] == 0 and mine["rc"] in (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
