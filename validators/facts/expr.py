"""A small, safe arithmetic evaluator for formulas and arithmetic claims.

Cards are data, so an expression in a card is never handed to ``eval``.  It
is parsed with :mod:`ast` and walked here with a whitelist: numbers, the
variables the check declares, ``+ - * / // % **``, unary signs, and a few
named functions (floor, ceil, sqrt, log, log2, abs, min, max, round).
Everything else (attribute access, subscripts, names that are not variables,
keyword arguments, lambdas, comprehensions...) is refused with a message.

Division of integers is exact (``fractions.Fraction``), so
``floor((i + 2*p - k) / s) + 1`` is computed exactly as written.  Powers are
bounded so a card cannot ask for ``10**10**10`` (nor for ``(1/10**30)**64``,
whose denominator would grow without end): integers and fractions stay within
10**30 in magnitude and in denominator.  A fractional power (``2**0.5``) is
computed in floating point; one that has no real value (``(-8)**(1/3)``) is
refused.

:func:`normalise_math` turns the notation digests use ("3·16·16", "27C²",
"⌊(i+2p−k)/s⌋+1", ``\\frac{i-k}{s}``, "s(i'-1)") into this syntax; it is used
by suggestions and accepted in checks, so an author can paste a formula.
"""

from __future__ import annotations

import ast
import math
import re
from fractions import Fraction
from typing import Callable, Mapping, Union

Value = Union[int, Fraction, float]

MAX_EXPRESSION_CHARS = 500
MAX_EXPONENT = 64
MAX_MAGNITUDE = 10**30


class ExpressionError(ValueError):
    """An expression we refuse to evaluate, or cannot."""


def _floor(x: Value) -> int:
    return math.floor(x)


def _ceil(x: Value) -> int:
    return math.ceil(x)


def _sqrt(x: Value) -> Value:
    if x < 0:
        raise ExpressionError("sqrt of a negative number")
    r = math.isqrt(int(x)) if (isinstance(x, int) or (isinstance(x, Fraction) and x.denominator == 1)) else None
    if r is not None and r * r == x:
        return r
    return math.sqrt(x)


def _log(x: Value, base: Value | None = None) -> float:
    if x <= 0:
        raise ExpressionError("log of a non-positive number")
    return math.log(x) if base is None else math.log(x, base)


def _log2(x: Value) -> float:
    if x <= 0:
        raise ExpressionError("log of a non-positive number")
    return math.log2(x)


FUNCTIONS: dict[str, Callable[..., Value]] = {
    "floor": _floor,
    "ceil": _ceil,
    "sqrt": _sqrt,
    "log": _log,
    "log2": _log2,
    "abs": abs,
    "min": min,
    "max": max,
    "round": round,
}

_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


def _num(x: Value) -> Value:
    if isinstance(x, complex):
        # a negative number to a fractional power, e.g. (-8)**(1/3): not a real number
        raise ExpressionError("result is not a real number")
    if isinstance(x, bool) or not isinstance(x, (int, Fraction, float)):
        raise ExpressionError(f"result is not a number: {x!r}")
    if isinstance(x, Fraction) and x.denominator == 1:
        x = int(x)
    if isinstance(x, (int, Fraction)) and abs(x) > MAX_MAGNITUDE:
        raise ExpressionError("number too large")
    # exact fractions grow digits in the denominator too: (1/10**30)**64 is small but has
    # 1920 digits, and powers of it would never finish
    if isinstance(x, Fraction) and x.denominator > MAX_MAGNITUDE:
        raise ExpressionError("fraction too precise (denominator above 10**30)")
    if isinstance(x, float) and not math.isfinite(x):
        raise ExpressionError("result is not a finite number")
    return x


def _power(left: Value, right: Value) -> Value:
    """``left ** right``, bounded both ways: no huge numbers, no endless fractions."""
    if abs(right) > MAX_EXPONENT:
        raise ExpressionError("power too large")
    if left != 0 and abs(right) * abs(math.log10(abs(left))) > 30:
        # |log10| bounds tiny bases as well as large ones: 10**40 and (1/10)**40 alike
        raise ExpressionError("power too large")
    integral = (isinstance(right, int)
                or (isinstance(right, Fraction) and right.denominator == 1)
                or (isinstance(right, float) and right.is_integer()))
    if not integral:
        # 2**0.5 is irrational: compute it in floating point (a negative base gives a
        # complex number, which _num refuses)
        return _num(float(left) ** float(right))
    if isinstance(left, float):
        return _num(left ** int(right))
    return _num(Fraction(left) ** int(right))


class Expression:
    """A parsed, validated expression; call :meth:`evaluate` with variable values."""

    def __init__(self, text: str):
        if len(text) > MAX_EXPRESSION_CHARS:
            raise ExpressionError(f"expression longer than {MAX_EXPRESSION_CHARS} characters")
        self.text = text
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"cannot parse {text!r}: {exc.msg}") from None
        self.names: set[str] = set()
        self._check(tree.body)
        self.tree = tree.body

    def _check(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(f"only numbers are allowed, not {node.value!r}")
        elif isinstance(node, ast.Name):
            # a call's func is never visited here, so a function name seen here is used as
            # a value ("floor" alone, "floor + 1"), which has no number to give
            if node.id in FUNCTIONS:
                raise ExpressionError(f"{node.id!r} is a function: call it, e.g. {node.id}(x)")
            self.names.add(node.id)
        elif isinstance(node, ast.BinOp):
            if not isinstance(node.op, _BINOPS):
                raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
            self._check(node.left)
            self._check(node.right)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.UAdd, ast.USub)):
                raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
            self._check(node.operand)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                what = node.func.id if isinstance(node.func, ast.Name) else type(node.func).__name__
                raise ExpressionError(f"function {what!r} is not allowed (allowed: {', '.join(FUNCTIONS)})")
            if node.keywords:
                raise ExpressionError("keyword arguments are not allowed")
            for arg in node.args:
                if isinstance(arg, ast.Starred):
                    raise ExpressionError("* arguments are not allowed")
                self._check(arg)
        else:
            raise ExpressionError(f"{type(node).__name__} is not allowed in an expression")

    def evaluate(self, variables: Mapping[str, Value] | None = None) -> Value:
        variables = variables or {}
        missing = sorted(n for n in self.names if n not in variables)
        if missing:
            raise ExpressionError(f"no value for {', '.join(missing)} in {self.text!r}")
        return self._eval(self.tree, variables)

    def _eval(self, node: ast.AST, env: Mapping[str, Value]) -> Value:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            v = env[node.id]
            return Fraction(v).limit_denominator(10**12) if isinstance(v, float) and v.is_integer() else v
        if isinstance(node, ast.UnaryOp):
            v = self._eval(node.operand, env)
            return -v if isinstance(node.op, ast.USub) else +v
        if isinstance(node, ast.Call):
            args = [self._eval(a, env) for a in node.args]
            try:
                return _num(FUNCTIONS[node.func.id](*args))  # type: ignore[union-attr]
            except (TypeError, ValueError, ZeroDivisionError, OverflowError) as exc:
                if isinstance(exc, ExpressionError):
                    raise
                raise ExpressionError(f"{node.func.id}(): {exc}") from None  # type: ignore[union-attr]
        assert isinstance(node, ast.BinOp)
        left = self._eval(node.left, env)
        right = self._eval(node.right, env)
        op = node.op
        try:
            if isinstance(op, ast.Add):
                return _num(left + right)
            if isinstance(op, ast.Sub):
                return _num(left - right)
            if isinstance(op, ast.Mult):
                return _num(left * right)
            if isinstance(op, ast.Div):
                if isinstance(left, (int, Fraction)) and isinstance(right, (int, Fraction)):
                    return _num(Fraction(left) / Fraction(right))
                return _num(left / right)
            if isinstance(op, ast.FloorDiv):
                return _num(left // right)
            if isinstance(op, ast.Mod):
                return _num(left % right)
            if isinstance(op, ast.Pow):
                return _power(left, right)
        except ZeroDivisionError:
            raise ExpressionError("division by zero") from None
        except OverflowError:
            raise ExpressionError("result is not a finite number") from None
        raise ExpressionError("unsupported operation")  # pragma: no cover


def evaluate(text: str, variables: Mapping[str, Value] | None = None) -> Value:
    return Expression(normalise_math(text)).evaluate(variables)


def as_float(v: Value) -> float:
    return float(v)


# --------------------------------------------------------------------------- notation

_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9"}
_FUNC_WORDS = tuple(FUNCTIONS)


def _replace_frac(text: str) -> str:
    """``\\frac{a}{b}`` -> ``((a)/(b))``, innermost first, braces balanced."""
    while True:
        idx = text.find("\\frac")
        if idx < 0:
            return text
        pos = idx + len("\\frac")
        parts = []
        for _ in range(2):
            while pos < len(text) and text[pos] == " ":
                pos += 1
            if pos >= len(text) or text[pos] != "{":
                raise ExpressionError("\\frac needs two {...} arguments")
            depth, start = 0, pos
            while pos < len(text):
                if text[pos] == "{":
                    depth += 1
                elif text[pos] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                pos += 1
            parts.append(text[start + 1 : pos])
            pos += 1
        text = text[:idx] + f"(({parts[0]})/({parts[1]}))" + text[pos:]


def normalise_math(text: str) -> str:
    """Prose and LaTeX-ish math into evaluator syntax (see the module docstring)."""
    t = text.strip()
    t = t.replace("\\left", "").replace("\\right", "")
    t = _replace_frac(t)
    t = re.sub(r"\\lfloor|⌊", " floor(", t)
    t = re.sub(r"\\rfloor|⌋", ") ", t)
    t = re.sub(r"\\lceil|⌈", " ceil(", t)
    t = re.sub(r"\\rceil|⌉", ") ", t)
    t = re.sub(r"\\bmod|\\mod|\bmod\b", " % ", t)
    t = re.sub(r"\\cdot|\\times|·|×|⋅|∙", "*", t)
    t = t.replace("−", "-").replace("–", "-").replace("÷", "/").replace("\\,", " ")
    t = re.sub(r"\\sqrt\s*\{([^{}]*)\}", r"sqrt(\1)", t)
    t = re.sub(r"\\hat\s*\{?\s*([A-Za-z])\s*\}?", r"\1", t)
    t = t.replace("{", "(").replace("}", ")").replace("^", "**")
    t = re.sub(r"[’′']", "", t)  # primes: i' is the transposed conv's input, still i
    t = re.sub("[" + "".join(_SUPERSCRIPTS) + "]+", lambda m: "**" + "".join(_SUPERSCRIPTS[c] for c in m.group()), t)
    # implicit multiplication: 2p, 27C, 2(..., )(, )x, x( for single-letter variables
    t = re.sub(r"(\d)\s*([A-Za-z(])", r"\1*\2", t)
    t = re.sub(r"\)\s*([A-Za-z0-9(])", r")*\1", t)
    t = re.sub(r"\b([A-Za-z])\s*\(", lambda m: f"{m.group(1)}*(", t)
    t = re.sub(r"\b([A-Za-z])\s+([A-Za-z])\b", r"\1*\2", t)
    t = re.sub(r"\s+", " ", t).strip()
    t = re.sub(r"\(\s+", "(", t)
    t = re.sub(r"\s+\)", ")", t)
    # undo the damage implicit multiplication does to function names and scientific notation
    for fn in _FUNC_WORDS:
        t = t.replace(f"{fn}*(", f"{fn}(")
    t = re.sub(r"(\d)\*e\*?\*?([+-]?\d)", r"\1e\2", t)
    return t
