"""Shared by the site tests: a small seed-like knowledge base, a hostile card, and a real mkdocs build.

The fixture knowledge base mirrors the seed: two courses that both teach CNNs
with different emphasis, a ResNet digest with claims in every status, and a
topic card full of injected markup (raw HTML, ``javascript:`` and ``data:``
links) that must come out as text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
MERMAID_JS = REPO / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"

INTRO_EMPHASIS = "CNNs as feature extractors, and the bridge to ViT and DINOv2."
ENGINEERING_EMPHASIS = "Implementation, parameter counts and the memory and compute they cost."
PAYLOAD_FLAG = "__pwned"

TOPIC_CNNS: dict[str, Any] = {
    "id": "cnns",
    "title": "Convolutional neural networks",
    "aliases": ["CNNs"],
    "summary": "Filters shared across the image build a hierarchy of **feature maps**.",
    "level": "intermediate",
    "prerequisites": ["linear-algebra"],
    "resources": [
        {"id": "video", "role": "video", "title": "Lecture 5: Convolutional Neural Networks",
         "url": "https://www.youtube.com/watch?v=bNb2fEVKeEo", "why": "The canonical lecture.", "level": "intermediate"},
        {"id": "written-explainer", "role": "written-explainer", "title": "Conv Nets: A Modular Perspective",
         "authors": ["Christopher Olah"], "url": "https://colah.github.io/posts/2014-07-Conv-Nets-Modular/",
         "why": "Builds intuition from first principles.", "level": "beginner/intermediate"},
        {"id": "deep-dive", "role": "deep-dive", "title": "CS231n notes: Convolutional Networks",
         "url": "https://cs231n.github.io/convolutional-networks/", "why": "The full stack, including ResNet.",
         "level": "intermediate/advanced"},
        {"id": "original-paper", "role": "original-paper",
         "title": "ImageNet Classification with Deep Convolutional Neural Networks",
         "url": "https://papers.nips.cc/paper/2012/hash/c399862d3b9d6b76c8436e924a68c45b-Abstract.html",
         "why": "AlexNet. The arXiv mirror is 1404.5997 [NOT VERIFIED]", "level": "intermediate"},
        {"id": "code-walkthrough", "role": "code-walkthrough", "title": "Training a Classifier",
         "url": "https://pytorch.org/tutorials/beginner/blitz/cifar10_tutorial.html",
         "why": "Builds and trains a small CNN.", "level": "beginner"},
    ],
    "coverage": {"strong": "Convolution, pooling.", "gaps": "Nothing bridges CNNs to DINOv2.",
                 "needs_cards": ["vision-transformer"]},
    "courses": {
        "intro-to-multimodal": {"emphasis": INTRO_EMPHASIS, "resources": ["written-explainer", "deep-dive"]},
        "ml-engineering-foundations": {"emphasis": ENGINEERING_EMPHASIS, "resources": ["code-walkthrough", "deep-dive"]},
    },
    "digests": ["resnet"],
}

TOPIC_LINEAR_ALGEBRA: dict[str, Any] = {
    "id": "linear-algebra",
    "title": "Linear algebra",
    "level": "beginner",
    "resources": [{"id": "video", "role": "video", "title": "Essence of linear algebra",
                   "url": "https://www.youtube.com/playlist?list=PLZHQObOWTQDPD3MizzM2xVFitgF8hE_ab",
                   "why": "Geometric intuition.", "level": "beginner"}],
    "courses": {"ml-engineering-foundations": {"emphasis": "Matrix shapes.", "resources": ["video"]}},
}

DIGEST_RESNET: dict[str, Any] = {
    "id": "resnet",
    "kind": "paper",
    "title": "Deep Residual Learning for Image Recognition",
    "authors": ["Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"],
    "year": 2015,
    "url": "https://arxiv.org/abs/1512.03385",
    "identifiers": {"arxiv": "1512.03385"},
    "focus": "Residual blocks and the degradation problem.",
    "key_points": (
        "- Residual learning: y = F(x) + x (Eq. 1).\n"
        "- Complexity (Sec. 4):\n"
        "    - ResNet-50: ~3.8B FLOPs.\n"
        "    - ResNet-152: ~11.3B FLOPs.\n"
        "- Ensemble top-5 test error 3.57% [NOT VERIFIED]\n"
        "\n"
        "# A heading inside the card\n"
        "\n"
        "`code with [NOT VERIFIED] stays code`\n"
    ),
    "claims": [
        {"id": "resnet50-macs", "text": "ResNet-50: ~3.8B FLOPs", "status": "verified", "source": "Sec. 4",
         "check": {"kind": "macs", "model": "resnet50", "value": "~3.8B"},
         "evidence": {"method": "torch flop counter", "measured": "4.09 GMACs", "by": "kb facts",
                      "versions": {"torch": "2.14.1"}}},
        {"id": "resnet152-macs", "text": "ResNet-152: ~11.3B FLOPs", "status": "not-verified", "source": "Sec. 4"},
        {"id": "ensemble-top5", "text": "Ensemble top-5 test error: **3.57%**", "status": "disputed",
         "source": "Table 5"},
    ],
}

COURSE_INTRO: dict[str, Any] = {
    "id": "intro-to-multimodal",
    "title": "Introduction to multimodal models",
    "audience": "Learners starting on models that combine images with text.",
    "modules": [{"title": "Vision encoders", "topics": ["cnns", "probe"]}],
}

COURSE_ENGINEERING: dict[str, Any] = {
    "id": "ml-engineering-foundations",
    "title": "ML engineering foundations",
    "audience": "Engineers who train models in PyTorch.",
    "modules": [{"title": "Foundations", "topics": ["linear-algebra", "cnns"]}],
}

SCRIPT = f"<script>window.{PAYLOAD_FLAG}='script'</script>"
IMG = f"<img src=x onerror=\"window.{PAYLOAD_FLAG}='img'\">"

#: every card field an author writes text into, carrying markup that must stay inert
TOPIC_PROBE: dict[str, Any] = {
    "id": "probe",
    "title": f"Probe {IMG} [t](javascript:window.{PAYLOAD_FLAG}='title')",
    "summary": f"Summary with {SCRIPT} and {IMG} and <b onmouseover=\"window.{PAYLOAD_FLAG}='b'\">bold</b>.",
    "aliases": [f"alias {SCRIPT}"],
    "level": "beginner",
    "resources": [
        {"id": "video", "role": "video", "title": "Clickbait resource",
         "url": f"javascript:window.{PAYLOAD_FLAG}='resource-url'",
         "why": (f"Because {IMG} and {SCRIPT}. Links: [md-js](javascript:window.{PAYLOAD_FLAG}='md-link'), "
                 f"[md-data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==), "
                 f"[md-vb](vbscript:msgbox(1)), <javascript:window.{PAYLOAD_FLAG}='autolink'>, "
                 f"[md-ok](https://example.org/ok), and ![pic](https://example.invalid/x.png)."),
         "level": "beginner"},
        {"id": "written-explainer", "role": "written-explainer", "title": "Data link",
         "url": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "why": f"{SCRIPT}"},
    ],
    "coverage": {"gaps": f"<iframe src=\"javascript:window.{PAYLOAD_FLAG}='iframe'\"></iframe> gap"},
    "courses": {"intro-to-multimodal": {"emphasis": f"Emphasis {IMG}", "resources": ["video"]}},
}

#: a topic no course lists: the navigation does not hold it, the index pages do
TOPIC_ORPHAN: dict[str, Any] = {
    "id": "attention",
    "title": "Attention mechanisms",
    "level": "advanced",
    "summary": "Weighting the parts of an input by how much they matter to each output.",
}

CARDS: dict[str, dict[str, Any]] = {
    "topics/cnns.yaml": TOPIC_CNNS,
    "topics/attention.yaml": TOPIC_ORPHAN,
    "topics/linear-algebra.yaml": TOPIC_LINEAR_ALGEBRA,
    "topics/probe.yaml": TOPIC_PROBE,
    "digests/resnet.yaml": DIGEST_RESNET,
    "courses/intro-to-multimodal.yaml": COURSE_INTRO,
    "courses/ml-engineering-foundations.yaml": COURSE_ENGINEERING,
}


def write_cards(root: Path, cards: dict[str, dict[str, Any] | str]) -> Path:
    for sub in ("topics", "digests", "courses"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for rel, data in cards.items():
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def fixture_report(cards_root: Path) -> dict[str, Any]:
    """A machine report for the fixture cards: one claim failing, links in each outcome."""
    from kb.store import load_kb
    from validators.claims import ledger

    claims = [entry.to_dict() for entry in ledger(load_kb(cards_root))]
    for entry in claims:
        if entry["uid"].endswith("#resnet152-macs"):
            entry["status"] = "failing"
            entry["evidence"] = {"method": "torch flop counter", "measured": "11.5 GMACs", "note": "outside tolerance"}
    return {
        "version": 1,
        "generated_at": "2025-01-01T00:00:00Z",
        "summary": {"error": 0, "warning": 1, "info": 0, "files": 6},
        "diagnostics": [
            {"code": "KB501", "name": "broken-link", "severity": "warning", "path": "topics/linear-algebra.yaml",
             "line": 1, "col": 1, "end_line": 1, "end_col": 1, "card": "topic:linear-algebra",
             "message": "no <b>answer</b> from the server", "hint": None, "url": None},
            # an offline finding: the build's own lint run replaces it, so a stale one never shows
            {"code": "KB302", "name": "missing-resource-role", "severity": "warning", "path": "topics/cnns.yaml",
             "line": 1, "col": 1, "end_line": 1, "end_col": 1, "card": "topic:cnns",
             "message": "a stale finding", "hint": None, "url": None},
        ],
        "claims": claims,
        "links": {"results": [
            {"url": "https://www.youtube.com/watch?v=bNb2fEVKeEo", "outcome": "ok", "status": 200,
             "final_url": None, "title": "Lecture 5"},
            {"url": "https://colah.github.io/posts/2014-07-Conv-Nets-Modular/", "outcome": "broken", "status": 404,
             "final_url": None, "title": None},
            {"url": "https://cs231n.github.io/convolutional-networks/", "outcome": "blocked", "status": 403,
             "final_url": None, "title": None},
        ]},
    }


@dataclass
class Build:
    returncode: int
    output: str
    site: Path
    modules: dict[str, bool]


# The real `mkdocs build` command line, run in a fresh interpreter that afterwards reports
# whether torch or httpx were imported along the way.
_BUILD_SCRIPT = """
import json, sys
from mkdocs.__main__ import cli
try:
    cli.main(["build", "-f", sys.argv[1]] + sys.argv[2:], prog_name="mkdocs")
    code = 0
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
finally:
    print("KB-MODULES " + json.dumps({m: m in sys.modules for m in ("torch", "httpx")}))
sys.exit(code)
"""


def build_site(tmp: Path, cards_root: Path, *, strict: bool = True, report: Path | None = None,
               mermaid: Path = MERMAID_JS) -> Build:
    """Build the site for ``cards_root`` into ``tmp/site`` with the repository's mkdocs.yml, in a fresh interpreter."""
    site = tmp / "site"
    config = {
        "INHERIT": str(REPO / "mkdocs.yml"),
        "docs_dir": str(REPO / "site"),
        "site_dir": str(site),
        "plugins": [
            "search",
            {"kb": {"cards": str(cards_root), "report": str(report or tmp / "no-report.json"), "mermaid": str(mermaid)}},
        ],
    }
    cfg = tmp / "mkdocs.yml"
    cfg.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-c", _BUILD_SCRIPT, str(cfg)] + (["--strict"] if strict else []),
                          capture_output=True, text=True, env=env, timeout=120, cwd=tmp)
    modules: dict[str, bool] = {}
    for line in proc.stdout.splitlines():
        if line.startswith("KB-MODULES "):
            modules = json.loads(line.split(" ", 1)[1])
    return Build(proc.returncode, proc.stdout + proc.stderr, site, modules)


@pytest.fixture(scope="session")
def fixture_cards(tmp_path_factory) -> Path:
    return write_cards(tmp_path_factory.mktemp("kb") / "cards", CARDS)


def need_mermaid() -> None:
    if not MERMAID_JS.is_file():
        pytest.fail(f"{MERMAID_JS} is missing: run 'npm ci' at the repository root (make install does)")
