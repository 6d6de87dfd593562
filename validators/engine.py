"""Run the selected rules over a knowledge base and stamp their findings.

The engine owns what rules must not decide: which rules run (``select`` /
``ignore``), each finding's severity (rule default or config override), its
documentation URL, and the final stable order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


def run_rules(ctx: RuleContext, stages: Iterable[str] = ("offline",)) -> list[Diagnostic]:
    validate_rule_config(ctx.config)
    out: list[Diagnostic] = []
    for rule in active_rules(ctx.config, stages):
        options = rule_options(rule, ctx.config)
        for finding in rule().check(ctx, options):
            out.append(stamp(rule, finding, ctx.config))
    out = _without_cascades(out, ctx)
    out.sort(key=Diagnostic.sort_key)
    return out


def _without_cascades(diags: list[Diagnostic], ctx: RuleContext) -> list[Diagnostic]:
    """Only the load problems of a card that was recovered from a schema failure.

    A recovered card (``kb.store.recover_card``) stands in for others' references
    and the graph; what other rules would say about it judges parts that were cut
    away, so it waits until the card validates.
    """
    recovered = {card.rel for card in ctx.kb.all_cards if getattr(card, "recovered", False)}
    if not recovered:
        return diags
    load_codes = {p.code for p in ctx.kb.problems}
    return [d for d in diags if d.path not in recovered or d.code in load_codes]


def summarize(diags: list[Diagnostic], files: int = 0) -> Summary:
    s = Summary(files=files)
    for d in diags:
        setattr(s, d.severity.value, getattr(s, d.severity.value) + 1)
    return s


def exit_code(diags: list[Diagnostic], fail_on: str) -> int:
    threshold = Severity(fail_on).rank
    return 1 if any(d.severity.rank >= threshold for d in diags) else 0
