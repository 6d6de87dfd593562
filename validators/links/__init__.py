"""Links and identity: is every URL in the cards alive, and is it the work the card names?

The stage is a pipeline (see each module):

``extract``   every URL in every card field, prose included, with its position
``collect``   normalise, deduplicate across the knowledge base, include/exclude
``cache``     SQLite; fresh ok results are not fetched again
``check``     httpx, politely: limits, retries, HEAD then GET, redirects, caps
``resolvers`` arXiv, Crossref/DataCite, YouTube oEmbed, GitHub API
``identity``  title/author/year comparison and its verdict
``runner``    ties them together; :func:`run_links` is the entry point

Nothing in this package's import path touches the network or imports httpx;
only running a check that must fetch something does.  The rules KB501-KB507
read the :class:`LinkReport` the stage leaves in ``ctx.links``.
"""

from validators.links.model import (
    Counts,
    Expectation,
    Identity,
    IdentityCheck,
    LinkReport,
    LinkResult,
    Occurrence,
    Outcome,
    Verdict,
    prefer_evidence,
)


def __getattr__(name: str):
    # The runner (and the SQLite cache it opens) loads on first use, so the
    # KB5xx rules, which only read the report, cost `kb lint` next to nothing.
    if name in ("run_links", "check_targets"):
        from validators.links import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'validators.links' has no attribute {name!r}")

__all__ = [
    "Counts",
    "Expectation",
    "Identity",
    "IdentityCheck",
    "LinkReport",
    "LinkResult",
    "Occurrence",
    "Outcome",
    "Verdict",
    "prefer_evidence",
    "check_targets",
    "run_links",
]
