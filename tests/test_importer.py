"""Tests for kb.importer: text exports in, schema-valid YAML cards out.

The seed card (seed-cnns.txt) is the export the project started from; the
attention and batch-norm cards are written in the same format with quirks
of their own: missing sections, other courses, run-together words, a digest
without key content, and sections and bullets no card field can hold.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kb.importer import (
    IMPORTED_MODULE,
    ImportProblem,
    digest_base_id,
    humanize,
    import_cards,
    normalize_level,
    parse_card_text,
)
from kb.schema import Course, Digest, Topic
from kb.store import load_kb

FIXTURES = Path(__file__).parent / "fixtures" / "import"
SEED = FIXTURES / "seed-cnns.txt"
ATTENTION = FIXTURES / "attention.txt"
BATCH_NORM = FIXTURES / "batch-norm.txt"

SEED_DIGESTS = [
    "dinov2-paper",
    "deit",
    "googlenet",
    "resnet",
    "vgg",
    "torchvision-vit-b-16",
    "torch-conv2d",
    "torch-maxpool2d",
    "conv-arithmetic",
    "dinov2-hub",
]


def read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def line_of(path: Path, needle: str) -> int:
    """1-based number of the first line of ``path`` containing ``needle``."""
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return no
    raise AssertionError(f"{needle!r} not in {path}")


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed") / "cards"
    result = import_cards([SEED], out)
    return out, result


@pytest.fixture(scope="module")
def seed_topic(seed):
    out, _ = seed
    return read(out / "topics" / "cnns.yaml")


@pytest.fixture(scope="module")
def all_three(tmp_path_factory):
    out = tmp_path_factory.mktemp("all") / "cards"
    result = import_cards([SEED, ATTENTION, BATCH_NORM], out)
    return out, result


# --------------------------------------------------------------------------
# The seed


def test_seed_gives_one_topic_ten_digests_two_courses(seed):
    out, result = seed
    assert result.topics == ["cnns"]
    assert result.digests == SEED_DIGESTS
    assert result.courses == ["intro-to-multimodal", "ml-engineering-foundations"]
    assert sorted(p.relative_to(out).as_posix() for p in result.written) == sorted(
        ["topics/cnns.yaml"]
        + [f"digests/{d}.yaml" for d in SEED_DIGESTS]
        + ["courses/intro-to-multimodal.yaml", "courses/ml-engineering-foundations.yaml"]
    )
    assert all(p.is_file() for p in result.written)


def test_seed_maps_everything(seed):
    _, result = seed
    assert result.problems == []


def test_topic_title_is_made_readable_and_raw_kept(seed_topic):
    assert seed_topic["id"] == "cnns"
    assert seed_topic["title"] == "CNNs"
    assert "Cnns" in seed_topic["aliases"]


def test_resources_by_role_with_urls(seed_topic):
    by_role = {r["role"]: r for r in seed_topic["resources"]}
    assert [r["id"] for r in seed_topic["resources"]] == [
        "video",
        "written-explainer",
        "deep-dive",
        "original-paper",
        "code-walkthrough",
        "alternative",
    ]
    assert by_role["written-explainer"]["url"] == "https://colah.github.io/posts/2014-07-Conv-Nets-Modular/"
    assert by_role["written-explainer"]["authors"] == ["Christopher Olah"]
    assert by_role["written-explainer"]["title"] == "Conv Nets: A Modular Perspective"
    assert by_role["written-explainer"]["level"] == "beginner/intermediate"
    assert by_role["deep-dive"]["url"] == "https://cs231n.github.io/convolutional-networks/"
    assert by_role["deep-dive"]["level"] == "intermediate/advanced"
    assert by_role["code-walkthrough"]["url"] == "https://github.com/rasbt/machine-learning-book"
    paper = by_role["original-paper"]
    assert paper["authors"] == ["Krizhevsky", "Sutskever", "Hinton"]
    assert paper["year"] == 2012
    assert paper["title"] == "ImageNet Classification with Deep Convolutional Neural Networks"
    assert paper["url"].startswith("https://papers.nips.cc/paper/2012/hash/")
    assert "AlexNet" in paper["note"]


def test_alternative_line_becomes_a_resource(seed_topic):
    alt = next(r for r in seed_topic["resources"] if r["role"] == "alternative")
    assert alt["title"] == "Training a Classifier"
    assert alt["url"] == "https://pytorch.org/tutorials/beginner/blitz/cifar10_tutorial.html"
    assert "CIFAR-10" in alt["why"]
    assert "higher confidence" in alt["note"]


def test_video_without_link_has_null_url(seed, seed_topic):
    out, _ = seed
    video = next(r for r in seed_topic["resources"] if r["role"] == "video")
    assert video["url"] is None
    assert video["source"] == "YouTube"
    assert video["title"] == "Lecture 5: Convolutional Neural Networks"
    # written out as an explicit null, so the gap is visible in the file
    assert "    url: null\n" in (out / "topics" / "cnns.yaml").read_text(encoding="utf-8")


def test_not_verified_marker_survives_in_place(seed_topic):
    paper = next(r for r in seed_topic["resources"] if r["role"] == "original-paper")
    assert paper["why"].endswith("The arxiv mirror is: https://arxiv.org/abs/1404.5997 [NOT VERIFIED]")


def test_stated_counts(seed_topic):
    assert seed_topic["stated_counts"] == {"courses": 2, "digests": 10}


def test_course_emphasis_and_picks_differ_per_course(seed_topic):
    courses = seed_topic["courses"]
    assert set(courses) == {"intro-to-multimodal", "ml-engineering-foundations"}
    multimodal = courses["intro-to-multimodal"]
    engineering = courses["ml-engineering-foundations"]
    assert multimodal["emphasis"].startswith("Emphasis should be on CNNs as feature extractors")
    assert engineering["emphasis"].startswith("Emphasis should be on implementation, parameter counts")
    assert multimodal["emphasis"] != engineering["emphasis"]
    assert not multimodal["emphasis"].endswith("-")  # the glued "- For" of the next bullet is gone
    # "The Olah blog and CS231n notes" / "The PyTorch CIFAR-10 walkthrough and CS231n notes"
    assert multimodal["resources"] == ["written-explainer", "deep-dive"]
    assert engineering["resources"] == ["alternative", "deep-dive"]


def test_coverage_and_needs_cards(seed_topic):
    coverage = seed_topic["coverage"]
    assert coverage["strong"].startswith("Core convolution mechanics")
    assert coverage["weak"].startswith("The transition from CNNs to Vision Transformers")
    assert coverage["needs_cards"] == ["vision-transformer"]
    # run-together words around the course id and the concept are separated again
    assert "For the intro-to-multimodal course context" in coverage["gaps"]
    assert "The related concept vision transformer likely needs its own resource card." in coverage["gaps"]
    assert "https://arxiv.org/abs/2304.07193" in coverage["gaps"]


def test_source_digests_get_url_and_no_key_points(seed):
    out, _ = seed
    for ident, name in (("torch-conv2d", "Conv2d"), ("torch-maxpool2d", "MaxPool2d")):
        d = read(out / "digests" / f"{ident}.yaml")
        assert d["kind"] == "source"
        assert d["url"] == f"https://docs.pytorch.org/docs/stable/generated/torch.nn.{name}.html"
        assert d["title"] == f"torch.nn.{name}"
        assert "key_points" not in d
        assert "focus" not in d


def test_digest_kinds_focus_and_topic_list(seed, seed_topic):
    out, _ = seed
    kinds = {d: read(out / "digests" / f"{d}.yaml")["kind"] for d in SEED_DIGESTS}
    assert kinds == {
        "dinov2-paper": "paper",
        "deit": "paper",
        "googlenet": "paper",
        "resnet": "paper",
        "vgg": "paper",
        "torchvision-vit-b-16": "reference-doc",
        "torch-conv2d": "source",
        "torch-maxpool2d": "source",
        "conv-arithmetic": "explainer",
        "dinov2-hub": "code",
    }
    assert seed_topic["digests"] == SEED_DIGESTS
    resnet = read(out / "digests" / "resnet.yaml")
    assert resnet["title"] == "ResNet—Residual blocks, degradation problem, ImageNet depth results"
    assert resnet["focus"].startswith("ImageNet benchmark across depths (18/34/50/101/152)")


def test_key_points_are_markdown_with_nesting(seed):
    out, _ = seed
    dinov2 = read(out / "digests" / "dinov2-paper.yaml")["key_points"]
    lines = dinov2.splitlines()
    assert lines[0] == "- LVD-142M data pipeline (Sec. 3):"
    assert lines[1].startswith("    - Start from 1.2B unique web images")
    # a bullet that cites its section starts a new top-level item
    assert "\n- Training objective (Sec. 4):" in dinov2
    assert "Key content" not in dinov2
    assert "ViT-g/14 86.5 (val top-1)" in dinov2
    hub = read(out / "digests" / "dinov2-hub.yaml")["key_points"]
    # a bullet glued to the end of a wrapped line is split off again
    assert "\n- Load full classifier (“lc”) models (procedure):" in hub
    assert "    - Larger: 12 nodes / 96 GPUs, config" in hub
    vit = read(out / "digests" / "torchvision-vit-b-16.yaml")["key_points"]
    assert "86,567,656 params" in vit
    assert "\n- Common final steps:" in vit


def test_yaml_layout(seed):
    out, _ = seed
    text = (out / "digests" / "resnet.yaml").read_text(encoding="utf-8")
    assert "\nkey_points: |\n" in text
    assert "—" in text and "\\u" not in text  # unicode written as is
    topic = (out / "topics" / "cnns.yaml").read_text(encoding="utf-8")
    keys = [line.split(":")[0] for line in topic.splitlines() if line and not line.startswith((" ", "#"))]
    schema_order = [k for k in Topic.model_fields if k in keys]
    assert keys == schema_order
    why = next(line for line in topic.splitlines() if line.strip().startswith("why: CS231n Lecture 5"))
    assert why.endswith("on this topic.")  # long prose stays on one line


def test_output_loads_with_no_schema_problems(all_three):
    out, _ = all_three
    kb = load_kb(out)
    assert [p for p in kb.problems if p.code in {"KB101", "KB102", "KB103"}] == []
    assert set(kb.topics) == {"cnns", "attention", "batch-norm"}
    assert len(kb.digests) == 15
    assert set(kb.courses) == {"intro-to-multimodal", "ml-engineering-foundations", "llm-systems"}
    for card in kb.cards():
        assert isinstance(card.model, (Topic, Digest, Course))


# --------------------------------------------------------------------------
# The other cards


def test_attention_card(all_three):
    out, _ = all_three
    topic = read(out / "topics" / "attention.yaml")
    assert topic["title"] == "Attention"
    roles = [r["role"] for r in topic["resources"]]
    assert roles == ["video", "written-explainer", "original-paper", "alternative"]
    video, explainer, paper, alt = topic["resources"]
    assert video["url"] is None and video["level"] == "beginner/intermediate"  # "Beginner to Intermediate"
    assert explainer["why"].endswith("why heads are concatenated and projected.")  # wrapped bullet joined
    assert paper["year"] == 2017 and len(paper["authors"]) == 8
    assert alt["title"] == "The Annotated Transformer" and alt["url"].startswith("https://nlp.seas.harvard.edu/")
    assert topic["coverage"]["needs_cards"] == ["positional-encoding"]
    assert "For the llm-systems course context" in topic["coverage"]["gaps"]
    assert topic["courses"]["llm-systems"]["resources"] == ["alternative", "original-paper"]
    assert topic["courses"]["intro-to-multimodal"]["resources"] == ["written-explainer"]
    assert topic["stated_counts"] == {"courses": 2, "digests": 3}
    assert topic["digests"] == ["transformer", "torch-multiheadattention", "torch-scaled-dot-product-attention"]
    paper_digest = read(out / "digests" / "transformer.yaml")
    # indented key content keeps its own nesting
    assert "- Scaled dot-product attention (Sec. 3.2.1):\n    - Attention(Q, K, V)" in paper_digest["key_points"]
    # a digest with a focus line but no key content
    ref = read(out / "digests" / "torch-multiheadattention.yaml")
    assert ref["kind"] == "reference-doc"
    assert ref["focus"].startswith("Constructor arguments")
    assert "key_points" not in ref


def test_batch_norm_card(all_three):
    out, _ = all_three
    topic = read(out / "topics" / "batch-norm.yaml")
    assert [r["role"] for r in topic["resources"]] == ["video", "written-explainer", "original-paper", "code-walkthrough"]
    video = topic["resources"][0]
    assert "level" not in video and "all levels" in video["note"]
    code = topic["resources"][3]
    assert code["url"] == "https://docs.pytorch.org/docs/stable/generated/torch.nn.BatchNorm2d.html"  # "Read:" is a link
    assert topic["coverage"]["needs_cards"] == ["layer-normalization"]
    assert topic["courses"]["ml-engineering-foundations"]["resources"] == ["code-walkthrough", "written-explainer"]
    # the paper digest's type line carries the URL, and the paper resource points at it
    digest = read(out / "digests" / "batch-norm.yaml")
    assert digest["url"] == "https://arxiv.org/abs/1502.03167"
    assert digest["identifiers"] == {"arxiv": "1502.03167"}
    assert topic["resources"][2]["digest"] == "batch-norm"


# --------------------------------------------------------------------------
# Problems


def test_unmappable_content_is_reported_with_positions(all_three):
    _, result = all_three
    got = {(p.path.name, p.line, p.col) for p in result.problems}
    expected = {
        ("attention.txt", line_of(ATTENTION, "- Duration: 26 min"), 1),
        ("attention.txt", line_of(ATTENTION, "Practice questions"), 1),
        ("attention.txt", line_of(ATTENTION, "- Why divide by sqrt(d_k)"), 1),
        ("attention.txt", line_of(ATTENTION, "- What changes in the attention matrix"), 1),
        ("batch-norm.txt", line_of(BATCH_NORM, "Drafted from the deep-learning reading list"), 1),
        ("batch-norm.txt", line_of(BATCH_NORM, "- Level: all levels"), 1),
        ("batch-norm.txt", line_of(BATCH_NORM, "- Notes: revisit"), 1),
        ("batch-norm.txt", line_of(BATCH_NORM, "Podcast · source"), 1),
    }
    assert got == expected
    assert all(p.code == "KB190" and p.name == "importer-unmapped-content" for p in result.problems)
    heading = line_of(ATTENTION, "Practice questions")
    section = next(p for p in result.problems if p.path == ATTENTION and p.line == heading)
    assert section.message.startswith("unknown section 'Practice questions' and its 2 lines")


def test_problem_prints_as_a_diagnostic(tmp_path):
    src = tmp_path / "card.txt"
    src.write_text("Pooling\nExercises\n- Compute the output size.\n", encoding="utf-8")
    result = import_cards([src], tmp_path / "out")
    assert [str(p) for p in result.problems][0] == (
        f"{src}:2:1: KB190 unknown section 'Exercises' and its 1 line not imported: no card field holds it"
    )


def test_unreadable_source_is_a_problem_not_an_exception(tmp_path):
    missing = tmp_path / "nope.txt"
    result = import_cards([missing, SEED], tmp_path / "out")
    assert result.topics == ["cnns"]
    assert len(result.problems) == 1 and result.problems[0].path == missing


def test_empty_source(tmp_path):
    src = tmp_path / "empty.txt"
    src.write_text("\n\n", encoding="utf-8")
    result = import_cards([src], tmp_path / "out")
    assert result.written == [] and len(result.problems) == 1


def test_listed_course_without_emphasis_is_reported(tmp_path):
    text = "Dropout\nCross-validation\nThis topic appears in 2 courses: a-course, b-course\n- For a-course: Emphasis on regularisation.\n"
    card = parse_card_text(text, Path("dropout.txt"))
    assert set(card.topic["courses"]) == {"a-course"}
    assert set(card.courses) == {"a-course", "b-course"}  # still added to both courses
    assert [(p.line, "b-course" in p.message) for p in card.problems] == [(3, True)]


# --------------------------------------------------------------------------
# Courses: merging and existing files


def test_shared_course_is_merged_across_sources(all_three):
    out, _ = all_three
    multimodal = read(out / "courses" / "intro-to-multimodal.yaml")
    assert multimodal["modules"] == [{"title": IMPORTED_MODULE, "topics": ["cnns", "attention"]}]
    engineering = read(out / "courses" / "ml-engineering-foundations.yaml")
    assert engineering["modules"][0]["topics"] == ["cnns", "batch-norm"]
    assert read(out / "courses" / "llm-systems.yaml")["title"] == "LLM systems"


def test_existing_course_file_gets_the_topic_added(tmp_path):
    out = tmp_path / "cards"
    (out / "courses").mkdir(parents=True)
    (out / "courses" / "intro-to-multimodal.yaml").write_text(
        "id: intro-to-multimodal\ntitle: Introduction to multimodal models\naudience: Curious people\n"
        "modules:\n  - title: Language\n    topics: [attention]\n",
        encoding="utf-8",
    )
    import_cards([SEED], out)
    course = read(out / "courses" / "intro-to-multimodal.yaml")
    assert course["title"] == "Introduction to multimodal models"
    assert course["audience"] == "Curious people"
    assert course["modules"] == [
        {"title": "Language", "topics": ["attention"]},
        {"title": IMPORTED_MODULE, "topics": ["cnns"]},
    ]
    # a second import of a topic the course already lists changes nothing
    import_cards([ATTENTION], out)
    import_cards([SEED], out)
    assert read(out / "courses" / "intro-to-multimodal.yaml")["modules"] == course["modules"]


def test_unreadable_existing_course_is_left_alone(tmp_path):
    out = tmp_path / "cards"
    (out / "courses").mkdir(parents=True)
    broken = out / "courses" / "intro-to-multimodal.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    result = import_cards([SEED], out)
    assert broken.read_text(encoding="utf-8") == "id: [unclosed\n"
    assert [p.path for p in result.problems] == [broken]
    assert result.courses == ["ml-engineering-foundations"]


def test_import_is_repeatable(tmp_path):
    out = tmp_path / "cards"
    first = import_cards([SEED, ATTENTION], out)
    snapshot = {p: p.read_bytes() for p in first.written}
    second = import_cards([SEED, ATTENTION], out)
    assert sorted(second.written) == sorted(first.written)
    assert {p: p.read_bytes() for p in second.written} == snapshot


def test_same_digest_from_two_sources_is_written_once(tmp_path):
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    body = "\nAdditional Resources for Tutor Depth\n1 source\n📄 ResNet—Residual blocks\nPaper · source\nWhy depth helps.\n"
    a.write_text("Residual nets" + body, encoding="utf-8")
    b.write_text("Skip connections" + body, encoding="utf-8")
    c = tmp_path / "c.txt"
    c.write_text("Deep nets\nAdditional Resources for Tutor Depth\n📄 ResNet (a different digest)\nPaper · source\n", encoding="utf-8")
    result = import_cards([a, b, c], tmp_path / "out")
    assert result.digests == ["resnet", "resnet-2"]
    assert read(tmp_path / "out" / "topics" / "skip-connections.yaml")["digests"] == ["resnet"]
    assert read(tmp_path / "out" / "topics" / "deep-nets.yaml")["digests"] == ["resnet-2"]


# --------------------------------------------------------------------------
# Modeline


def test_modeline_points_at_the_project_schemas(tmp_path):
    (tmp_path / "schemas").mkdir()
    out = tmp_path / "content" / "cards"
    result = import_cards([SEED], out)
    for path in result.written:
        kind = {"topics": "topic", "digests": "digest", "courses": "course"}[path.parent.name]
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../../../schemas/{kind}.schema.json"


def test_no_modeline_outside_a_project(tmp_path):
    result = import_cards([SEED], tmp_path / "cards", schema_dir=None)
    if any((p / "schemas").is_dir() or (p / "pyproject.toml").is_file() or (p / ".git").exists() for p in tmp_path.parents):
        pytest.skip("the temporary folder is inside a project")
    assert not any(p.read_text(encoding="utf-8").startswith("#") for p in result.written)


def test_schema_dir_can_be_given(tmp_path):
    result = import_cards([SEED], tmp_path / "cards", schema_dir=tmp_path / "s")
    topic = next(p for p in result.written if p.parent.name == "topics")
    assert topic.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../../s/topic.schema.json\n")


# --------------------------------------------------------------------------
# Building blocks


@pytest.mark.parametrize(
    ("raw", "title"),
    [("Cnns", "CNNs"), ("rnns", "RNNs"), ("Batch norm", "Batch norm"), ("ml-engineering-foundations", "ML engineering foundations"), ("gans", "GANs"), ("Attention", "Attention")],
)
def test_humanize(raw, title):
    assert humanize(raw) == title


@pytest.mark.parametrize(
    ("raw", "level"),
    [
        ("intermediate", "intermediate"),
        ("Beginner/Intermediate", "beginner/intermediate"),
        ("beginner to intermediate", "beginner/intermediate"),
        ("intermediate – advanced", "intermediate/advanced"),
        ("advanced/beginner", None),
        ("all levels", None),
    ],
)
def test_normalize_level(raw, level):
    assert normalize_level(raw) == level


@pytest.mark.parametrize(
    ("title", "ident"),
    [
        ("DINOv2 (LVD-142M curation + eval results)", "dinov2"),
        ("DeiT/ViT tokenization + distillation token (DeiT)", "deit"),
        ("Inception v1 / GoogLeNet (ILSVRC14) — efficiency via multi-branch + 1×1 bottlenecks", "googlenet"),
        ("Torchvision vit_b_16 (Vision Transformer Base, patch=16) API + Weights/Transforms", "torchvision-vit-b-16"),
        ("torch.nn.Conv2d", "torch-conv2d"),
        ("Convolution / Pooling / Transposed Conv Output-Size Arithmetic", "conv-arithmetic"),
        ("Attention Is All You Need (Transformer)", "transformer"),
        ("Batch Normalization: Accelerating Deep Network Training", "batch-norm"),
        ("BERT — pre-training of deep bidirectional transformers", "bert"),
        ("torch.nn.MultiheadAttention reference", "torch-multiheadattention"),
    ],
)
def test_digest_base_id(title, ident):
    assert digest_base_id(title) == ident


def test_clashing_digest_names_are_told_apart():
    text = (
        "Self-supervised vision\nAdditional Resources for Tutor Depth\n"
        "📄 DINOv2 (the paper)\nPaper · source\n"
        "📋 DINOv2 loading (PyTorch Hub)\nCode · source\n"
        "📋 DINOv2 training code\nCode · source\n"
    )
    card = parse_card_text(text, Path("ssl.txt"))
    assert [d["id"] for d in card.digests] == ["dinov2-paper", "dinov2-hub", "dinov2-code"]


def test_import_problem_fields():
    p = ImportProblem(Path("a.txt"), 3, 7, "something")
    assert (p.code, p.name, str(p)) == ("KB190", "importer-unmapped-content", "a.txt:3:7: KB190 something")


MALFORMED = """\
Pooling
Video (best)
- Someone — “Pooling, explained”
- Watch: htps://example.org/pooling
- Why: Short and clear.
Blog / Written explainer (best)
- Someone Else — “Max pooling”
- Link: www.example.org/max-pooling
- Why: Shows the strides.
- Level: beginner
Deep dive
- A Third — “Pooling in depth”
- Watch: YouTube
- Level: advanced
"""


def test_malformed_link_stays_in_url_and_missing_level_is_reported(tmp_path):
    """A typo in an address is KB111 (malformed), not KB110 (no url); no Level: line is KB112."""
    import json
    import os
    import subprocess
    import sys

    src = tmp_path / "pooling.txt"
    src.write_text(MALFORMED, encoding="utf-8")
    out = tmp_path / "cards"
    import_cards([src], out)
    topic = read(out / "topics" / "pooling.yaml")
    by_role = {r["role"]: r for r in topic["resources"]}
    assert by_role["video"]["url"] == "htps://example.org/pooling"
    assert by_role["written-explainer"]["url"] == "www.example.org/max-pooling"
    assert by_role["deep-dive"]["url"] is None and by_role["deep-dive"]["source"] == "YouTube"
    assert "level" not in by_role["video"]

    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(repo)}
    proc = subprocess.run([sys.executable, "-m", "kb", "lint", str(out), "--format", "json", "--select", "KB1"],
                          capture_output=True, text=True, timeout=120, env=env)
    diagnostics = json.loads(proc.stdout)["diagnostics"]
    messages = {(d["code"], d["message"]) for d in diagnostics}
    assert ("KB111", "url 'htps://example.org/pooling' scheme htps: is not http or https") in messages
    assert any(code == "KB111" and "www.example.org" in message for code, message in messages)
    found = {(code, message.split(" resource ")[0]) for code, message in messages}
    assert ("KB110", "deep-dive") in found  # a site name alone is still "no url"
    assert ("KB110", "video") not in found
    assert ("KB112", "video") in found
    assert ("KB112", "written-explainer") not in found
