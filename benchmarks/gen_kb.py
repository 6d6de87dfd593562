"""Generate a large, realistic cards root for benchmarks and scaling tests.

    python benchmarks/gen_kb.py OUT_DIR --topics N [--seed S] [--plant-errors]

or, from Python, ``generate(out, topics=N, seed=S, plant_errors=False)``.

The output is a cards root (``topics/``, ``digests/``, ``courses/``) shaped like
the committed cards: every topic fills all five resource roles with prose of
about the length real cards have (about 4 KB a topic card), half as many
digests as topics carry claims (some marked ``[NOT VERIFIED]``, some with
machine checks that ``kb lint`` validates without torch), prerequisites form a
DAG, and there is one course per 50 topics, in modules, in an order that
respects the prerequisites. Without ``--plant-errors`` it lints with no errors
(warnings and info findings of the prose kind remain, as on real cards).

The same arguments always write the same bytes: one seeded ``random.Random``
drives everything and files are written in a fixed order. ``--plant-errors``
adds a fixed set of mistakes across the rule families (see
:data:`PLANTED`), placed by topic index so a test can expect them.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROLES = ("video", "written-explainer", "deep-dive", "original-paper", "code-walkthrough")
LEVELS = ("beginner", "intermediate", "advanced")
TOPICS_PER_COURSE = 50
TOPICS_PER_MODULE = 10

#: what ``--plant-errors`` adds, by the rule code that must report it; each is planted once (a card
#: dropped for a syntax or schema error may also leave references to it dangling, as it would by hand)
PLANTED: dict[str, str] = {
    "KB101": "a YAML syntax error (a tab in the indentation)",
    "KB102": "schema: an unknown level, a misspelt key, a string where a list belongs",
    "KB103": "a key written twice",
    "KB111": "a malformed URL (htps:)",
    "KB201": "a prerequisite and a digest that no card has",
    "KB202": "two topics that require each other",
    "KB203": "two topic files with one id",
    "KB204": "two resources of one topic with one URL",
    "KB301": "a course that teaches a topic before its prerequisite",
}

_WORDS = (
    "gradient attention convolution kernel stride padding embedding token layer residual normalization "
    "batch optimizer momentum schedule warmup dropout regularization activation pooling encoder decoder "
    "transformer projection logits softmax entropy likelihood posterior prior sampling variance bias "
    "feature representation manifold latent contrastive supervised augmentation pretraining finetuning "
    "benchmark throughput memory precision quantization distillation pruning sparsity retrieval ranking "
    "tensor matrix vector eigenvalue decomposition factorization graph message-passing recurrence "
    "sequence alignment objective loss margin calibration uncertainty ensemble bootstrapping curriculum"
).split()
_ADJ = (
    "clear careful compact practical rigorous visual concise thorough gentle hands-on classic modern "
    "readable well-paced dense approachable detailed illustrated"
).split()
_VERBS = (
    "explains derives shows builds walks through motivates compares implements visualizes reviews "
    "connects summarizes contrasts measures"
).split()
_SOURCES = (
    ("video", "YouTube", "https://www.youtube.com/watch?v="),
    ("written-explainer", "a personal blog", "https://blog.example-{h}.org/posts/"),
    ("deep-dive", "course notes", "https://notes.example-{h}.edu/chapters/"),
    ("original-paper", "arXiv", "https://arxiv.org/abs/"),
    ("code-walkthrough", "GitHub", "https://github.com/example-{h}/"),
)
_FIRST = "Ada Alan Grace Yann Geoffrey Fei-Fei Andrej Christopher Sebastian Kaiming Ilya Alex Jian Olga Mira".split()
_LAST = "Lovelace Turing Hopper LeCun Hinton Li Karpathy Olah Raschka He Sutskever Krizhevsky Sun Petrova Rao".split()
_MODELS = ("resnet18", "resnet50", "vgg16", "vit_b_16", "mobilenet_v2", "efficientnet_b0", "alexnet", "densenet121")


@dataclass
class _Topic:
    index: int
    id: str
    course: int
    level: str
    prerequisites: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)


def _q(text: str) -> str:
    """A YAML single-quoted scalar."""
    return "'" + text.replace("'", "''") + "'"


class _Writer:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def words(self, n: int) -> str:
        return " ".join(self.rng.choice(_WORDS) for _ in range(n))

    def sentence(self, lo: int = 8, hi: int = 16) -> str:
        r = self.rng
        s = f"The {r.choice(_ADJ)} treatment {r.choice(_VERBS)} {self.words(r.randint(lo, hi))}"
        return s[0].upper() + s[1:] + "."

    def para(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def person(self) -> str:
        return f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}"

    def hexid(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))


def _plan(n: int, w: _Writer) -> list[_Topic]:
    """Topics with their course, level and a prerequisite DAG that respects course order and levels."""
    topics: list[_Topic] = []
    for i in range(n):
        course = i // TOPICS_PER_COURSE
        pos = i % TOPICS_PER_COURSE
        level = LEVELS[min(2, pos * 3 // TOPICS_PER_COURSE)]
        topics.append(_Topic(i, f"topic-{i:05d}", course, level))
    for t in topics:
        start = t.course * TOPICS_PER_COURSE
        earlier = list(range(start, t.index))
        # prerequisites come earlier in the same course, at the same level or below (levels only rise)
        k = min(len(earlier), w.rng.randint(0, 3))
        for j in sorted(w.rng.sample(earlier, k)):
            t.prerequisites.append(topics[j].id)
    return topics


def _topic_text(t: _Topic, topics: list[_Topic], n_courses: int, w: _Writer) -> str:
    r = w.rng
    name = w.words(2).title()
    lines = [
        "# yaml-language-server: $schema=../../schemas/topic.schema.json",
        f"id: {t.id}",
        f"title: {_q(name + ' ' + str(t.index))}",
        "aliases:",
        f"  - {_q(name.upper())}",
        f"  - {_q(name.lower() + ' basics')}",
        "summary: |",
        f"  {w.para(2)}",
        f"  {w.para(2)}",
        f"level: {t.level}",
    ]
    if t.prerequisites:
        lines.append("prerequisites:")
        lines += [f"  - {p}" for p in t.prerequisites]
    related = [topics[j].id for j in sorted({r.randrange(len(topics)) for _ in range(2)}) if j != t.index]
    if related:
        lines.append("related:")
        lines += [f"  - {x}" for x in related]
    lines.append("resources:")
    for role, site, base in _SOURCES:
        host = f"{t.index % 97:02d}"
        if role == "video":
            url = base + w.hexid(11)
        elif role == "original-paper":
            url = f"https://arxiv.org/abs/{(t.index % 12) + 13:02d}{(t.index % 12) + 1:02d}.{t.index:05d}"
        elif role == "code-walkthrough":
            url = base.format(h=host) + f"{t.id}-walkthrough"
        else:
            url = base.format(h=host) + f"{t.id}-{role}"
        lines += [
            f"  - id: {role}",
            f"    role: {role}",
            f"    title: {_q(w.words(4).title())}",
            "    authors:",
            f"      - {w.person()}",
            f"    source: {site}",
            f"    url: {url}",
            f"    why: {_q(w.para(2))}",
            f"    level: {t.level}",
        ]
        if role == "original-paper":
            lines.append(f"    year: {2000 + t.index % 25}")
        if r.random() < 0.3:
            lines.append(f"    note: {_q(w.sentence())}")
    lines += [
        "coverage:",
        f"  strong: {_q(w.para(2))}",
        f"  weak: {_q(w.para(1))}",
        f"  gaps: {_q(w.para(2))}",
    ]
    if t.course < n_courses:
        cid = f"course-{t.course:03d}"
        lines += [
            "courses:",
            f"  {cid}:",
            f"    emphasis: {_q(w.para(1))}",
            "    resources:",
            "      - written-explainer",
            "      - deep-dive",
        ]
    if t.digests:
        lines.append("digests:")
        lines += [f"  - {d}" for d in t.digests]
    lines += ["stated_counts:", "  courses: 1", f"  digests: {len(t.digests)}"]
    return "\n".join(lines) + "\n"


def _digest_text(d: int, w: _Writer) -> str:
    r = w.rng
    did = f"digest-{d:05d}"
    lines = [
        "# yaml-language-server: $schema=../../schemas/digest.schema.json",
        f"id: {did}",
        "kind: paper",
        f"title: {_q(w.words(5).title())}",
        "authors:",
        f"  - {w.person()}",
        f"  - {w.person()}",
        f"year: {2005 + d % 20}",
        f"url: https://arxiv.org/abs/{(d % 12) + 13:02d}{(d % 12) + 1:02d}.{50000 + d:05d}",
        "identifiers:",
        f"  arxiv: '{(d % 12) + 13:02d}{(d % 12) + 1:02d}.{50000 + d:05d}'",
        f"focus: {_q(w.para(1))}",
        "key_points: |",
    ]
    for _ in range(4):
        lines.append(f"  - {w.para(1)}")
    lines.append("claims:")
    model = r.choice(_MODELS)
    lines += [
        f"  - id: {model.replace('_', '-')}-output",
        f"    text: {_q(f'{model} maps a 224x224 image to 1000 class scores.')}",
        "    status: verified",
        "    source: Table 1",
        f"    check: {{kind: output_shape, model: {model}, input_shape: [1, 3, 224, 224], value: [1, 1000]}}",
        "  - id: stride-arithmetic",
        "    text: A 3x3 convolution with stride 2 and padding 1 halves a 224 pixel side to 112.",
        "    status: verified",
        "    check: {kind: arithmetic, expression: '(224 + 2*1 - 3) // 2 + 1', value: 112}",
    ]
    if d % 3 == 0:
        lines += [
            "  - id: unverified-speedup",
            f"    text: {_q('The method trains about 1.7x faster than the baseline. [NOT VERIFIED]')}",
            "    status: not-verified",
        ]
    if d % 4 == 1:
        lines += [
            f"  - id: {model.replace('_', '-')}-params",
            f"    text: {_q(f'{model} has about 25M parameters.')}",
            "    status: not-verified",
            f"    check: {{kind: params, model: {model}, value: ~25M}}",
        ]
    return "\n".join(lines) + "\n"


def _course_text(c: int, members: list[_Topic], w: _Writer) -> str:
    lines = [
        "# yaml-language-server: $schema=../../schemas/course.schema.json",
        f"id: course-{c:03d}",
        f"title: {_q('Course ' + str(c) + ': ' + w.words(3).title())}",
        f"audience: {_q(w.sentence())}",
        f"summary: {_q(w.para(1))}",
        "modules:",
    ]
    for m in range(0, len(members), TOPICS_PER_MODULE):
        lines.append(f"  - title: {_q('Module ' + str(m // TOPICS_PER_MODULE + 1) + ': ' + w.words(2).title())}")
        lines.append("    topics:")
        lines += [f"      - {t.id}" for t in members[m : m + TOPICS_PER_MODULE]]
    return "\n".join(lines) + "\n"


def _plant(files: dict[str, str], n: int) -> None:
    """Apply :data:`PLANTED` to the generated files, at positions fixed by the topic count."""

    def edit(rel: str, pattern: str, new: str) -> None:
        text, count = re.subn(pattern, new, files[rel], count=1)
        if not count:
            raise AssertionError(f"planting: {pattern!r} not in {rel}")
        files[rel] = text

    def topic(i: int) -> str:
        return f"topics/topic-{i % n:05d}.yaml"

    def add_to_list(rel: str, key: str, item: str) -> None:
        if f"\n{key}:\n" in files[rel]:
            edit(rel, f"\n{key}:\n", f"\n{key}:\n  - {item}\n")
        else:
            edit(rel, "\nresources:\n", f"\n{key}:\n  - {item}\nresources:\n")

    # KB101: tab indentation
    edit(topic(n // 7 + 1), r"\nresources:\n  - id: video", "\nresources:\n\t- id: video")
    # KB102: an unknown level, a misspelt key, a string where a list belongs
    edit(topic(n // 5 + 2), r"\n    level: \w+", "\n    level: expert")
    edit(topic(n // 5 + 3), r"\ncoverage:\n", "\ncoverage:\n  weakness: a misspelt key\n")
    edit(topic(n // 5 + 4), r"\naliases:\n(  - .*\n)+", "\naliases: one alias\n")
    # KB103: a key written twice
    edit(topic(n // 3 + 1), r"\nsummary: \|", "\ntitle: Written twice\nsummary: |")
    # KB111: a malformed URL
    edit(topic(n // 3 + 2), r"\n    url: https://www\.youtube", "\n    url: htps://www.youtube")
    # KB201: a prerequisite and a digest that no card has
    add_to_list(topic(n // 2 + 1), "prerequisites", "no-such-topic")
    edit(topic(n // 2 + 3), r"\nstated_counts:\n  courses: 1\n  digests: \d+\n", "\n")
    add_to_list(topic(n // 2 + 3), "digests", "no-such-digest")
    # KB202: two topics that require each other
    first, second = topic(n // 2 + 5), topic(n // 2 + 6)
    add_to_list(first, "prerequisites", f"topic-{(n // 2 + 6) % n:05d}")
    block = re.search(r"\nprerequisites:\n((?:  - .*\n)+)", files[second])
    if block is None or f"  - topic-{(n // 2 + 5) % n:05d}\n" not in block.group(1):
        add_to_list(second, "prerequisites", f"topic-{(n // 2 + 5) % n:05d}")
    # KB203: a second file that claims an existing id (its URLs changed, so only the id clashes)
    copy = "\n".join(line + "-copy" if line.startswith("    url: ") else line for line in files[topic(n // 4)].split("\n"))
    files["topics/topic-copy.yaml"] = copy
    # KB204: the deep-dive points at the written explainer's page
    text = files[topic(n // 4 + 3)]
    explainer = re.search(r"\n    url: (https://blog\S+)", text)
    assert explainer is not None
    edit(topic(n // 4 + 3), r"\n    url: https://notes\S+", "\n    url: " + explainer.group(1))
    # KB301: the first course teaches topic 1 before topic 0, which it requires
    edit("courses/course-000.yaml", r"      - topic-00000\n      - topic-00001\n", "      - topic-00001\n      - topic-00000\n")


def build(topics: int, seed: int = 0, plant_errors: bool = False) -> dict[str, str]:
    """The cards root as ``{relative path: text}``, without touching the disk."""
    if topics < 1:
        raise ValueError("need at least one topic")
    if plant_errors and topics < 60:
        raise ValueError("planting errors needs at least 60 topics")
    w = _Writer(seed)
    plan = _plan(topics, w)
    n_digests = topics // 2
    for d in range(n_digests):
        plan[(d * 2) % topics].digests.append(f"digest-{d:05d}")
    n_courses = max(1, topics // TOPICS_PER_COURSE)
    for t in plan:  # a remainder of fewer than 50 topics joins the last course
        t.course = min(t.course, n_courses - 1)
    if plant_errors and plan[0].id not in plan[1].prerequisites:
        plan[1].prerequisites = [plan[0].id]  # the course-order mistake below needs this edge
    files: dict[str, str] = {}
    for t in plan:
        files[f"topics/{t.id}.yaml"] = _topic_text(t, plan, n_courses, w)
    for d in range(n_digests):
        files[f"digests/digest-{d:05d}.yaml"] = _digest_text(d, w)
    for c in range(n_courses):
        files[f"courses/course-{c:03d}.yaml"] = _course_text(c, [t for t in plan if t.course == c], w)
    if plant_errors:
        _plant(files, topics)
    return dict(sorted(files.items()))


def generate(out: Path | str, topics: int, seed: int = 0, plant_errors: bool = False) -> list[Path]:
    """Write the cards root into ``out`` (created; existing card files of the same names are replaced)."""
    out = Path(out)
    written = []
    for sub in ("topics", "digests", "courses"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for rel, text in build(topics, seed, plant_errors).items():
        path = out / rel
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", metavar="OUT_DIR", help="folder to write the cards root into")
    p.add_argument("--topics", type=int, required=True, metavar="N")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--plant-errors", action="store_true", help="add a fixed set of mistakes across the rule families")
    args = p.parse_args(argv)
    try:
        written = generate(args.out, args.topics, args.seed, args.plant_errors)
    except ValueError as exc:
        print(f"gen_kb: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} card files to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
