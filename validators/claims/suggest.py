"""Propose claims with machine checks for the numbers in a digest's key points.

``suggest_claims(key_points, title=..., focus=...)`` reads Markdown key
points it has never seen and returns claim dicts ready for a card's
``claims:`` list (status ``not-verified``: the fact runner settles them).
What it recognises:

* torchvision model and weights names in their usual spellings
  ("ResNet-50", "resnet50", "ViT-B/16", "vit_b_16 IMAGENET1K_V1", "VGG-16/19",
  DINOv2's "ViT-S/14" when the text is about DINOv2); a line without a name
  inherits the one of the bullet it sits under, or the digest's title;
* parameter counts ("86,567,656 params", "21M parameters") -> ``params``;
* compute ("17.56 GFLOPs", "~3.8B FLOPs", "1.5 billion multiply-adds",
  "15.3/19.6B FLOPs" after "VGG-16/19") -> ``macs``: papers and
  torchvision's GFLOPS column count multiply-adds, whatever they call them;
* a weights member with its metadata ("IMAGENET1K_V1: acc@1 81.072, acc@5
  95.318, ... min_size 224×224, file 330.3 MB") -> ``weights_meta``;
* "~12× fewer parameters than AlexNet" -> ``ratio``;
* arithmetic written out ("3·16·16=768", "3·(3²)·C² = 27C²"), "49C² vs 27C²
  is 81% more", and patch counts ("patches of 16×16 (for 224px: N=14×14)")
  -> ``arithmetic``;
* output-size formulas ("o = ⌊(i+2p−k)/s⌋+1", "o' = s(i'-1) + a + k - 2p")
  with the op they describe (conv, pooling, transposed conv), the padding
  they assume ("p = ⌊k/2⌋" for "same") -> ``formula``.

Anything else stays unclaimed, and KB402 lists it.  Nothing here imports torch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from validators.claims.names import Mention, find_models, find_weights, weights_enum_for
from validators.facts.catalog import MODELS, TORCHVISION_VERSION, model_for_weights, resolve_weights, squash, task_of
from validators.facts.expr import Expression, ExpressionError, normalise_math
from validators.facts.formulas import FormulaProblem, formula_variables

_REF = re.compile(
    r"\b(?:Sec(?:tion)?s?\.?\s*\d+(?:\.\d+)*(?:\s*[–-]\s*\d+)?|Tables?\s*\d+|Fig(?:ure)?\.?\s*\d+|Eq\.?\s*\d+|Rel\.\s*\d+|Abstract|Intro)"
)
_NUM = r"\d[\d,]*(?:\.\d+)?"
_MULT = r"(?:\s?(?:[KMBG](?![A-Za-z])|thousand|million|billion))?"
PARAMS_RE = re.compile(rf"(?P<val>[~≈]?\s?{_NUM}{_MULT})\s*(?:trainable\s+)?(?:params|parameters)\b", re.IGNORECASE)
PARAMS_AFTER_RE = re.compile(rf"\b(?:params|parameters)\s*[:=]\s*(?P<val>[~≈]?\s?{_NUM}{_MULT})")
COMPUTE_RE = re.compile(
    rf"(?P<val>[~≈]?\s?{_NUM}(?:\s?/\s?{_NUM})*{_MULT})\s*"
    r"(?P<unit>GFLOPs|GFLOPS|GFLOP|gflops|FLOPs|FLOPS|GMACs|GMACS|MACs|multiply-adds|multiply-accumulates|mult-adds|Mult-Adds)(?![A-Za-z])"
)
RATIO_RE = re.compile(
    r"(?P<val>[~≈]?\s?\d+(?:\.\d+)?)\s*(?:[×x]|times)\s*(?P<dir>fewer|less|more|smaller|larger|bigger|cheaper)\s+"
    r"(?P<what>parameters|params|FLOPs|multiply-adds|compute|operations|MACs)\s+(?:than|as)\s+(?P<rest>.*)",
    re.IGNORECASE,
)
ACC_RE = re.compile(r"\b(?P<field>acc@1|acc@5|top-1(?:\s+acc(?:uracy)?)?|top-5(?:\s+acc(?:uracy)?)?)\s*[:=]?\s*(?P<val>\d+(?:\.\d+)?)\s*%?", re.IGNORECASE)
MIN_SIZE_RE = re.compile(r"\bmin(?:_|\s)size\s*[:=]?\s*\(?(?P<h>\d+)\s*(?:[×x,]|\\times)\s*(?P<w>\d+)\)?")
FILE_RE = re.compile(r"\bfile(?:\s+size)?\s*[:=]?\s*(?P<val>\d+(?:\.\d+)?)\s*MB\b", re.IGNORECASE)
SIZE_AT_RE = re.compile(r"(?:\bat\s+|@\s*)(?P<s>\d{2,4})(?:\s*px)?\b|\b(?P<s2>\d{2,4})\s*(?:[×x]|\\times)\s*(?P=s2)\b")
PERCENT_MORE_RE = re.compile(r"(?P<pct>\d+(?:\.\d+)?)\s*%\s*(?P<dir>more|fewer|less|larger|smaller|higher|lower)\b")
VS_RE = re.compile(
    r"(?P<a>\d+(?:\.\d+)?)\s*(?P<va>[A-Z][²³]?)?\s+vs\.?\s+(?P<b>\d+(?:\.\d+)?)\s*(?P<vb>[A-Z][²³]?)?"
    r"[^%\d]{0,20}?(?P<pct>\d+(?:\.\d+)?)\s*%\s*(?P<dir>more|fewer|less|larger|smaller|higher|lower)\b"
)


@dataclass
class _Line:
    index: int
    raw: str
    content: str  # without the bullet marker
    indent: int
    parent: int | None
    models: list[Mention] = field(default_factory=list)


def _lines(text: str, dinov2: bool) -> list[_Line]:
    out: list[_Line] = []
    stack: list[tuple[int, int]] = []  # (indent, index)
    for i, raw in enumerate(text.splitlines()):
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        content = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", raw).strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else None
        line = _Line(len(out), raw, content, indent, parent, find_models(content, dinov2=dinov2))
        out.append(line)
        stack.append((indent, line.index))
    return out


def _slug(*parts: Any) -> str:
    text = "-".join(str(p) for p in parts if p not in (None, ""))
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return re.sub(r"-{2,}", "-", text)[:60].strip("-") or "claim"


class _Builder:
    def __init__(self, existing: Iterable[str]):
        self.claims: list[dict[str, Any]] = []
        self.ids: set[str] = set(existing)
        self.seen_checks: set[str] = set()

    def add(self, base_id: str, text: str, check: dict[str, Any], source: str | None) -> None:
        signature = repr(sorted(check.items(), key=lambda kv: kv[0]))
        if signature in self.seen_checks:
            return
        self.seen_checks.add(signature)
        cid = base_id
        n = 2
        while cid in self.ids:
            cid = f"{base_id}-{n}"
            n += 1
        self.ids.add(cid)
        claim: dict[str, Any] = {"id": cid, "text": text.strip(), "status": "not-verified"}
        if source:
            claim["source"] = source
        claim["check"] = check
        self.claims.append(claim)


def _clean_value(val: str) -> str:
    return re.sub(r"\s+", "", val.replace("≈", "~")) if re.search(r"[KMBG]$", val.strip()) else val.strip().replace("≈", "~")


def _claim_text(ctx: "_Context", line: _Line, start: int, end: int) -> str:
    """The clause around a match; a continuation line is read with the bullet it continues."""
    clause = _sentence(line.content, start, end)
    if line.parent is not None and not re.match(r"^\s*(?:[-*+]|\d+[.)])\s", line.raw):
        parent = ctx.lines[line.parent].content.rstrip(": ")
        return f"{parent}: {clause}" if len(parent) < 160 else clause
    return clause


def _sentence(text: str, start: int, end: int) -> str:
    """The clause of ``text`` around [start, end): bounded by '; ', '. ' or the line."""
    left = max(text.rfind("; ", 0, start), -1)
    for m in re.finditer(r"[.!?]\s+(?=[A-Z(“\"])", text[:start]):
        left = max(left, m.end() - 2)
    right_candidates = [p for p in (text.find("; ", end),) if p >= 0]
    m = re.search(r"[.!?](?:\s+(?=[A-Z(“\"])|$)", text[end:])
    if m:
        right_candidates.append(end + m.start() + 1)
    right = min(right_candidates) if right_candidates else len(text)
    return text[left + 1 if left >= 0 else 0 : right].strip(" ;")


_ASSIGN = re.compile(r"(?<![A-Za-z0-9_\\])([A-Za-z][A-Za-z0-9_]*)\s*=\s*(\d+(?:\.\d+)?)(?!\d|\.\d|\s*[×x*/+\-^·(])")


def _assignments(text: str) -> dict[str, str]:
    """Names given one value in the text ("h = 8", "d_model = 512"); a name given two values is dropped."""
    seen: dict[str, set[str]] = {}
    for m in _ASSIGN.finditer(text):
        before = text[:m.start()].rstrip()
        # "d_model / h = 64" states a result, not the value of h (a bullet's dash is no minus)
        if re.search(r"[/*+^·×=]$|[\w)]\s*[-−]$", before):
            continue
        seen.setdefault(m.group(1), set()).add(m.group(2))
    return {name: next(iter(values)) for name, values in seen.items() if len(values) == 1}


class _Context:
    def __init__(self, key_points: str, title: str | None, focus: str | None):
        whole = " ".join(x for x in (title, focus, key_points) if x)
        self.dinov2 = "dinov2" in squash(whole)
        head = " ".join(x for x in (title, focus) if x)
        names = list(dict.fromkeys(m.model for m in find_models(head, dinov2=self.dinov2)))
        self.model = names[0] if len(names) == 1 else None
        self.lines = _lines(key_points, self.dinov2)
        self.assignments = _assignments(key_points)

    def inherited_model(self, line: _Line) -> str | None:
        p = line.parent
        while p is not None:
            names = list(dict.fromkeys(m.model for m in self.lines[p].models))
            if len(names) == 1:
                return names[0]
            p = self.lines[p].parent
        return self.model

    def source(self, line: _Line) -> str | None:
        cur: _Line | None = line
        while cur is not None:
            m = _REF.search(cur.content)
            if m:
                return m.group().strip()
            cur = self.lines[cur.parent] if cur.parent is not None else None
        return None


def _model_near(line: _Line, pos: int, ctx: _Context, *, count: int = 1) -> list[str]:
    """The model(s) a number at ``pos`` is about: the nearest mention(s) before it, else after, else inherited."""
    before = [m for m in line.models if m.end <= pos]
    if before:
        # a slash list ("VGG-16/19") stays together: take the last `count` mentions
        return [m.model for m in before[-count:]]
    after = [m for m in line.models if m.start >= pos]
    if after:
        return [after[0].model]
    inherited = ctx.inherited_model(line)
    return [inherited] if inherited else []


def _size_in(text: str) -> int | None:
    m = SIZE_AT_RE.search(text)
    if not m:
        return None
    size = int(m.group("s") or m.group("s2"))
    return size if 32 <= size <= 2048 else None


def _model_kwargs_for_size(model: str, size: int) -> dict[str, Any]:
    # torchvision's ViTs fix their position embeddings at build time
    return {"image_size": size} if model.startswith("vit_") and size != 224 else {}


# --------------------------------------------------------------------------- extractors


def _weights(line: _Line, ctx: _Context, out: _Builder, consumed: list[tuple[int, int]]) -> None:
    text = line.content
    mentions = find_weights(text)
    for n, w in enumerate(mentions):
        seg_end = mentions[n + 1].start if n + 1 < len(mentions) else len(text)
        segment = text[w.end:seg_end]
        enum = w.enum
        model = model_for_weights(enum) if enum else None
        if model is None:
            candidates = _model_near(line, w.start, ctx)
            model = candidates[0] if candidates else None
            if model is None:
                continue
            enum, members = weights_enum_for(model)
            if enum is None or (w.member not in members and w.member != "DEFAULT"):
                continue
        if enum is None:
            continue
        weights = f"{enum}.{w.member}"
        label = f"{weights}: {segment.strip(' :.')}"
        source = ctx.source(line)
        base = _slug(model, w.member.lower().replace("imagenet1k_", ""))
        min_size = MIN_SIZE_RE.search(segment)
        size = int(min_size.group("h")) if min_size else 224
        for m in ACC_RE.finditer(segment):
            fld = "acc@1" if "1" in m.group("field") else "acc@5"
            out.add(f"{base}-{fld.replace('@', '')}", label,
                    {"kind": "weights_meta", "weights": weights, "field": fld, "value": float(m.group("val"))}, source)
            consumed.append((w.end + m.start(), w.end + m.end()))
        shipped = resolve_weights(model, weights)
        for m in PARAMS_RE.finditer(segment):
            check: dict[str, Any] = {"kind": "params", "model": model, "value": _clean_value(m.group("val"))}
            if shipped:
                # counted as these weights ship: their resolution and builder arguments (vit_h_14 at 518)
                check["weights"] = weights
            else:
                kwargs = _model_kwargs_for_size(model, size)
                if kwargs:
                    check["model_kwargs"] = kwargs
            out.add(f"{base}-params", label, check, source)
            consumed.append((w.end + m.start(), w.end + m.end()))
        for m in COMPUTE_RE.finditer(segment):
            if shipped:
                check = _compute_check(model, m.group("val"), m.group("unit"), 224, segment)
                check["weights"] = weights
            else:
                check = _compute_check(model, m.group("val"), m.group("unit"), size, segment)
            out.add(f"{base}-macs", label, check, source)
            consumed.append((w.end + m.start(), w.end + m.end()))
        if min_size:
            out.add(f"{base}-min-size", label,
                    {"kind": "weights_meta", "weights": weights, "field": "min_size",
                     "value": [int(min_size.group("h")), int(min_size.group("w"))]}, source)
            consumed.append((w.end + min_size.start(), w.end + min_size.end()))
        fm = FILE_RE.search(segment)
        if fm:
            out.add(f"{base}-file-size", label,
                    {"kind": "weights_meta", "weights": weights, "field": "_file_size", "value": fm.group("val")}, source)
            consumed.append((w.end + fm.start(), w.end + fm.end()))


#: an accuracy stated after its number ("77.692% top-1") or before it ("top-1 accuracy of 77.692%")
ACC_AFTER_RE = re.compile(
    r"(?P<val>\d{1,3}\.\d{2,})\s*%\s*(?:ImageNet(?:-1[Kk])?\s+)?(?P<field>top-?[15]|acc@[15])(?![\w-])", re.IGNORECASE)
ACC_BEFORE_RE = re.compile(
    r"(?P<field>top-?[15]|acc@[15])(?:\s+(?:accuracy|acc\.?))?(?:\s+(?:on|of)\s+ImageNet(?:-1[Kk])?)?"
    r"\s*(?:[:=]|of|is|reaches|at)?\s*(?P<val>\d{1,3}\.\d{2,})\s*%?", re.IGNORECASE)


def _accuracy(line: _Line, ctx: _Context, out: _Builder, consumed: list[tuple[int, int]]) -> None:
    """Accuracies with a model but no weights member: read against the model's default weights.

    Only figures with two or more decimals are taken, as torchvision publishes them
    ("77.692%"); a paper's "76.0% top-1" is about its own training, not these weights.
    """
    text = line.content
    for regex in (ACC_AFTER_RE, ACC_BEFORE_RE):
        for m in regex.finditer(text):
            if _overlaps(m.start(), m.end(), consumed):
                continue
            models = _model_near(line, m.start(), ctx)
            if not models:
                continue
            model = models[0]
            row = MODELS.get(model)
            if row is None or row[1] is None or row[3] is None or row[0] not in ("classification", "video", "quantization"):
                continue
            fld = "acc@5" if "5" in m.group("field") else "acc@1"
            check = {
                "kind": "weights_meta", "weights": f"{row[1]}.DEFAULT", "field": fld, "value": float(m.group("val")),
                "note": f"The text names no weights, so this reads the default weights, {row[1]}.DEFAULT "
                        f"({row[3]} in torchvision {TORCHVISION_VERSION}); name the weights if the figure is for others.",
            }
            out.add(_slug(model, fld.replace("@", "")), _claim_text(ctx, line, m.start(), m.end()), check, ctx.source(line))
            consumed.append((m.start(), m.end()))


def _compute_check(model: str, val: str, unit: str, size: int, text: str) -> dict[str, Any]:
    value = _clean_value(val)
    if unit[:1] in "Gg" and not re.search(r"[KMBG]$|illion$", value):
        value = f"{value}G"
    two_per = re.search(r"2\s*FLOPs?\s*per\s*multiply|multiply-add\s*(?:as|=)\s*(?:2|two)\s*FLOPs?", text, re.IGNORECASE)
    check: dict[str, Any] = {"kind": "flops" if two_per else "macs", "model": model, "value": value}
    if size != 224:
        check["input_size"] = [3, size, size]
        kwargs = _model_kwargs_for_size(model, size)
        if kwargs:
            check["model_kwargs"] = kwargs
    if "FLOP" in unit.upper() and not two_per:
        check["note"] = "The source's FLOPs count multiply-adds, as most papers and torchvision's GFLOPS column do."
    return check


def _overlaps(start: int, end: int, consumed: list[tuple[int, int]]) -> bool:
    return any(a < end and start < b for a, b in consumed)


def _ratio(line: _Line, ctx: _Context, out: _Builder, consumed: list[tuple[int, int]]) -> None:
    text = line.content
    for m in RATIO_RE.finditer(text):
        rest_start = m.start("rest")
        others = [x for x in line.models if x.start >= rest_start]
        if not others:
            continue
        other = others[0].model
        before = [x.model for x in line.models if x.end <= m.start() and x.model != other]
        subject = before[-1:] or [x for x in _model_near(line, m.start(), ctx) if x != other]
        if not subject:
            continue
        what = m.group("what").lower()
        measure = "params" if what.startswith("param") else "macs"
        smaller = m.group("dir").lower() in ("fewer", "less", "smaller", "cheaper")
        num, den = (other, subject[0]) if smaller else (subject[0], other)
        value = m.group("val").replace(" ", "").replace("≈", "~") + "x"
        check = {"kind": "ratio", "numerator": {"measure": measure, "model": num},
                 "denominator": {"measure": measure, "model": den}, "value": value}
        out.add(_slug(num, den, measure, "ratio"), _claim_text(ctx, line, m.start(), m.end()), check, ctx.source(line))
        consumed.append((m.start(), m.end()))


def _params(line: _Line, ctx: _Context, out: _Builder, consumed: list[tuple[int, int]]) -> None:
    text = line.content
    for regex in (PARAMS_RE, PARAMS_AFTER_RE):
        for m in regex.finditer(text):
            if _overlaps(m.start(), m.end(), consumed):
                continue
            models = _model_near(line, m.start(), ctx)
            if not models or task_of(models[0]) is None:
                continue
            model = models[0]
            check: dict[str, Any] = {"kind": "params", "model": model, "value": _clean_value(m.group("val"))}
            out.add(_slug(model, "params"), _claim_text(ctx, line, m.start(), m.end()), check, ctx.source(line))
            consumed.append((m.start(), m.end()))


def _compute(line: _Line, ctx: _Context, out: _Builder, consumed: list[tuple[int, int]]) -> None:
    text = line.content
    for m in COMPUTE_RE.finditer(text):
        if _overlaps(m.start(), m.end(), consumed) or re.match(r"\s*per\b", text[m.end():]):
            continue  # "2 FLOPs per multiply-add" states a convention, not a model's compute
        raw = m.group("val")
        mult = re.search(r"\s?(?:[KMBG]|thousand|million|billion)$", raw.strip())
        approx = raw.strip()[:1] in "~≈"
        parts = [p.strip(" ~≈") for p in re.split(r"\s?/\s?", raw.strip())]
        if mult:
            parts = [re.sub(r"\s?(?:[KMBG]|thousand|million|billion)$", "", p) for p in parts]
        models = _model_near(line, m.start(), ctx, count=len(parts))
        if len(models) != len(parts):
            continue
        clause = _claim_text(ctx, line, m.start(), m.end())
        size = _size_in(text[m.start():m.end() + 20]) or 224
        for model, part in zip(models, parts):
            if task_of(model) not in ("classification", "segmentation"):
                continue
            value = ("~" if approx else "") + part + (mult.group() if mult else "")
            check = _compute_check(model, value, m.group("unit"), size, text)
            out.add(_slug(model, "macs" if check["kind"] == "macs" else "flops", size if size != 224 else ""), clause, check, ctx.source(line))
        consumed.append((m.start(), m.end()))


_ARITH_CHARS = set("0123456789 .·×*/+-−()²³^")


def _is_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _equations(text: str, known: dict[str, str] | None = None) -> list[tuple[str, str, int, int]]:
    """(left, right, start, end) of written-out arithmetic such as '3·16·16=768', '3·(3²)·C² = 27C²'
    or, with ``known`` values for names, 'd_model / h = 64'."""
    known = known or {}
    work = text.replace("\\cdot", "·").replace("\\times", "×").replace("\\,", " ")
    found = []

    def word_at(i: int, step: int) -> int | None:
        """The far end of a known name (or a lone upper-case variable) touching i, scanning by step."""
        j = i
        while 0 <= j < len(work) and _is_word(work[j]):
            j += step
        start, end = (j + 1, i + 1) if step < 0 else (i, j)
        word = work[start:end]
        if word in known or (len(word) == 1 and word.isupper()):
            return j
        return None

    def grouping_comma(k: int) -> bool:
        """A comma that groups thousands ("18,532"), not one that separates items."""
        return (work[k] == "," and k > 0 and work[k - 1].isdigit()
                and re.match(r"\d{3}(?!\d)", work[k + 1:k + 5]) is not None)

    for m in re.finditer(r"(?<![=<>!≤≥])=(?![=>])", work):
        i = m.start() - 1
        while i >= 0:
            if work[i] in _ARITH_CHARS or grouping_comma(i):
                i -= 1
                continue
            if _is_word(work[i]) and not work[i].isdigit():
                j = word_at(i, -1)
                if j is None:
                    break
                i = j
                continue
            break
        j = m.end()
        while j < len(work):
            if work[j] in _ARITH_CHARS or grouping_comma(j):
                j += 1
                continue
            if _is_word(work[j]) and not work[j].isdigit():
                k = word_at(j, 1)
                if k is None:
                    break
                j = k
                continue
            break
        left, right = _balance(work[i + 1:m.start()]), _balance(work[m.end():j])
        if left and right:
            found.append((left, right, i + 1, j))
    return found


def _balance(s: str) -> str:
    s = s.strip()
    while s and (s.count("(") > s.count(")")) and s.startswith("("):
        s = s[1:].strip()
    while s and (s.count(")") > s.count("(")) and s.endswith(")"):
        s = s[:-1].strip()
    while s and s[-1] in ".-+*/·×":
        s = s[:-1].strip()
    return s


def _ungroup(s: str) -> str:
    """Drop thousands separators between digits: "18,532" -> "18532"."""
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", s)


def _parse_side(s: str, known: dict[str, str]) -> Expression | None:
    try:
        e = Expression(normalise_math(_ungroup(s)))
    except ExpressionError:
        return None
    if any(not (len(n) == 1 and n.isupper()) and n not in known for n in e.names):
        return None
    return e


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _literal_count(s: str) -> int:
    return len(re.findall(r"\d+(?:\.\d+)?", normalise_math(s)))


def _arithmetic(line: _Line, ctx: _Context, out: _Builder, state: dict[str, Any]) -> None:
    text = line.content
    coefficient: tuple[str, str] | None = None
    known = ctx.assignments
    for left, right, start, end in _equations(text, known):
        le, re_ = _parse_side(left, known), _parse_side(right, known)
        if le is None or re_ is None:
            continue
        stated = {n: known[n] for n in (le.names | re_.names) if n in known}
        if _literal_count(left) + len(stated) < 2 or not re.search(r"[*/+\-^·×²³]", left.replace(" ", "")):
            continue
        names = sorted(n for n in le.names | re_.names if n not in stated)
        clause = _claim_text(ctx, line, max(0, start), min(len(text), end))
        # with named values, ask for an operator written out between operands ("d_model / h"),
        # so "top-5 error = 6.67%" is not read as arithmetic
        explicit = re.search(r"[*/^·×]|\S\s+[-−+]\s+\S", left)
        if stated and not names and explicit and re.fullmatch(r"\d[\d,]*(?:\.\d+)?%?", right.strip()):
            check_k: dict[str, Any] = {"kind": "arithmetic", "expression": normalise_math(_ungroup(left)), "value": right.strip(),
                                       "variables": {n: _number(v) for n, v in sorted(stated.items())}}
            out.add(_slug("arithmetic", re.sub(r"\D+", "-", right) or "identity"), clause, check_k, ctx.source(line))
            continue
        if stated:
            continue
        if names:
            check: dict[str, Any] = {"kind": "arithmetic", "expression": normalise_math(_ungroup(left)),
                                     "equals": normalise_math(_ungroup(right)), "variables": {n: [1, 7, 64] for n in names}}
        elif re.fullmatch(r"\d[\d,]*(?:\.\d+)?%?", right.strip()):
            check = {"kind": "arithmetic", "expression": normalise_math(_ungroup(left)), "value": right.strip()}
        else:
            check = {"kind": "arithmetic", "expression": normalise_math(_ungroup(left)), "equals": normalise_math(_ungroup(right))}
        out.add(_slug("arithmetic", re.sub(r"\D+", "-", right) or "identity"), clause, check, ctx.source(line))
        cm = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Z])(?:²|\^2|³|\^3)?\s*", right)
        if cm:
            coefficient = (cm.group(1), cm.group(2))
    # "(81% more)" against the previous line's coefficient of the same variable
    pm = PERCENT_MORE_RE.search(text)
    prev = state.get("coefficient")
    vs = VS_RE.search(text)
    if vs:
        a, b = vs.group("a"), vs.group("b")
        _percent_claim(a, b, vs.group("pct"), vs.group("dir"), text, vs.start(), vs.end(), ctx, line, out)
    elif pm and coefficient and prev and prev[1] == coefficient[1] and prev[0] != coefficient[0]:
        _percent_claim(coefficient[0], prev[0], pm.group("pct"), pm.group("dir"), text, pm.start(), pm.end(), ctx, line, out)
    # a coefficient is compared with the one of the line before it under the same bullet
    if line.parent == state.get("parent"):
        state["coefficient"] = coefficient or state.get("coefficient")
    else:
        state["coefficient"] = coefficient
    state["parent"] = line.parent


def _percent_claim(this: str, other: str, pct: str, direction: str, text: str, start: int, end: int,
                   ctx: _Context, line: _Line, out: _Builder) -> None:
    more = direction.lower() in ("more", "larger", "higher")
    expr = f"({this} - {other}) / {other} * 100" if more else f"({other} - {this}) / {other} * 100"
    check = {"kind": "arithmetic", "expression": expr, "value": f"{pct}%"}
    out.add(_slug("arithmetic", this, "vs", other, "percent"), _claim_text(ctx, line, start, end), check, ctx.source(line))


_PATCH_RE = re.compile(r"patch(?:es)?\s*(?:size\s*)?(?:of\s*(?:size\s*)?)?\(?\s*(?P<p>\d{1,2})\s*(?:(?:[×x]|\\times)\s*(?P=p))?\b", re.IGNORECASE)
_IMG_RE = re.compile(
    r"(?P<s>\d{2,4})\s*(?:px|pixels)\b|(?P<s2>\d{2,4})\s*(?:[×x]|\\times)\s*(?P=s2)\s*(?:images?|inputs?|resolution)\b"
    r"|(?:\bat|@)\s*(?P<s3>\d{2,4})\s*(?:[×x]|\\times)\s*(?P=s3)\b|(?:\bat|@)\s*(?P<s4>\d{2,4})\b(?!\s*[×x%])")
_N_RE = re.compile(r"(?<![A-Za-z])N\s*=\s*(?P<a>\d+)\s*(?:(?:[×x]|\\times)\s*(?P<b>\d+))?")
#: "14×14 patches", "196 tokens", "a 16×16 grid of patches"
_GRID_RE = re.compile(r"(?P<a>\d{1,3})\s*(?:[×x]|\\times)\s*(?P<b>\d{1,3})\s*(?:grid\s+of\s+)?(?:patch(?:es)?|tokens|grid)\b"
                      r"|(?P<n>\d{1,5})\s*(?:patch(?:es)?|(?:patch\s+)?tokens)\b")
#: ViT names that carry their patch size: "ViT-L/14", "ViT-B/16", "DeiT-S/16"
_VIT_NAME_RE = re.compile(r"\b(?:ViT|DeiT)-?[A-Za-z]{1,5}/(?P<p>\d{1,2})\b")


def _patch_size(line: _Line, ctx: _Context, text: str) -> tuple[int, str] | None:
    """(patch size, where it comes from): the text's "patches of P", else the ViT the line is about."""
    pm = _PATCH_RE.search(text)
    if pm:
        return int(pm.group("p")), f"patches of {pm.group('p')}x{pm.group('p')}"
    vm = _VIT_NAME_RE.search(text)
    for name in [m.model for m in line.models] + ([ctx.inherited_model(line)] if ctx.inherited_model(line) else []):
        mm = re.fullmatch(r"vit_[bhl]_(\d+)|dinov2_vit[sblg](\d+)", name or "")
        if mm:
            size = int(mm.group(1) or mm.group(2))
            return size, f"the patch size of {name} ({size}x{size})"
    if vm:
        return int(vm.group("p")), f"the patch size in the name {vm.group()} ({vm.group('p')}x{vm.group('p')})"
    return None


def _patches(line: _Line, ctx: _Context, out: _Builder) -> None:
    """Patch-token counts ("N = 14×14", "196 tokens") against the grid the model's patch size gives."""
    text = line.content
    im = _IMG_RE.search(text)
    if not im:
        return
    size = int(im.group("s") or im.group("s2") or im.group("s3") or im.group("s4"))
    nm = _N_RE.search(text)
    gm = None
    if nm is None:
        gm = _GRID_RE.search(text)
        if gm is None:
            return
    patch = _patch_size(line, ctx, text)
    if patch is None:
        return
    p, why = patch
    grid = f"({size} // {p}) ** 2"  # a ViT cuts floor(size / p) patches per side
    if nm is not None:
        a, b, at = nm.group("a"), nm.group("b"), nm
    else:
        a, b, at = (gm.group("a"), gm.group("b"), gm) if gm.group("a") else (gm.group("n"), None, gm)
    tail = text[at.end():]
    plus = re.match(r"\s*\+\s*1\b", tail)  # "N = 14×14 + 1" counts the class token
    expression = grid + (" + 1" if plus else "")
    if b:
        check: dict[str, Any] = {"kind": "arithmetic", "expression": expression, "equals": f"{a} * {b}" + (" + 1" if plus else "")}
    else:
        check = {"kind": "arithmetic", "expression": expression, "value": int(a)}
    check["note"] = f"patch tokens of a {size}x{size} image cut into {why}: {size} // {p} per side"
    out.add(_slug("patches", size, p), _claim_text(ctx, line, at.start(), at.end()), check, ctx.source(line))


_OP_WORDS = (("transpos", "ConvTranspose2d"), ("deconv", "ConvTranspose2d"), ("pool", "MaxPool2d"), ("dilat", "Conv2d"), ("conv", "Conv2d"))


def _op_in(text: str) -> str | None:
    low = text.lower()
    for word, op in _OP_WORDS:
        if word in low:
            return op
    return None


def _rhs(text: str, start: int, *, stop_at_equals: bool = False) -> str:
    depth = 0
    out = []
    i = start
    while i < len(text):
        ch = text[i]
        if text.startswith("\\Rightarrow", i) or ch in "⇒→":
            break
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
            if depth < 0:
                break
        elif depth == 0 and (ch in ",;" or (ch == "." and (i + 1 == len(text) or text[i + 1] == " "))):
            break
        elif depth == 0 and stop_at_equals and ch == "=":
            break
        out.append(ch)
        i += 1
    return "".join(out).strip().rstrip("\\").strip()


def _formulas(line: _Line, ctx: _Context, out: _Builder, state: dict[str, Any]) -> None:
    text = line.content
    op_here = _op_in(text)
    if op_here:
        state["op"] = op_here
    for m in re.finditer(r"(?<![A-Za-z\\])o\s*(?P<prime>[’′']?)\s*=(?!=)", text):
        rhs = _rhs(text, m.end())
        if not rhs:
            continue
        op = "ConvTranspose2d" if m.group("prime") else (op_here or state.get("op") or "Conv2d")
        where: dict[str, str] = {}
        for pm in re.finditer(r"(?<![A-Za-z\\’′'])p\s*=(?![’′'=])", text[:m.start()]):
            definition = _rhs(text, pm.end(), stop_at_equals=True)
            if definition:
                try:
                    where["p"] = normalise_math(definition)
                except ExpressionError:  # half a formula (a truncated \frac{) proposes nothing
                    pass
        if where.get("p") == "0":
            where.pop("p")
        grid: dict[str, list[int]] = {}
        # "same" padding p = floor(k/2) keeps the size only for odd kernels, as such sources assume
        if "odd" in text.lower() or "floor" in where.get("p", ""):
            grid["k"] = [1, 3, 5, 7]
        if re.search(r"s\s*>\s*1", text):
            grid["s"] = [2, 3]
        try:
            formula = normalise_math(rhs)
            _expr, _defs, free = formula_variables(formula, where)
        except (ExpressionError, FormulaProblem):
            continue
        if "i" not in free and "i" not in where:
            continue
        check: dict[str, Any] = {"kind": "formula", "op": op, "formula": formula}
        if where:
            check["where"] = where
        if grid:
            check["grid"] = grid
        out.add(_slug("formula", op, ctx.source(line) or ""), _claim_text(ctx, line, m.start(), m.end() + len(rhs)), check, ctx.source(line))


# --------------------------------------------------------------------------- entry points


def suggest_claims(
    digest_key_points: str,
    *,
    title: str | None = None,
    focus: str | None = None,
    existing_ids: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Claims with checks for the numbers this module recognises in ``digest_key_points``.

    Returns plain dicts in the order the numbers appear, each with ``id``,
    ``text``, ``status: not-verified``, an optional ``source`` ("Table 4") and
    a ``check``; ids are unique among themselves and ``existing_ids``.
    """
    if not digest_key_points or not digest_key_points.strip():
        return []
    ctx = _Context(digest_key_points, title, focus)
    out = _Builder(existing_ids)
    arith_state: dict[str, Any] = {}
    formula_state: dict[str, Any] = {}
    for line in ctx.lines:
        consumed: list[tuple[int, int]] = []
        _weights(line, ctx, out, consumed)
        _ratio(line, ctx, out, consumed)
        _params(line, ctx, out, consumed)
        _compute(line, ctx, out, consumed)
        _accuracy(line, ctx, out, consumed)
        _arithmetic(line, ctx, out, arith_state)
        _patches(line, ctx, out)
        _formulas(line, ctx, out, formula_state)
    return out.claims
