"""The rule registry: one module per rule under ``validators.rules``.

A rule is a class with a code (``KB302``), a kebab-case name for the bad
pattern (``missing-resource-role``), a default severity, what it needs
(``offline``, ``links`` or ``facts``), an options model and a ``check``
method that yields :class:`~validators.diagnostic.Finding`.  Its module
docstring is its documentation page, with the sections *What it does*,
*Why it matters*, *Example* and *Use instead*; ``kb rule CODE`` prints it and
the site publishes it.

Rules never decide their final severity (config does) and never write files.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar, Iterable

from pydantic import BaseModel, ConfigDict

from validators.diagnostic import Finding, Severity

if TYPE_CHECKING:
    from validators.context import RuleContext

DOC_SECTIONS = ("What it does", "Why it matters", "Example", "Use instead")
CODE_RE = re.compile(r"^KB[1-9]\d\d$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
DOCS_URL = "https://kb.invalid/rules/{code}/"  # overridden by [tool.kb] docs_url


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.error
    #: "offline" rules always run; "links" and "facts" rules run when that stage ran
    needs: ClassVar[str] = "offline"
    Options: ClassVar[type[BaseModel]] = NoOptions
    #: (card kind, top-level field) pairs whose every part this rule's judgement depends on
    #: (counts, coverage, membership): when schema recovery removed a part of such a field,
    #: the rule's findings that it may explain are dropped (see validators.engine)
    judges_whole: ClassVar[frozenset[tuple[str, str]]] = frozenset()
    #: "kb": the rule may look at any card and the graph, and runs on every card each time;
    #: "card": each finding is located in one card's file and depends only on that file
    #: (its path, kind and text), on whether the card is the one its id resolves to, and on
    #: the configuration; it reads cards only through ``ctx.kb.topics``, ``.digests``,
    #: ``.courses``, ``.cards()``, ``.all_cards`` or ``ctx.claims_ledger()``. Its findings for an
    #: unchanged card are reused from the cache (see validators.findingcache)
    scope: ClassVar[str] = "kb"
    #: the module docstring, filled in at registration
    doc: ClassVar[str] = ""

    def check(self, ctx: "RuleContext", options: BaseModel) -> Iterable[Finding]:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def summary(cls) -> str:
        """First line of the doc: one sentence for tables."""
        for line in cls.doc.strip().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                return line
        return cls.name


@lru_cache(maxsize=1)
def all_rules() -> dict[str, type[Rule]]:
    """Import every module of ``validators.rules`` and collect its rule, by code."""
    from validators import rules as pkg

    found: dict[str, type[Rule]] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if rule is None:
            raise RuntimeError(f"rule module {module.__name__} defines no RULE")
        if rule.code in found:
            raise RuntimeError(f"rule code {rule.code} is defined twice")
        rule.doc = module.__doc__ or ""
        found[rule.code] = rule
    return dict(sorted(found.items()))


def get_rule(code: str) -> type[Rule] | None:
    code = code.upper()
    rules = all_rules()
    if code in rules:
        return rules[code]
    for rule in rules.values():
        if rule.name == code.lower():
            return rule
    return None


def doc_problems(rule: type[Rule]) -> list[str]:
    """What is missing from a rule's registration or documentation."""
    problems = []
    if not CODE_RE.match(rule.code):
        problems.append(f"code {rule.code!r} is not of the form KBnnn")
    if not NAME_RE.match(rule.name):
        problems.append(f"name {rule.name!r} is not kebab-case")
    for section in DOC_SECTIONS:
        if not re.search(rf"^#+\s*{re.escape(section)}\s*$", rule.doc, re.MULTILINE):
            problems.append(f"doc lacks a '## {section}' section")
    return problems


def render_doc(rule: type[Rule]) -> str:
    """The rule's page as Markdown, with a header naming code, name and severity."""
    head = f"# {rule.code} {rule.name}\n\nDefault severity: **{rule.severity.value}**. Needs: {rule.needs}.\n"
    opts = rule.Options.model_fields
    if opts:
        rows = "\n".join(
            f"| `{name}` | {f.description or ''} | `{f.default!r}` |" for name, f in opts.items()
        )
        head += f"\nOptions (`[tool.kb.rules.{rule.code}]`):\n\n| option | meaning | default |\n|---|---|---|\n{rows}\n"
    body = rule.doc.strip()
    return f"{head}\n{body}\n"
