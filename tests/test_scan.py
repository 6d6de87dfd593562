"""kb.store.scan_cards lists what sorted(rglob("*")) lists, from one walk, with relative paths and status."""

from __future__ import annotations

import os
from pathlib import Path

from kb.store import CARD_SUFFIXES, scan_cards
from kb.schema import CARD_TYPES

REPO = Path(__file__).resolve().parent.parent


def _by_pathlib(root: Path) -> list[tuple[str, str, str | None]]:
    """The listing as pathlib gives it: files with a card suffix, links to files followed, linked folders not entered."""
    real_root = root.resolve()
    out = []
    for kind, (sub, _) in CARD_TYPES.items():
        folder = root / sub
        if not folder.is_dir():
            continue
        for p in sorted(folder.rglob("*")):
            if p.is_file() and p.suffix in CARD_SUFFIXES:
                real = p.parent.resolve() / p.name if not p.is_symlink() else p.resolve()
                try:
                    rel: str | None = real.relative_to(real_root).as_posix()
                except ValueError:
                    rel = None
                out.append((kind, str(p), rel))
    return out


def _listed(root: Path) -> list[tuple[str, str, str | None]]:
    return [(f.kind, f.file, f.rel) for f in scan_cards(root)]


def test_the_committed_cards():
    assert _listed(REPO / "cards") == _by_pathlib(REPO / "cards")
    assert len(_listed(REPO / "cards")) >= 13


def test_links_nesting_order_and_odd_names(tmp_path):
    root = tmp_path / "cards"
    topics, digests = root / "topics", root / "digests"
    (topics / "a-b").mkdir(parents=True)
    (topics / "a").mkdir()
    (topics / "a" / "deep" / "er").mkdir(parents=True)
    digests.mkdir()
    for rel in ("z.yaml", "a.yaml", "a-b/x.yaml", "a/x.yaml", "a/deep/er/y.yml", ".hidden.yaml", "..yaml",
                "notes.txt", "b.YAML", "c.yaml.bak", "ü.yaml"):
        (topics / rel).write_text("id: x\n", encoding="utf-8")
    (topics / "folder.yaml").mkdir()  # a folder is no card, whatever its name
    outside = tmp_path / "outside.yaml"
    outside.write_text("id: secret\n", encoding="utf-8")
    os.symlink(outside, topics / "out.yaml")  # leads outside: listed without a relative path
    os.symlink(topics / "a.yaml", digests / "inside.yaml")  # leads inside: followed
    os.symlink(tmp_path / "missing.yaml", topics / "dangling.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "hidden-away.yaml").write_text("id: x\n", encoding="utf-8")
    os.symlink(elsewhere, topics / "linked")  # a linked folder is not entered
    got = _listed(root)
    assert got == _by_pathlib(root)
    rels = {rel for _, _, rel in got}
    assert None in rels and "topics/a/deep/er/y.yml" in rels and "topics/a.yaml" in rels
    assert not any("hidden-away" in f for _, f, _ in got) and not any("folder.yaml" in f for _, f, _ in got)
    # the status is the file's (through the link)
    inside = next(f for f in scan_cards(root) if f.file.endswith("inside.yaml"))
    assert inside.stat.st_ino == (topics / "a.yaml").stat().st_ino


def test_a_relative_root_and_a_missing_folder(tmp_path, monkeypatch):
    root = tmp_path / "cards"
    (root / "courses").mkdir(parents=True)
    (root / "courses" / "c.yaml").write_text("id: c\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert _listed(Path("cards")) == _by_pathlib(Path("cards")) == [("course", "cards/courses/c.yaml", "courses/c.yaml")]
