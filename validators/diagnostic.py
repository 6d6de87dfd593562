"""The one thing every check produces: a located :class:`Diagnostic`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class Severity(str, Enum):
    error = "error"
    warning = "warning"
    info = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(slots=True)
class Finding:
    """What a rule reports: where and what. The engine adds code and severity."""

    path: str  # relative to the KB root
    line: int
    col: int
    message: str
    end_line: int | None = None
    end_col: int | None = None
    card: str | None = None
    hint: str | None = None
    #: extra machine-readable data for reporters and the site (claim id, url...)
    data: dict = field(default_factory=dict)
    #: where in its card, when the rule named it by data path (``RuleContext.at``): the path
    #: and whether the finding is at its key; lets a reused finding follow an edit of the card
    at: tuple[tuple, bool] | None = None


@dataclass(slots=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    card: str | None
    message: str
    hint: str | None = None
    url: str | None = None
    data: dict = field(default_factory=dict)

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.col, self.code, self.message)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["severity"] = self.severity.value
        d.pop("data")
        return d

    def __eq__(self, other: object) -> bool:
        # like yamllint: equality ignores the wording, so tests survive rewording
        if not isinstance(other, Diagnostic):
            return NotImplemented
        return (self.code, self.path, self.line, self.col) == (other.code, other.path, other.line, other.col)

    def __hash__(self) -> int:
        return hash((self.code, self.path, self.line, self.col))
