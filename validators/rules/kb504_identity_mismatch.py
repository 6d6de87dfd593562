"""A link works, but leads to a different work than the card names.

## What it does
Compares what the card says a URL is with what is actually there. The card
names a work through a resource's `title`, `authors` and `year`, a digest's
`title`, `authors`, `year` and `identifiers`, a mirror URL written in a
resource's `why` or `note` ("the arXiv mirror is ..."), or a claim ("X is at
URL"). What is there comes from the arXiv API, Crossref or DataCite, YouTube
oEmbed, the GitHub API, or the page's `citation_title`, `og:title` and
`<title>`. Titles are compared on their words, tolerant of case,
punctuation, subtitles and site names; a page's own `<title>` refutes only
when nothing at all matches, while an arXiv or Crossref title refutes when
it is clearly another paper (authors and year weigh in). The message quotes
both titles.

## Why it matters
Machine-drafted cards often carry a live link to the wrong thing, such as an
arXiv "mirror" that is another paper by one of the authors. Existing link
checkers pass such links; readers and the AI tutor are misled by them.

## Example
```yaml
- id: original-paper
  title: ImageNet Classification with Deep Convolutional Neural Networks
  why: >-
    The arxiv mirror is: https://arxiv.org/abs/1404.5997 [NOT VERIFIED]
```
(arXiv 1404.5997 is "One weird trick for parallelizing convolutional neural
networks".)

## Use instead
```yaml
- id: original-paper
  title: ImageNet Classification with Deep Convolutional Neural Networks
  why: >-
    Published at NeurIPS 2012; there is no arXiv version.
```
"""

from validators.diagnostic import Severity
from validators.links.findings import finding, results, shown
from validators.links.model import Outcome, Verdict
from validators.registry import Rule


class IdentityMismatch(Rule):
    code = "KB504"
    name = "identity-mismatch"
    severity = Severity.error
    needs = "links"

    def check(self, ctx, options):
        for r in results(ctx.links, Outcome.ok):
            for occ, check in r.identity:
                if check.verdict is not Verdict.mismatch:
                    continue
                exp = check.expected
                who = f"{exp.source} names" if exp.source else "the card names"
                yield finding(
                    occ,
                    f"{shown(occ.url)} is {check.found_title!r} ({check.found_by}), but {who} "
                    f"{exp.title!r} ({check.detail})",
                    "link the work the card names, or correct the title if the link is right",
                    expected_title=exp.title,
                    found_title=check.found_title,
                    found_by=check.found_by,
                    claim=occ.claim_uid,
                )


RULE = IdentityMismatch
