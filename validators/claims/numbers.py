"""Find the numbers in a digest's key points, and which of them some claim covers.

A *number* here is a figure a reader could repeat: "86,567,656", "~3.8B",
"81.8%", "12×", "0.994", "128k".  Not numbers: digits inside names
("ResNet-50", "ViT-B/16", "V100", "ILSVRC14", "acc@1", "top-5"), references
to the source ("Sec. 3.3", "Table 4", "Fig.5", "Eq. 2", "Rel. 14"),
citation years ("Pizzi et al. 2022"), version strings ("0.0.18"), URLs and
inline and fenced code, and the bare numbers 0 and 1.

A number is *covered* when a claim of the same card whose check (or manual
evidence) states it exists: the stated value of a check, the numbers in an
arithmetic expression or formula, the input size of a compute check, or,
for a claim verified or disputed by hand with evidence, the numbers in its
text.  Matching is by the digits as written ("86,567,656" and 86567656 are
the same; "~3.8B" states 3.8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from validators.facts.catalog import as_shipped, resolve_weights
from validators.facts.values import mantissa


def _mask(pattern: str, clue: str | None = None, flags: int = 0) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    """A mask, with a pattern that every match of it contains and that is quick to search for.

    A pattern opening with ``\\b`` or a common class is tried at almost every
    character; its clue (by default the pattern without its ``\\b``) opens with
    a literal or a rarer character, and text without the clue has nothing to
    mask there, so the mask's own search is skipped.
    """
    if clue is None and pattern.startswith(r"\b"):
        clue = pattern[2:]
    return re.compile(pattern, flags), re.compile(clue, flags) if clue is not None else None


_MASKS = [
    _mask(r"```.*?```", flags=re.DOTALL),  # fenced code
    _mask(r"https?://\S+"),
    _mask(r"`[^`\n]*`"),
    _mask(
        r"\b(?:Sec(?:tion)?s?|Tables?|Fig(?:ure)?s?|Eqs?|Equations?|Rel|Alg(?:orithm)?|Appendix|App|Ch(?:apter)?|Lines?|Steps?)"
        r"\.?\s*(?:in\s+)?\d+(?:\.\d+)*(?:\s*(?:[–—-]|and|,)\s*\d+(?:\.\d+)*)*",
    ),
    _mask(r"§\s*\d+(?:\.\d+)*"),
    _mask(r"\bet al\.?,?\s*\(?\d{4}[a-z]?\)?"),
    _mask(r"\(\s*(?:19|20)\d\d[a-z]?\s*\)"),
    _mask(r"\b\d+\.\d+\.\d+\b", r"\.\d+\."),  # versions such as 0.0.18
    # years: of a challenge or venue, or after "in"/"since"
    _mask(r"\b(?:ILSVRC|COCO|VOC|CVPR|ICCV|ECCV|NeurIPS|NIPS|ICLR|ICML|WMT|ImageNet)\s*'?(?:19|20)\d\d\b"),
    _mask(r"\b(?:in|since|until|by|from)\s+(?:19|20)\d\d\b", r"\s(?:19|20)\d\d"),
    _mask(r"[A-Za-z]-\d+(?:/\d+)+", r"-\d+/"),  # model families written with a slash list: VGG-16/19
]

NUMBER_RE = re.compile(
    r"(?<![A-Za-z0-9_.@\\-])(?<![A-Za-z]/)"
    r"(?P<approx>[~≈])?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:[eE][−-]?\d+)?)"
    r"(?P<suffix>\s?(?:thousand|million|billion|trillion)\b|[kKMBGT](?![A-Za-z0-9])|%|×|x(?![A-Za-z0-9])|px\b|GB\b|MB\b)?"
    r"(?:(?=[A-Za-z][²³^])|(?![A-Za-z0-9_]))"
)


@dataclass(frozen=True)
class NumberToken:
    start: int
    end: int
    text: str
    mantissa: str
    #: the digits of the full value when a multiplier is written ("370k" -> "370000"), else the mantissa
    full: str = ""

    def covered_by(self, covered: set[str]) -> bool:
        return self.mantissa in covered or (self.full or self.mantissa) in covered


_SUFFIX_VALUE = {"k": 10**3, "K": 10**3, "thousand": 10**3, "M": 10**6, "million": 10**6,
                 "B": 10**9, "G": 10**9, "billion": 10**9, "T": 10**12, "trillion": 10**12}


_NOT_LINE_BREAK = re.compile(r"[^\n]")


def _masked(text: str) -> str:
    """``text`` with every character of a mask's match blanked, line breaks kept."""
    spans = []
    for pattern, clue in _MASKS:
        if clue is None or clue.search(text):
            spans.extend(m.span() for m in pattern.finditer(text))
    if not spans:
        return text
    out, pos = [], 0
    for start, end in sorted(spans):
        if end <= pos:
            continue
        start = max(start, pos)
        out.append(text[pos:start])
        out.append(_NOT_LINE_BREAK.sub(" ", text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def numbers_in(text: str) -> list[NumberToken]:
    """The repeatable numbers in ``text`` (see the module docstring)."""
    # "2x2" reads as 2×2; same length, so offsets stay valid
    work = re.sub(r"(?<=\d)x(?=\d)", "×", _masked(text))
    found = []
    for m in NUMBER_RE.finditer(work):
        mant = mantissa(m.group("num"))
        if mant is None or (mant in ("0", "1") and not m.group("suffix")):
            continue
        suffix = (m.group("suffix") or "").strip()
        full = mant
        if suffix in _SUFFIX_VALUE:
            full = mantissa(str(Decimal(mant) * _SUFFIX_VALUE[suffix])) or mant
        found.append(NumberToken(m.start(), m.end(), text[m.start():m.end()].strip(), mant, full))
    return found


def mantissas(text: str) -> set[str]:
    return {t.mantissa for t in numbers_in(text)}


_STATED = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _stated_mantissas(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, bool):
        return set()
    if isinstance(value, (int, float)):
        m = mantissa(repr(value) if isinstance(value, float) else str(value))
        return {m} if m else set()
    if isinstance(value, (list, tuple)):
        out: set[str] = set()
        for v in value:
            out |= _stated_mantissas(v)
        return out
    # numbers inside an expression or a stated string ("~3.8B", "3*16*16", "floor(k/2)")
    out = set()
    for m in _STATED.finditer(str(value)):
        mm = mantissa(m.group())
        if mm:
            out.add(mm)
    return out


def check_mantissas(check: Any) -> set[str]:
    """Every number a check states or computes with."""
    if check is None:
        return set()
    data = check.model_dump() if hasattr(check, "model_dump") else dict(check)
    out: set[str] = set()
    for field in ("value", "expression", "equals", "formula"):
        out |= _stated_mantissas(data.get(field))
    for sub in (data.get("where") or {}).values():
        out |= _stated_mantissas(sub)
    for var in (data.get("variables") or {}).values():
        out |= _stated_mantissas(var)
    for size_field in ("input_size", "input_shape"):
        size = data.get(size_field)
        if size and list(size) not in ([3, 224, 224], [1, 3, 224, 224]):
            out |= _stated_mantissas([s for s in size if s not in (1, 3)])
    kwargs = data.get("model_kwargs") or {}
    if isinstance(kwargs.get("image_size"), int):
        out.add(str(kwargs["image_size"]))
    if data.get("weights") and data.get("model") and data.get("kind") in ("params", "macs", "flops"):
        # measured at the named weights' resolution: "633,470,440 params at 518×518" states 518 too
        full = resolve_weights(data["model"], str(data["weights"]))
        size, shipped = as_shipped(full) if full else (None, {})
        if size and list(size[-2:]) != [224, 224]:
            out |= _stated_mantissas([n for n in size if n not in (1, 3)])
        if isinstance(shipped.get("image_size"), int):
            out.add(str(shipped["image_size"]))
    for side in ("numerator", "denominator"):
        if data.get(side):
            out |= check_mantissas_side(data[side])
    return out


def check_mantissas_side(side: dict[str, Any]) -> set[str]:
    size = side.get("input_size")
    if size and list(size) != [3, 224, 224]:
        return _stated_mantissas([s for s in size if s not in (1, 3)])
    return set()


def covered_mantissas(claims: Iterable[Any]) -> set[str]:
    """Numbers covered by a card's claims: from checks, and from the text of hand-verified claims."""
    out: set[str] = set()
    for claim in claims:
        if claim.check is not None:
            out |= check_mantissas(claim.check)
        elif claim.evidence is not None and getattr(claim.status, "value", claim.status) in ("verified", "disputed"):
            out |= mantissas(claim.text)
    return out


def uncovered_by_line(text: str, covered: set[str]) -> list[list[NumberToken]]:
    """Numbers of ``text`` that no claim covers, grouped by line, in order."""
    groups: dict[int, list[NumberToken]] = {}
    for tok in numbers_in(text):
        if tok.covered_by(covered):
            continue
        line = text.count("\n", 0, tok.start)
        groups.setdefault(line, []).append(tok)
    return [groups[k] for k in sorted(groups)]
