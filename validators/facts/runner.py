"""The fact runner: re-measure every claim that carries a check.

Pipeline: collect the claims with checks -> plan the measurements each needs
-> take the ones the cache does not have (this is the only step that
imports torch) -> compare each stated value with its measurement -> for a
mismatch, measure the usual alternatives (the other FLOP convention,
convolutions alone, the paper's ResNet v1, the model's other pretrained
weights...) so the hint can say under which convention the claim would
hold.

Results are per claim (:class:`FactResult`), keyed by the claim's uid
(``<card-id>#<claim-id>``), with status ``ok``, ``mismatch``,
``uncheckable`` or ``error``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from kb.checks import (
    ArithmeticCheck,
    ComputeCheck,
    FormulaCheck,
    Measure,
    OutputShapeCheck,
    ParamsCheck,
    RatioCheck,
    WeightsMetaCheck,
)
from kb.config import FactsConfig
from kb.store import KnowledgeBase
from validators.facts.cache import FactCache, installed_versions
from validators.facts.catalog import AUX_SWITCHES, MODELS, NAMED_CONFIGS, SHIPPED_DEFAULTS, WEIGHTS, as_shipped, resolve_weights
from validators.facts.expr import Expression, ExpressionError, normalise_math
from validators.facts.values import Stated, StatedValueError, format_like, format_number, parse_stated

STATUSES = ("ok", "mismatch", "uncheckable", "error")

MACS_CONVENTION = "multiply-adds, i.e. torch's flop counter / 2, as in torchvision's GFLOPS column"
FLOPS_CONVENTION = "FLOPs with a multiply-add counted as 2, as torch.utils.flop_counter counts"


@dataclass
class FactResult:
    """The outcome of one claim's check."""

    uid: str
    card: str  # "digest:resnet"
    card_kind: str
    card_id: str
    claim_id: str
    claim_index: int
    path: str
    kind: str
    status: str  # ok / mismatch / uncheckable / error
    claimed: str
    measured: str | None = None
    measured_value: Any = None
    convention: str = ""
    model: str | None = None
    message: str = ""
    hint: str | None = None
    counterexample: dict[str, Any] | None = None
    cached: bool = False
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FactReport:
    results: dict[str, FactResult] = field(default_factory=dict)
    versions: dict[str, str] | None = None
    device: str = "auto"
    measured: int = 0
    cached: int = 0
    models_built: int = 0
    seconds: float = 0.0
    torch_imported: bool = False

    def get(self, uid: str) -> FactResult | None:
        return self.results.get(uid)

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for r in self.results.values():
            out[r.status] += 1
        return out

    def summary_line(self) -> str:
        counts = self.counts()
        parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "nothing to check"
        vers = f"torch {self.versions['torch']}, torchvision {self.versions['torchvision']}" if self.versions else "torch not installed"
        return (
            f"facts: {len(self.results)} checks: {parts}; {self.measured} measured, {self.cached} cached "
            f"in {self.seconds:.2f}s ({vers}, device {self.device})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "versions": self.versions,
            "device": self.device,
            "measured": self.measured,
            "cached": self.cached,
            "seconds": round(self.seconds, 3),
            "counts": self.counts(),
            "results": [r.to_dict() for r in self.results.values()],
        }


@dataclass
class FactJob:
    uid: str
    card_kind: str
    card_id: str
    path: str
    claim_id: str
    claim_index: int
    check: Any


def collect_jobs(kb: KnowledgeBase) -> list[FactJob]:
    jobs: list[FactJob] = []
    for table in (kb.topics, kb.digests):
        for card in table.values():
            for i, claim in enumerate(getattr(card.model, "claims", []) or []):
                if claim.check is None:
                    continue
                jobs.append(FactJob(f"{card.id}#{claim.id}", card.kind, card.id, card.rel, claim.id, i, claim.check))
    return jobs


# --------------------------------------------------------------------------- planning


def _model_key(model: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {"m": "model", "model": model, "kwargs": dict(sorted(kwargs.items()))}


def _compute_key(model: str, kwargs: dict[str, Any], input_size: list[int]) -> dict[str, Any]:
    return {"m": "compute", "model": model, "kwargs": dict(sorted(kwargs.items())), "input_size": list(input_size)}


@dataclass
class _Setup:
    """What a params or compute check measures once its ``weights`` are applied."""

    kwargs: dict[str, Any]
    input_size: list[int]
    weights: str | None = None  # the full name, Enum.MEMBER
    problem: str | None = None


def _setup(model: str, kwargs: dict[str, Any], weights: str | None, input_size: list[int] | None) -> _Setup:
    """The builder arguments and input a check means: the weights' own where it names weights,
    under the check's explicit ``model_kwargs`` and ``input_size``."""
    default_input = [3, 224, 224]
    if not weights:
        return _Setup(dict(kwargs), list(input_size or default_input))
    full = resolve_weights(model, weights)
    if full is None:
        row = MODELS.get(model)
        if row is None or row[1] is None:
            why = f"{model} has no pretrained weights in torchvision" if model in MODELS or model in NAMED_CONFIGS \
                else f"unknown model {model!r}"
        else:
            why = f"{model} has no weights {weights!r} (its weights: {row[1]}: {', '.join(row[2])}, or DEFAULT)"
        return _Setup(dict(kwargs), list(input_size or default_input), None, why)
    size, shipped = as_shipped(full)
    return _Setup({**shipped, **kwargs}, list(input_size or (list(size) if size else default_input)), full)


def _check_setup(check: Any) -> _Setup:
    given = list(check.input_size) if isinstance(check, ComputeCheck) and "input_size" in check.model_fields_set else None
    return _setup(check.model, check.model_kwargs, getattr(check, "weights", None), given)


def _measure_key(m: Measure) -> dict[str, Any]:
    if m.measure == "params":
        return _model_key(m.model, m.model_kwargs)
    return _compute_key(m.model, m.model_kwargs, m.input_size)


def _weights_key(weights: str) -> dict[str, Any]:
    return {"m": "weights", "weights": weights.strip()}


def needs(check: Any, config: FactsConfig) -> list[dict[str, Any]]:
    """The measurements a check compares against."""
    if isinstance(check, ParamsCheck):
        setup = _check_setup(check)
        return [] if setup.problem else [_model_key(check.model, setup.kwargs)]
    if isinstance(check, ComputeCheck):
        setup = _check_setup(check)
        return [] if setup.problem else [_compute_key(check.model, setup.kwargs, setup.input_size)]
    if isinstance(check, OutputShapeCheck):
        if len(check.input_shape) == 4 and check.input_shape[0] == 1:
            # one image: the compute measurement runs this very forward pass and keeps its shape
            return [_compute_key(check.model, check.model_kwargs, check.input_shape[1:])]
        return [{"m": "shape", "model": check.model, "kwargs": dict(sorted(check.model_kwargs.items())), "input_shape": list(check.input_shape)}]
    if isinstance(check, WeightsMetaCheck):
        return [_weights_key(check.weights)]
    if isinstance(check, FormulaCheck):
        return [{
            "m": "formula", "op": check.op, "formula": check.formula, "where": dict(sorted(check.where.items())),
            "grid": {k: list(v) for k, v in sorted(check.grid.items())}, "op_kwargs": dict(sorted(check.op_kwargs.items())),
            "max_cases": config.formula_max_cases,
        }]
    if isinstance(check, RatioCheck):
        return [_measure_key(check.numerator), _measure_key(check.denominator)]
    return []  # arithmetic needs no measurement


# --------------------------------------------------------------------------- measuring


class _Measurements:
    """Cache first, torch second; remembers what happened for the summary."""

    def __init__(self, cache: FactCache, versions: dict[str, str] | None, device: str, say: Callable[[str], None]):
        self.cache = cache
        self.versions = versions
        self.device = device
        self.say = say
        self.values: dict[str, dict[str, Any]] = {}
        self.cached_keys: set[str] = set()
        self.measured = 0
        self.torch_imported = False
        self._measurer: Any = None
        self._measurer_error: str | None = None

    @staticmethod
    def _id(key: dict[str, Any]) -> str:
        import json

        return json.dumps(key, sort_keys=True)

    def get(self, key: dict[str, Any]) -> dict[str, Any]:
        return self.values[self._id(key)]

    def was_cached(self, key: dict[str, Any]) -> bool:
        return self._id(key) in self.cached_keys

    def ensure(self, keys: Iterable[dict[str, Any]]) -> None:
        todo: list[dict[str, Any]] = []
        for key in keys:
            kid = self._id(key)
            if kid in self.values:
                continue
            hit = self.cache.get(key)
            if hit is not None:
                self.values[kid] = hit
                self.cached_keys.add(kid)
            else:
                todo.append(key)
        if not todo:
            return
        # build each model config once: take its measurements one after another
        todo.sort(key=lambda k: (k.get("model", ""), str(k.get("kwargs", "")), k["m"]))
        for n, key in enumerate(todo, 1):
            kid = self._id(key)
            if kid in self.values:
                continue
            self.say(f"facts: measuring {describe_key(key)} [{n}/{len(todo)}]")
            self.values[kid] = self._take(key)

    def _take(self, key: dict[str, Any]) -> dict[str, Any]:
        if self.versions is None:
            return {"uncheckable": "torch and torchvision are not installed (pip install 'kb-curriculum[facts]')"}
        measurer = self._get_measurer()
        if measurer is None:
            return {"uncheckable": self._measurer_error or "cannot measure"}
        from validators.facts.measure import Uncheckable

        try:
            value = measurer.measure(key)
        except Uncheckable as exc:
            value = {"uncheckable": str(exc)}
        except Exception as exc:  # a surprise: report it, do not cache it, retry next run
            return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"}
        self.measured += 1
        self.cache.put(key, value)
        return value

    def _get_measurer(self) -> Any:
        if self._measurer is None and self._measurer_error is None:
            self.say("facts: importing torch")
            self.torch_imported = True
            from validators.facts.measure import Measurer, Uncheckable

            try:
                self._measurer = Measurer(self.device, say=self.say)
            except Uncheckable as exc:
                self._measurer_error = str(exc)
        return self._measurer


def describe_key(key: dict[str, Any]) -> str:
    m = key["m"]
    if m == "weights":
        return f"weights metadata of {key['weights']}"
    if m == "formula":
        return f"{key['op']} output size"
    name = describe_model(key["model"], key["kwargs"])
    if m == "compute":
        return f"compute of {name} at {'×'.join(map(str, key['input_size']))}"
    if m == "shape":
        return f"output shape of {name}"
    return f"parameters of {name}"


def describe_model(model: str, kwargs: dict[str, Any]) -> str:
    if not kwargs:
        return model
    return f"{model}(" + ", ".join(f"{k}={v!r}" for k, v in sorted(kwargs.items())) + ")"


# --------------------------------------------------------------------------- comparing


@dataclass
class _Outcome:
    status: str
    claimed: str
    measured: str | None = None
    measured_value: Any = None
    convention: str = ""
    model: str | None = None
    message: str = ""
    hint: str | None = None
    counterexample: dict[str, Any] | None = None
    method: str = ""


def _problem(value: dict[str, Any]) -> tuple[str, str] | None:
    if "uncheckable" in value:
        return "uncheckable", value["uncheckable"]
    if "error" in value:
        return "error", value["error"]
    return None


def _stated(value: Any, check: Any, config: FactsConfig, *, bare_multiplier: float = 1.0) -> Stated:
    stated = parse_stated(value, bare_multiplier=bare_multiplier)
    tol = check.tolerance if check.tolerance is not None else config.default_tolerance
    return stated.with_relative(tol) if tol is not None else stated


def _params_value(v: dict[str, Any], exclude_head: bool) -> int:
    return int(v["params"] - (v["head_params"] if exclude_head else 0))


def _compute_value(v: dict[str, Any], kind: str) -> float:
    return v["flops"] / 2 if kind == "macs" else float(v["flops"])


def _params_convention(model: str, kwargs: dict[str, Any], exclude_head: bool, v: dict[str, Any]) -> str:
    conv = "parameters without the classification head" if exclude_head else "all parameters"
    if exclude_head and v.get("head"):
        conv += f" ({v['head']}: {v['head_params']:,})"
    defaults = {k: d for k, d in SHIPPED_DEFAULTS.get(model, {}).items() if k not in kwargs and k != "init_weights"}
    if defaults:
        conv += ", as the pretrained weights ship (" + ", ".join(f"{k}={d}" for k, d in defaults.items()) + ")"
    return conv


def _where(v: dict[str, Any]) -> str:
    where = v.get("built_on")
    if not where:
        return ""
    if v.get("fallback"):
        if str(v["fallback"]).startswith("built on the CPU"):
            return "built on the CPU without initialising weights, counted on meta"
        return f"built on {where}; meta failed"
    return f"built on {where}"


#: what an outcome hands on to its FactResult as it is (``method`` goes into the evidence)
_VERDICT_FIELDS = tuple(f for f in fields(_Outcome) if f.name != "method")


def evaluate(job: FactJob, m: _Measurements, config: FactsConfig) -> _Outcome:
    check = job.check
    try:
        if isinstance(check, ParamsCheck):
            return _eval_params(check, m, config)
        if isinstance(check, ComputeCheck):
            return _eval_compute(check, m, config)
        if isinstance(check, OutputShapeCheck):
            return _eval_shape(check, m, config)
        if isinstance(check, WeightsMetaCheck):
            return _eval_weights(check, m, config)
        if isinstance(check, FormulaCheck):
            return _eval_formula(check, m, config)
        if isinstance(check, RatioCheck):
            return _eval_ratio(check, m, config)
        if isinstance(check, ArithmeticCheck):
            return _eval_arithmetic(check, config)
    except StatedValueError as exc:
        return _Outcome("uncheckable", str(getattr(check, "value", "")), message=str(exc))
    return _Outcome("uncheckable", "", message=f"unsupported check kind {getattr(check, 'kind', '?')!r}")  # pragma: no cover


def _describe_setup(model: str, setup: _Setup) -> str:
    name = describe_model(model, setup.kwargs)
    return f"{name} as {setup.weights} ship" if setup.weights else name


def _eval_params(check: ParamsCheck, m: _Measurements, config: FactsConfig) -> _Outcome:
    setup = _check_setup(check)
    model = _describe_setup(check.model, setup)
    stated = _stated(check.value, check, config)
    if setup.problem:
        return _Outcome("uncheckable", stated.text, model=model, message=f"cannot count the parameters: {setup.problem}")
    v = m.get(_model_key(check.model, setup.kwargs))
    if (p := _problem(v)):
        return _Outcome(p[0], stated.text, model=model, message=f"cannot count the parameters of {model}: {p[1]}")
    measured = _params_value(v, check.exclude_head)
    conv = _params_convention(check.model, setup.kwargs, check.exclude_head, v)
    ok = stated.holds_for(measured)
    text = f"{measured:,}"
    shown = text if stated.multiplier == 1 else f"{text} ({format_like(measured, stated)})"
    msg = f"claimed {stated.text} params for {model}; measured {shown} ({conv}; {_where(v)})"
    return _Outcome("ok" if ok else "mismatch", stated.text, text, measured, conv, model, msg,
                    method=f"parameter count of {model}, {_where(v)}")


def _eval_compute(check: ComputeCheck, m: _Measurements, config: FactsConfig) -> _Outcome:
    setup = _check_setup(check)
    model = _describe_setup(check.model, setup)
    at = "×".join(map(str, setup.input_size))
    stated = _stated(check.value, check, config, bare_multiplier=1e9)
    unit = "multiply-adds" if check.kind == "macs" else "FLOPs"
    if setup.problem:
        return _Outcome("uncheckable", stated.text, model=model, message=f"cannot count the {unit}: {setup.problem}")
    v = m.get(_compute_key(check.model, setup.kwargs, setup.input_size))
    if (p := _problem(v)):
        return _Outcome(p[0], stated.text, model=model, message=f"cannot count the {unit} of {model}: {p[1]}")
    measured = _compute_value(v, check.kind)
    conv = MACS_CONVENTION if check.kind == "macs" else FLOPS_CONVENTION
    text = f"{format_like(measured, stated)} {unit}"
    msg = f"claimed {stated.text} {unit} for {model} at {at}; measured {format_like(measured, stated)} ({conv}; {_where(v)})"
    return _Outcome("ok" if stated.holds_for(measured) else "mismatch", stated.text, text, measured, conv, model, msg,
                    method=f"torch.utils.flop_counter on {model} at {at}, {_where(v)}")


def _eval_shape(check: OutputShapeCheck, m: _Measurements, config: FactsConfig) -> _Outcome:
    # the key must be the one planned with the run's own config, or the look-up misses
    key = needs(check, config)[0]
    v = m.get(key)
    model = describe_model(check.model, check.model_kwargs)
    claimed = "×".join(map(str, check.value))
    if (p := _problem(v)):
        return _Outcome(p[0], claimed, model=model, message=f"cannot run {model}: {p[1]}")
    shape = v.get("shape")
    if shape is None:
        return _Outcome("error", claimed, model=model, message=f"no output shape was recorded for {model}")
    text = "×".join(map(str, shape))
    ok = list(shape) == list(check.value)
    msg = f"claimed output shape {claimed} for {model} on input {'×'.join(map(str, check.input_shape))}; measured {text}"
    return _Outcome("ok" if ok else "mismatch", claimed, text, shape, "output shape", model, msg,
                    method=f"forward pass of {model}, {_where(v)}")


def _weights_field(v: dict[str, Any], check: WeightsMetaCheck) -> Any:
    if check.field in ("acc@1", "acc@5"):
        metrics = v.get("metrics", {})
        dataset = _dataset(check, metrics)
        if dataset not in metrics:
            raise LookupError(f"no {check.dataset} metrics (has: {', '.join(metrics) or 'none'})")
        return metrics[dataset].get(check.field)
    return v.get(check.field)


def _dataset(check: WeightsMetaCheck, metrics: dict[str, Any]) -> str:
    """The metrics table an accuracy comes from: the one named, or, when the check names
    none and the weights have one table with that field (Kinetics-400 for video), that one."""
    if "dataset" in check.model_fields_set or check.dataset in metrics:
        return check.dataset
    having = [ds for ds, vals in metrics.items() if isinstance(vals, dict) and check.field in vals]
    return having[0] if len(having) == 1 else check.dataset


def _compare_meta(check: WeightsMetaCheck, actual: Any, config: FactsConfig) -> tuple[bool, str, str]:
    """(holds, claimed text, measured text)."""
    if check.field == "min_size":
        want = check.value
        if isinstance(want, str):
            want = [int(x) for x in normalise_math(want).replace("*", " ").replace(",", " ").split()]
        elif isinstance(want, int):
            want = [want, want]
        return list(want) == list(actual), "×".join(map(str, want)), "×".join(map(str, actual))
    stated = _stated(check.value, check, config)
    scale = 1.0
    if stated.multiplier != 1:  # "17.56G" against _ops in G; "330.3 MB" against _file_size in MB
        scale = {"_ops": 1e9, "_file_size": 1e6}.get(check.field, 1.0)
    measured = float(actual) * scale
    return stated.holds_for(measured), stated.text, format_number(actual)


def _eval_weights(check: WeightsMetaCheck, m: _Measurements, config: FactsConfig) -> _Outcome:
    v = m.get(_weights_key(check.weights))
    claimed = str(check.value)
    if (p := _problem(v)):
        return _Outcome(p[0], claimed, message=f"cannot read {check.weights}: {p[1]}")
    try:
        actual = _weights_field(v, check)
    except LookupError as exc:
        return _Outcome("uncheckable", claimed, message=f"{v['member']}: {exc}")
    if actual is None:
        return _Outcome("uncheckable", claimed, message=f"{v['member']} has no {check.field} in its metadata")
    ok, claimed, text = _compare_meta(check, actual, config)
    conv = f"torchvision weights metadata, {check.field}" + (f" on {_dataset(check, v.get('metrics', {}))}" if check.field.startswith("acc") else "")
    member = v["member"] + (" (the DEFAULT weights)" if check.weights.strip().endswith(".DEFAULT") else "")
    msg = f"claimed {check.field} {claimed} for {member}; torchvision's metadata says {text}"
    return _Outcome("ok" if ok else "mismatch", claimed, text, actual, conv, v["member"], msg,
                    method=f"torchvision weights metadata of {v['member']} (no download)")


def _eval_formula(check: FormulaCheck, m: _Measurements, config: FactsConfig) -> _Outcome:
    # the key holds formula_max_cases: it must be planned and looked up with the same config
    key = needs(check, config)[0]
    v = m.get(key)
    conv = f"output size of torch.nn.{check.op}" + (f" ({', '.join(f'{k}={x}' for k, x in check.op_kwargs.items())})" if check.op_kwargs else "")
    if (p := _problem(v)):
        return _Outcome(p[0], check.formula, convention=conv, model=check.op, message=f"cannot check the formula against {check.op}: {p[1]}")
    if v["ok"]:
        msg = f"formula {check.formula!r} agrees with torch.nn.{check.op} on {v['checked']} cases"
        return _Outcome("ok", check.formula, f"agrees on {v['checked']} cases", None, conv, check.op, msg,
                        method=f"output size of torch.nn.{check.op} over a grid of {v['checked']} cases")
    ce = dict(v["counterexample"])
    got_formula, got_torch = ce.pop("formula"), ce.pop("torch")
    order = ("i", "k", "s", "p", "d", "a")
    where = ", ".join(f"{k}={ce[k]}" for k in sorted(ce, key=lambda k: order.index(k) if k in order else len(order)))
    msg = (f"formula {check.formula!r} disagrees with torch.nn.{check.op}: at {where} it gives {got_formula}, "
           f"torch gives {got_torch} (smallest counterexample of {v['checked']} cases tried)")
    return _Outcome("mismatch", check.formula, f"{got_torch} at {where}", got_torch, conv, check.op, msg,
                    counterexample=v["counterexample"], method=f"output size of torch.nn.{check.op}")


def _measure_value(meas: Measure, v: dict[str, Any]) -> float:
    if meas.measure == "params":
        return float(_params_value(v, meas.exclude_head))
    return _compute_value(v, meas.measure)


def _eval_ratio(check: RatioCheck, m: _Measurements, config: FactsConfig) -> _Outcome:
    num_v = m.get(_measure_key(check.numerator))
    den_v = m.get(_measure_key(check.denominator))
    stated = _stated(check.value, check, config)
    what = f"{check.numerator.measure} of {describe_model(check.numerator.model, check.numerator.model_kwargs)} / " \
           f"{check.denominator.measure} of {describe_model(check.denominator.model, check.denominator.model_kwargs)}"
    for v in (num_v, den_v):
        if (p := _problem(v)):
            return _Outcome(p[0], stated.text, model=what, message=f"cannot measure {what}: {p[1]}")
    num, den = _measure_value(check.numerator, num_v), _measure_value(check.denominator, den_v)
    if den == 0:
        return _Outcome("uncheckable", stated.text, model=what, message=f"{what}: the denominator measures 0")
    ratio = num / den
    text = f"{ratio:.3g}"
    conv = f"ratio {what}"
    msg = f"claimed ratio {stated.text} ({what}); measured {text} ({format_number(num)} / {format_number(den)})"
    return _Outcome("ok" if stated.holds_for(ratio) else "mismatch", stated.text, text, ratio, conv, what, msg,
                    method=f"{what}, each measured in torch")


#: most combinations of variable values one arithmetic check tries
MAX_ARITHMETIC_CASES = 10000


def _grid(variables: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every combination of the variables' values, one at a time (never the whole product in memory)."""
    import itertools

    names = list(variables)
    lists = [v if isinstance(v, list) else [v] for v in variables.values()]
    for combo in itertools.product(*lists):
        yield dict(zip(names, combo))


def _grid_size(variables: dict[str, Any]) -> int:
    size = 1
    for v in variables.values():
        size *= len(v) if isinstance(v, list) else 1
    return size


def _eval_arithmetic(check: ArithmeticCheck, config: FactsConfig) -> _Outcome:
    try:
        expr = Expression(normalise_math(check.expression))
        other = Expression(normalise_math(check.equals)) if check.equals is not None else None
    except ExpressionError as exc:
        return _Outcome("uncheckable", check.expression, message=f"cannot read the arithmetic: {exc}")
    conv = "exact arithmetic"
    if _grid_size(check.variables) > MAX_ARITHMETIC_CASES:
        return _Outcome("uncheckable", check.expression,
                        message=f"the variables give {_grid_size(check.variables):,} combinations; at most {MAX_ARITHMETIC_CASES:,} are tried")
    for env in _grid(check.variables):
        env = {k: (int(x) if isinstance(x, float) and x.is_integer() else x) for k, x in env.items()}
        try:
            left = expr.evaluate(env)
            right = other.evaluate(env) if other is not None else None
            # the evaluator returns real numbers only; a value float() cannot take is refused
            # here rather than crashing the comparison below
            float(left)
            if right is not None:
                float(right)
        except ExpressionError as exc:
            return _Outcome("uncheckable", check.expression, message=f"cannot evaluate {check.expression!r}: {exc}")
        except (TypeError, ValueError, OverflowError) as exc:
            return _Outcome("uncheckable", check.expression,
                            message=f"cannot evaluate {check.expression!r}: the result is not a real number ({exc})")
        at = f" at {', '.join(f'{k}={x}' for k, x in env.items())}" if env else ""
        if other is not None:
            ok = left == right or abs(float(left) - float(right)) <= 1e-9 * max(1.0, abs(float(right)))
            if not ok:
                msg = f"claimed {check.expression} = {check.equals}; but{at} the left side is {format_number(float(left))} and the right {format_number(float(right))}"
                return _Outcome("mismatch", f"{check.expression} = {check.equals}", format_number(float(left)), float(left), conv, None, msg)
            continue
        stated = _stated(check.value, check, config)
        ok = stated.holds_for(float(left))
        if not ok:
            msg = f"claimed {check.expression} = {stated.text}; computed {format_number(float(left))}{at} ({stated.describe_tolerance()})"
            return _Outcome("mismatch", stated.text, format_number(float(left)), float(left), conv, None, msg)
    claimed = check.equals if check.equals is not None else str(check.value)
    final = float(left) if check.value is not None else None
    return _Outcome("ok", claimed, format_number(final) if final is not None else "identity holds", final, conv, None,
                    f"{check.expression} = {claimed} holds", method="exact arithmetic")


# --------------------------------------------------------------------------- hints


@dataclass
class _Alt:
    """Another reading of a claim: it holds if ``value`` (computed from the measurements of ``keys``) matches."""

    describe: str  # "if a multiply-add counts as 2 FLOPs (use kind: flops)"
    keys: list[dict[str, Any]]
    value: Callable[[list[dict[str, Any]]], Any]
    note: str = ""


RESNET_V1 = {"resnet50", "resnet101", "resnet152"}


def _ok(v: dict[str, Any], field_name: str) -> bool:
    return isinstance(v, dict) and field_name in v and _problem(v) is None


def alternatives(check: Any, m: _Measurements | None = None) -> list[_Alt]:
    """The usual other readings of a mismatching claim, to name in the hint."""
    alts: list[_Alt] = []
    if isinstance(check, ParamsCheck):
        setup = _check_setup(check)
        key = _model_key(check.model, setup.kwargs)
        if check.exclude_head:
            alts.append(_Alt("counting the classification head too (exclude_head: false)", [key],
                             lambda vs: vs[0]["params"] if _ok(vs[0], "params") else None))
        else:
            alts.append(_Alt("without the classification head (exclude_head: true)", [key],
                             lambda vs: vs[0]["params"] - vs[0]["head_params"] if _ok(vs[0], "params") and vs[0].get("head_params") else None))
        for switch in AUX_SWITCHES:
            shipped = SHIPPED_DEFAULTS.get(check.model, {})
            if switch not in shipped or switch in check.model_kwargs:
                continue
            flipped = not shipped[switch]
            aux = _model_key(check.model, {**setup.kwargs, switch: flipped})
            said = "with" if flipped else "without"
            alts.append(_Alt(f"{said} the auxiliary head (model_kwargs: {{{switch}: {str(flipped).lower()}}})", [aux],
                             lambda vs, ex=check.exclude_head: _params_value(vs[0], ex) if _ok(vs[0], "params") else None))
        if not check.weights and "image_size" not in check.model_kwargs:
            # a ViT's position embeddings grow with the resolution: the count of weights made for another one
            for full, (_size, shipped_kwargs) in WEIGHTS.items():
                if "image_size" not in shipped_kwargs or resolve_weights(check.model, full) != full:
                    continue
                if shipped_kwargs["image_size"] == 224:
                    continue
                member = full.split(".", 1)[1]
                alt_key = _model_key(check.model, {**check.model_kwargs, **shipped_kwargs})
                alts.append(_Alt(f"as {full} ship, at {shipped_kwargs['image_size']}×{shipped_kwargs['image_size']} "
                                 f"(weights: {member})", [alt_key],
                                 lambda vs, ex=check.exclude_head: _params_value(vs[0], ex) if _ok(vs[0], "params") else None))
    elif isinstance(check, ComputeCheck):
        setup = _check_setup(check)
        key = _compute_key(check.model, setup.kwargs, setup.input_size)
        if check.kind == "macs":
            alts.append(_Alt("if a multiply-add counts as 2 FLOPs, as torch's flop counter does (use kind: flops)", [key],
                             lambda vs: float(vs[0]["flops"]) if _ok(vs[0], "flops") else None))
            alts.append(_Alt("counting convolutions alone (the fully connected layers left out)", [key],
                             lambda vs: vs[0]["conv_flops"] / 2 if _ok(vs[0], "conv_flops") else None))
        else:
            alts.append(_Alt("counting multiply-adds, as torchvision's GFLOPS column and most papers do (use kind: macs)", [key],
                             lambda vs: vs[0]["flops"] / 2 if _ok(vs[0], "flops") else None))
            alts.append(_Alt("counting convolutions alone", [key],
                             lambda vs: float(vs[0]["conv_flops"]) if _ok(vs[0], "conv_flops") else None))
        if check.model in RESNET_V1:
            v1 = _compute_key(f"{check.model}_v1", setup.kwargs, setup.input_size)
            alts.append(_Alt(
                f"for ResNet v1 (model: {check.model}_v1)", [v1],
                lambda vs, kind=check.kind: _compute_value(vs[0], kind) if _ok(vs[0], "flops") else None,
                note=f"The paper's figure is for ResNet v1; torchvision's {check.model} is v1.5, "
                     "which moves the stride-2 of each downsampling block from the first 1x1 conv to the 3x3 conv "
                     "and so costs more compute.",
            ))
    elif isinstance(check, RatioCheck):
        keys = [_measure_key(check.numerator), _measure_key(check.denominator)]

        def swapped(vs: list[dict[str, Any]], c: RatioCheck = check) -> float | None:
            if any(_problem(v) for v in vs):
                return None
            num = _measure_value(c.numerator, vs[0])
            return _measure_value(c.denominator, vs[1]) / num if num else None

        alts.append(_Alt("read the other way round (numerator and denominator swapped)", keys, swapped))
    elif isinstance(check, WeightsMetaCheck) and m is not None:
        v = m.get(_weights_key(check.weights))
        enum = str(v.get("member", "")).split(".")[0]
        for member in v.get("members", []):
            if f"{enum}.{member}" == v.get("member"):
                continue

            def pick(vs: list[dict[str, Any]], c: WeightsMetaCheck = check) -> Any:
                if _problem(vs[0]):
                    return None
                try:
                    return _weights_field(vs[0], c)
                except LookupError:
                    return None

            alts.append(_Alt(f"for {enum}.{member}", [_weights_key(f"{enum}.{member}")], pick))
    return alts


def build_hint(job: FactJob, outcome: _Outcome, m: _Measurements, config: FactsConfig) -> str | None:
    check = job.check
    if outcome.status == "uncheckable":
        if isinstance(check, (ParamsCheck, ComputeCheck, OutputShapeCheck)) and "unknown model" in outcome.message:
            return "use a torchvision registry name (torchvision.models.list_models()) or a named config: " + ", ".join(sorted(NAMED_CONFIGS))
        return None
    if outcome.status != "mismatch":
        return None
    if isinstance(check, FormulaCheck):
        return ("fix the formula, or restrict the grid/where to the cases the source means "
                "(e.g. odd kernels for 'same' padding)")
    holds: list[str] = []
    notes: list[str] = []
    alts = alternatives(check, m)
    m.ensure(k for a in alts for k in a.keys)
    for alt in alts:
        val = alt.value([m.get(k) for k in alt.keys])
        if val is None:
            continue
        try:
            if isinstance(check, WeightsMetaCheck):
                ok, _, shown = _compare_meta(check, val, config)
            else:
                bare = 1e9 if isinstance(check, ComputeCheck) else 1.0
                stated = _stated(check.value, check, config, bare_multiplier=bare)
                ok, shown = stated.holds_for(float(val)), format_like(float(val), stated)
        except (StatedValueError, ValueError, TypeError):
            continue
        if ok:
            holds.append(f"{alt.describe}: measured {shown}")
            if alt.note:
                notes.append(alt.note)
    if holds:
        return "the claim holds " + "; or ".join(holds) + "." + ("" if not notes else " " + " ".join(notes))
    return ("if the measurement is right, correct the claim; if the claim describes another configuration, "
            "say so in the check (model_kwargs, input_size, exclude_head) or mark the claim 'status: disputed' with evidence")


# --------------------------------------------------------------------------- entry point


def _sayer(progress: bool) -> Callable[[str], None]:
    if not progress:
        return lambda _msg: None
    tty = sys.stderr.isatty()

    def say(msg: str) -> None:
        if tty:
            sys.stderr.write("\r\x1b[K" + msg[:120])
        else:
            sys.stderr.write(msg + "\n")
        sys.stderr.flush()

    return say


def run_facts(
    kb: KnowledgeBase,
    config: FactsConfig,
    *,
    cache_dir: Path,
    device: str = "auto",
    progress: bool = True,
    select: Callable[[Any], bool] | None = None,
) -> FactReport:
    """Re-measure every claim with a check in ``kb``; see the module docstring."""
    started = time.perf_counter()
    versions = installed_versions()
    cache = FactCache(Path(cache_dir) if cache_dir is not None else None, versions or {}, enabled=config.cache and versions is not None)
    say = _sayer(progress)
    measurements = _Measurements(cache, versions, "meta" if device in ("auto", "meta") else device, say)
    jobs = collect_jobs(kb)
    if select is not None:  # only the checks it accepts: one shard of a CI matrix (kb check --shard)
        jobs = [job for job in jobs if select(job.check)]
    planned = {_Measurements._id(k): k for job in jobs for k in needs(job.check, config)}
    measurements.ensure(planned.values())
    report = FactReport(versions=versions, device=device)
    today = time.strftime("%Y-%m-%d")
    for job in jobs:
        outcome = evaluate(job, measurements, config)
        outcome.hint = build_hint(job, outcome, measurements, config)
        job_keys = needs(job.check, config)
        evidence = {
            "method": f"kb facts: {outcome.method or job.check.kind}",
            "date": today,
            "by": "kb facts",
            "versions": dict(versions or {}),
            "measured": outcome.measured,
        }
        report.results[job.uid] = FactResult(
            uid=job.uid,
            card=f"{job.card_kind}:{job.card_id}",
            card_kind=job.card_kind,
            card_id=job.card_id,
            claim_id=job.claim_id,
            claim_index=job.claim_index,
            path=job.path,
            kind=job.check.kind,
            **{f.name: getattr(outcome, f.name) for f in _VERDICT_FIELDS},
            cached=bool(job_keys) and all(measurements.was_cached(k) for k in job_keys),
            evidence=evidence,
        )
    cache.save()  # each measurement was committed as it was taken; this only closes the file
    if progress and sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()
    if cache.problem:  # a locked or read-only cache must not fail the run; one line says it went without
        print(f"facts: {cache.problem}", file=sys.stderr)
    report.measured = measurements.measured
    report.cached = len(measurements.cached_keys)
    report.torch_imported = measurements.torch_imported
    report.models_built = measurements._measurer.built_count if measurements._measurer is not None else 0
    report.seconds = time.perf_counter() - started
    return report
