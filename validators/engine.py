"""Run the selected rules over a knowledge base and stamp their findings.

The engine owns what rules must not decide: which rules run (``select`` /
``ignore``), each finding's severity (rule default or config override), its
documentation URL, and the final stable order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError

from kb.config import ConfigError, KbConfig, selected
from validators.context import RuleContext
from validators.diagnostic import Diagnostic, Finding, Severity
from validators.registry import Rule, all_rules


@dataclass
class Summary:
    error: int = 0
    warning: int = 0
    info: int = 0
    files: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.error, "warning": self.warning, "info": self.info, "files": self.files, **self.extra}


def rule_options(rule: type[Rule], cfg: KbConfig) -> BaseModel:
    raw = cfg.rules.get(rule.code, {})
    try:
        return rule.Options.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"[tool.kb.rules.{rule.code}] {where}: {err['msg']}") from None


def validate_rule_config(cfg: KbConfig) -> None:
    rules = all_rules()
    for code in list(cfg.rules) + list(cfg.severity):
        if code.upper() not in rules:
            raise ConfigError(f"unknown rule code '{code}' in [tool.kb] (see 'kb rule --all')")
    for code in cfg.rules:
        rule_options(rules[code.upper()], cfg)


def active_rules(cfg: KbConfig, stages: Iterable[str]) -> list[type[Rule]]:
    wanted = set(stages)
    return [r for r in all_rules().values() if r.needs in wanted and selected(r.code, cfg)]


def stamp(rule: type[Rule], f: Finding, cfg: KbConfig) -> Diagnostic:
    sev = Severity(cfg.severity.get(rule.code, rule.severity.value))
    return Diagnostic(
        code=rule.code,
        name=rule.name,
        severity=sev,
        path=f.path,
        line=f.line,
        col=f.col,
        end_line=f.end_line if f.end_line is not None else f.line,
        end_col=f.end_col if f.end_col is not None else f.col,
        card=f.card,
        message=f.message,
        hint=f.hint,
        url=cfg.docs_url.format(code=rule.code, name=rule.name) if cfg.docs_url else None,
        data=f.data,
    )


def run_rules(
    ctx: RuleContext,
    stages: Iterable[str] = ("offline",),
    *,
    cache_dir: Path | None = None,
    origins: dict[int, tuple[str, tuple | None]] | None = None,
) -> list[Diagnostic]:
    """Every finding of the selected rules of ``stages``, stamped, without cascades, in stable order.

    With ``cache_dir``, the findings of rules scoped to one card (``Rule.scope == "card"``)
    are reused from the cache for every card whose file, kb and configuration are as they
    were when they were stored; those rules run only on the other cards. Whole-graph rules
    always run on every card. Only a run without link, fact or claim evidence uses it.

    ``origins``, when given, receives for each diagnostic returned (by ``id``) its rule's
    scope and the finding's :attr:`Finding.at` (see :mod:`validators.incremental`).
    """
    validate_rule_config(ctx.config)
    out: list[Diagnostic] = []
    rules = active_rules(ctx.config, stages)
    cached: set[str] = set()
    if cache_dir is not None and ctx.links is None and ctx.facts is None and not ctx.evidence:
        from validators.findingcache import card_scoped_findings

        scoped = [r for r in rules if r.scope == "card"]
        if scoped:
            found = card_scoped_findings(ctx, [(r, rule_options(r, ctx.config)) for r in scoped], cache_dir)
            if found is not None:
                for rule, finding in found:
                    out.append(_stamped(rule, finding, ctx.config, origins))
                cached = {r.code for r in scoped}
    for rule in rules:
        if rule.code in cached:
            continue
        options = rule_options(rule, ctx.config)
        for finding in rule().check(ctx, options):
            out.append(_stamped(rule, finding, ctx.config, origins))
    out = _without_cascades(out, ctx)
    out.sort(key=Diagnostic.sort_key)
    return out


def _stamped(rule: type[Rule], f: Finding, cfg: KbConfig, origins: dict[int, tuple[str, tuple | None]] | None) -> Diagnostic:
    d = stamp(rule, f, cfg)
    if origins is not None:
        origins[id(d)] = (rule.scope, f.at)
    return d


def _without_cascades(diags: list[Diagnostic], ctx: RuleContext) -> list[Diagnostic]:
    """Drop what follows from the parts recovery removed, and only that.

    A recovered card (``kb.store.recover_card``) lost the parts that failed its
    schema; each was reported once (KB102).  Other findings about the card stay,
    except those located inside a removed part (or unknown key) and those of a
    rule that judges a field as a whole (``Rule.judges_whole``) when that field
    lost a part: in the same card, or, for a field of another kind of card, in
    a card whose removed part named the finding's card (a topic is "in no
    course" when the module listing it was removed).
    """
    recovered = [card for card in ctx.kb.all_cards if getattr(card, "recovered", False)]
    if not recovered:
        return diags
    load_codes = {p.code for p in ctx.kb.problems}
    removed: dict[str, list[tuple[int, int, int, int]]] = {}
    lost_in: dict[str, set[tuple[str, str]]] = {}
    #: (kind, field) -> the strings the removed parts of that field held, in any card
    lost_names: dict[tuple[str, str], set[str]] = {}
    for card in recovered:
        base = getattr(card.source, "base", card.source)  # pruned paths are the file's, not the model's
        for path in (*getattr(card, "pruned", ()), *getattr(card, "unknown_keys", ())):
            span = base.span(*path)
            key = base.key_span(*path) if isinstance(path[-1], str) else span
            removed.setdefault(card.rel, []).append((key.line, key.col, span.end_line, span.end_col))
        for path in getattr(card, "pruned", ()):
            lost_in.setdefault(f"{card.kind}:{card.id}", set()).add((card.kind, str(path[0])))
        for name, words in getattr(card, "pruned_names", {}).items():
            lost_names.setdefault((card.kind, name), set()).update(words)
    rules = all_rules()
    out = []
    for d in diags:
        if d.code in load_codes:
            out.append(d)
            continue
        if any(_overlaps(d, part) for part in removed.get(d.path, ())):
            continue
        whole = getattr(rules.get(d.code), "judges_whole", frozenset())
        if whole:
            kind, _, card_id = (d.card or "").partition(":")
            mine = lost_in.get(d.card or "", set())
            if any(w in mine or (w[0] != kind and card_id in lost_names.get(w, ())) for w in whole):
                continue
        out.append(d)
    return out


def _overlaps(d: Diagnostic, part: tuple[int, int, int, int]) -> bool:
    """Whether the finding's span and a removed part's span share a character (or the finding is a point inside it)."""
    start, end = (d.line, d.col), (d.end_line, d.end_col)
    lo, hi = (part[0], part[1]), (part[2], part[3])
    if start == end:
        return lo <= start < hi
    return start < hi and lo < end


def summarize(diags: list[Diagnostic], files: int = 0) -> Summary:
    s = Summary(files=files)
    for d in diags:
        setattr(s, d.severity.value, getattr(s, d.severity.value) + 1)
    return s


def exit_code(diags: list[Diagnostic], fail_on: str) -> int:
    threshold = Severity(fail_on).rank
    return 1 if any(d.severity.rank >= threshold for d in diags) else 0
