"""GitHub Actions workflow commands: each diagnostic becomes an annotation.

Each command is a single line (wrapped here to fit)::

    ::warning file=cards/topics/cnns.yaml,line=12,col=5,endLine=12,endColumn=9,title=KB110 resource-without-url::
        video resource 'Lecture 5' has no url%0Ahint: add the address

Severity ``error`` and ``warning`` map to the commands of the same name and
``info`` to ``::notice``.  Values are escaped as the Actions runner expects:
``%``, CR and LF everywhere, and ``:`` and ``,`` as well inside properties.

The runner rejects an annotation whose columns span several lines or whose
end column precedes its start column, so columns are only sent for
single-line spans.  Files are named relative to ``$GITHUB_WORKSPACE`` (the
checkout), falling back to the working directory, because that is how
GitHub matches an annotation to a file in the pull request.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from validators.diagnostic import Diagnostic, Severity
from validators.reporters._common import display_path, escape_diagnostic, summary_line

if TYPE_CHECKING:
    from validators.engine import Summary

COMMANDS = {Severity.error: "error", Severity.warning: "warning", Severity.info: "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def workspace() -> Path:
    return Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd())


def command(d: Diagnostic, root: Path, base: Path | None = None) -> str:
    d = escape_diagnostic(d)  # the runner would pass an escape sequence in a message on to the log viewer
    props: list[tuple[str, object]] = [("file", display_path(d.path, root, workspace() if base is None else base))]
    props.append(("line", max(d.line, 1)))
    end_line = max(d.end_line, d.line)
    if end_line == d.line:
        props.append(("col", max(d.col, 1)))
        props.append(("endLine", end_line))
        props.append(("endColumn", max(d.end_col, d.col, 1)))
    else:
        props.append(("endLine", end_line))
    props.append(("title", f"{d.code} {d.name}"))
    message = d.message if not d.hint else f"{d.message}\nhint: {d.hint}"
    joined = ",".join(f"{key}={escape_property(str(value))}" for key, value in props)
    return f"::{COMMANDS[d.severity]} {joined}::{escape_data(message)}"


def render(diagnostics: list[Diagnostic], summary: Summary, *, root: Path) -> str:
    base = workspace()
    lines = [command(d, root, base) for d in diagnostics]
    # a plain log line: the run's total stays readable in the job log
    lines.append(summary_line(summary))
    return "\n".join(lines) + "\n"
