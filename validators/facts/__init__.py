"""Facts: re-run the numbers in claims against torch and torchvision.

``run_facts(kb, config, cache_dir=..., device=...)`` measures what each
claim's check describes (parameter counts, multiply-adds or FLOPs, output
shapes, torchvision weights metadata, output-size formulas against the real
op, ratios, plain arithmetic) and returns a :class:`FactReport` with one
:class:`FactResult` per claim.  Rules KB601-KB603 turn the results into
diagnostics; the claims ledger uses them as evidence.

Importing this package does not import torch: only measurements that are
not in the cache do (see :mod:`validators.facts.measure`).
"""

from validators.facts.runner import FactReport, FactResult, collect_jobs, run_facts

__all__ = ["FactReport", "FactResult", "collect_jobs", "run_facts"]
