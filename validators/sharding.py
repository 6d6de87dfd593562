"""Split the link and fact work of ``kb check`` between CI runners, and merge their reports.

``kb check --shard i/n`` checks only the link targets and fact checks that
fall in part ``i`` of ``n``; ``kb report merge`` combines the ``n`` reports
into the one an unsharded ``kb check`` of the same cards would have written,
with the same diagnostics and exit code.

How work is split
    by a stable hash (SHA-256, not Python's salted ``hash()``) of a key, so
    every runner, on any machine or Python, agrees without talking to the
    others.  A link target's key is its URL as fetched (fragment dropped,
    host lower-cased) or its ``arxiv:``/``doi:`` identifier, so a URL written
    in ten cards is checked by one runner, once.  A fact check's key is the
    model configuration it measures, as the fact runner builds and caches it
    (name and builder arguments, with those of the weights a check names
    applied), so every check on one built model runs where that model is
    built; checks without a model are keyed by what they measure (weights
    metadata, a formula) or by the check itself (arithmetic).  A ratio ties
    its two models together: every check on either runs in one shard
    (:func:`fact_groups`), so no measurement is taken by two runners.

How reports are merged
    Link and fact findings come from the shard that did the work: each
    target and each check is in exactly one shard.  The offline rules are not
    sharded; every shard runs them, and the merge runs them once more over
    the cards, with the link and fact results of all shards, and keeps only
    that run's findings (no duplicates).  That matters for the claims ledger:
    a ``[NOT VERIFIED]`` marker whose URL one shard confirmed, or a claim
    whose check another shard ran, gets the status the whole run gives it.
    The merge therefore needs the same cards; each report carries a digest of
    the card files and the merge refuses reports of other cards.  Link and
    fact counts are sums over the shards, which are what one run counts:
    no target is checked and no measurement taken in two shards (whether a
    result came from the cache depends on each runner's own cache).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from kb.report import Report, Shard

if TYPE_CHECKING:
    from kb.store import KnowledgeBase
    from validators.facts import FactReport
    from validators.links import LinkReport

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


class MergeError(Exception):
    """Reports that cannot be merged into one run: one line, a usage error."""


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/3"`` -> ``(2, 3)``; ValueError with a one-line reason otherwise."""
    m = _SHARD.match(text or "")
    if not m:
        raise ValueError(f"--shard takes INDEX/COUNT, e.g. 2/3 (got {text!r})")
    index, count = int(m.group(1)), int(m.group(2))
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"--shard {text}: INDEX must be between 1 and COUNT (and COUNT at least 1)")
    return index, count


def bucket(key: str, count: int) -> int:
    """The shard (1-based) ``key`` belongs to, out of ``count``: the same everywhere, every time."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def in_shard(key: str, shard: tuple[int, int] | None) -> bool:
    return shard is None or bucket(key, shard[1]) == shard[0]


def _fact_tokens(check: Any) -> list[str]:
    """What a check needs built or measured, as the fact runner keys it.

    A model is named by its configuration as measured: the name and the
    builder arguments after the check's ``weights`` are applied (ViT-B/16 as
    its IMAGENET1K_SWAG_E2E_V1 weights ship is ``image_size: 384``), so a
    check that names those weights and one that sets ``image_size: 384``
    build the same model.  Weights metadata is named by its weights enum,
    a formula by its measurement key, and a check that measures nothing
    (arithmetic, or one that cannot be measured) by the check itself.

    The first token is what the check compares against; the others are what
    its hint may measure when the claim does not hold (the other readings of
    :func:`validators.facts.runner.alternatives`: another resolution, the
    auxiliary head switched, ResNet v1, another member of the weights enum).
    """
    from kb.config import FactsConfig
    from validators.facts.runner import alternatives, needs

    tokens: list[str] = []
    keys = list(needs(check, FactsConfig()))
    if keys:
        keys += [key for alt in alternatives(check) for key in alt.keys]
    for key in keys:
        if isinstance(key.get("model"), str):
            token = "model:" + json.dumps([key["model"], key.get("kwargs", {})], sort_keys=True, default=str)
        elif key.get("m") == "weights":  # the hint reads the other members of the same enum
            token = "weights:" + str(key.get("weights", "")).split(".", 1)[0]
        else:
            token = "measure:" + json.dumps(key, sort_keys=True, default=str)
        if token not in tokens:
            tokens.append(token)
    if not tokens:
        dumped = check.model_dump(mode="json") if hasattr(check, "model_dump") else check
        tokens.append("check:" + json.dumps(dumped, sort_keys=True, default=str))
    return tokens


def fact_key(check: Any) -> str:
    """The model configuration a check measures (a ratio: its numerator's), else what it measures, else the check."""
    return _fact_tokens(check)[0]


def fact_groups(checks: Iterable[Any]) -> dict[str, str]:
    """:func:`fact_key` of each check -> the key of its group, the sharding key.

    Checks that need one model configuration or one measurement (to compare
    with, or for a hint) are in one group, and so are the two models of a
    ratio with everything else on either, so each measurement is needed in
    exactly one shard: no two runners build the same model, and the shards'
    measured and cached counts add up to those of one run.
    """
    parent: dict[str, str] = {}

    def root(t: str) -> str:
        parent.setdefault(t, t)
        while parent[t] != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    for check in checks:
        tokens = _fact_tokens(check)
        for other in tokens[1:]:
            a, b = root(tokens[0]), root(other)
            if a != b:
                parent[max(a, b)] = min(a, b)  # the smallest key names the group, whatever the order
        root(tokens[0])
    return {t: root(t) for t in parent}


# --------------------------------------------------------------------------- running a shard


def run_links_shard(kb: KnowledgeBase, config: Any, shard: tuple[int, int] | None, **kwargs: Any) -> LinkReport:
    """:func:`validators.links.run_links`, for the targets of ``shard`` only."""
    import time

    from validators.links import check_targets
    from validators.links.collect import collect_targets
    from validators.links.extract import extract_occurrences

    started = time.monotonic()
    targets = [t for t in collect_targets(extract_occurrences(kb), config) if in_shard(t.key, shard)]
    return check_targets(targets, config, started=started, **kwargs)


def fact_selector(shard: tuple[int, int] | None, kb: KnowledgeBase | None = None):
    """A filter for :func:`validators.facts.run_facts`'s ``select``: the checks of ``shard``.

    With ``kb``, checks are split by :func:`fact_groups` over all of its
    checks; without, by each check's own :func:`fact_key`.
    """
    if shard is None:
        return None
    groups: dict[str, str] = {}
    if kb is not None:
        from validators.facts.runner import collect_jobs

        groups = fact_groups(job.check for job in collect_jobs(kb))

    def select(check: Any) -> bool:
        key = fact_key(check)
        return in_shard(groups.get(key, key), shard)

    return select


# --------------------------------------------------------------------------- merging


@dataclass
class Merged:
    """What the merge hands back to the command: the stage results to run the offline rules with."""

    links: LinkReport | None
    facts: FactReport | None
    evidence: dict[str, Any]
    #: findings of the link and fact rules, from the shards that did the work (kb.report.Diagnostic)
    stage_diagnostics: list[Any]
    stages: list[str]
    shard_count: int
    fail_on: str | None


def check_reports(reports: Sequence[tuple[str, Report]], digest: str) -> int:
    """Refuse reports that are not the n shards of one run of these cards; return n."""
    if not reports:
        raise MergeError("no reports to merge")
    seen: dict[int, str] = {}
    count = None
    stages = None
    for name, rep in reports:
        if rep.run is None:
            raise MergeError(f"{name}: not written by 'kb check' (it has no run section)")
        shard = rep.run.shard or Shard(index=1, count=1)
        if count is None:
            count = shard.count
        elif shard.count != count:
            raise MergeError(f"{name}: is shard {shard}, but another report is a shard of {count}")
        if shard.index in seen:
            raise MergeError(f"{name}: shard {shard} is given twice (also {seen[shard.index]})")
        seen[shard.index] = name
        if stages is None:
            stages = rep.run.stages
        elif rep.run.stages != stages:
            raise MergeError(f"{name}: ran stages {', '.join(rep.run.stages)}, another report ran {', '.join(stages)}")
        if rep.run.cards_digest != digest:
            raise MergeError(f"{name}: describes other cards than these (changed since it was written?); "
                             "run every shard and the merge on the same commit")
    assert count is not None
    missing = sorted(set(range(1, count + 1)) - set(seen))
    if missing:
        raise MergeError(f"shard(s) {', '.join(f'{i}/{count}' for i in missing)} missing: merge all {count} shard reports")
    return count


def merge_stage_results(reports: Sequence[tuple[str, Report]], *, stage_codes: set[str]) -> Merged:
    """Combine the shards' link and fact results, and keep their link and fact findings.

    ``stage_codes`` are the codes of the rules that read the link or fact
    results (their findings are taken from the shards as they are).
    """
    from validators.facts import FactReport, FactResult
    from validators.links import Counts, Identity, LinkReport, prefer_evidence

    ordered = sorted(reports, key=lambda nr: nr[1].run.shard.index if nr[1].run and nr[1].run.shard else 1)
    first = ordered[0][1]
    stages = list(first.run.stages) if first.run else []

    links = None
    link_sections = [r.links for _n, r in ordered if r.links is not None]
    if link_sections:
        links = LinkReport(
            offline=any(s.offline for s in link_sections),
            offline_reason=next((s.offline_reason for s in link_sections if s.offline_reason), ""),
        )
        evidence: dict[str, dict[str, Any]] = {}
        for section in link_sections:
            for key, ident in section.identity.items():
                links.identity[key] = Identity(ident.expected_title, ident.found_title, ident.verdict)
            for uid, ev in section.evidence.items():
                evidence[uid] = dict(prefer_evidence(evidence.get(uid), ev))  # the choice one run makes
        links.evidence = evidence
        c = links.counts = Counts()
        for section in link_sections:
            for name in ("checked", "ok", "broken", "blocked", "unchecked", "cached", "requests"):
                setattr(c, name, getattr(c, name) + getattr(section.counts, name))
            c.seconds = max(c.seconds, section.counts.seconds)  # the runners work side by side

    facts = None
    fact_sections = [r.facts for _n, r in ordered if r.facts is not None]
    if fact_sections:
        versions = {json.dumps(s.versions, sort_keys=True) for s in fact_sections}
        if len(versions) > 1:
            raise MergeError("the shards measured with different torch/torchvision versions "
                             f"({'; '.join(sorted(versions))}); pin one version for every runner")
        names = {f.name for f in fields(FactResult)}
        facts = FactReport(versions=fact_sections[0].versions, device=fact_sections[0].device)
        for section in fact_sections:
            # each measurement is needed in one shard only (fact_groups), so these sums count
            # what one run would: measurements taken, and measurements found in the cache
            facts.measured += section.measured
            facts.cached += section.cached
            facts.seconds = max(facts.seconds, section.seconds)
            for entry in section.results:
                facts.results[entry.uid] = FactResult(**{k: v for k, v in entry.model_dump().items() if k in names})

    stage_diags: dict[tuple, Any] = {}
    for _name, rep in ordered:
        for d in rep.diagnostics:
            if d.code in stage_codes:
                stage_diags.setdefault(tuple(d.model_dump().values()), d)
    return Merged(
        links=links,
        facts=facts,
        evidence=dict(links.evidence) if links is not None else {},
        stage_diagnostics=list(stage_diags.values()),
        stages=stages,
        shard_count=len(ordered),
        fail_on=first.run.fail_on if first.run else None,
    )


def merged_sections(report: Report, sources: Iterable[Report]) -> Report:
    """Put every shard's link results into ``report`` (built from the merged stage objects).

    The merged link stage carries only what the rules need (identity
    verdicts, evidence, counts); the report lists every result, as an
    unsharded run's would.
    """
    sources = list(sources)
    link_sections = [r.links for r in sources if r.links is not None]
    if link_sections and report.links is not None:
        by_url: dict[str, Any] = {}
        for s in link_sections:
            for r in s.results:
                by_url.setdefault(r.url, r)
        report.links.results = [by_url[u] for u in sorted(by_url)]
    return report


__all__ = [
    "MergeError",
    "Merged",
    "bucket",
    "check_reports",
    "fact_groups",
    "fact_key",
    "fact_selector",
    "in_shard",
    "merge_stage_results",
    "merged_sections",
    "parse_shard",
    "run_links_shard",
]
