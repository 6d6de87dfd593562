#!/usr/bin/env python3
"""Open cards in the YAML language server, as an editor does, and report what it says.

Starts ``yaml-language-server --stdio`` (the npm package in ``node_modules``,
the server behind VS Code's YAML extension and most editors' yamlls), speaks
the Language Server Protocol to it over stdio, opens a topic card whose first
line points at ``schemas/topic.schema.json`` and asks for:

* the diagnostics it publishes (``level: expert`` must be flagged, and an
  unknown check ``kind`` reported against every kind);
* hover text on ``level`` and ``emphasis`` (the schema's descriptions);
* completions after ``level:`` (every level and rising range).

Usage: ``python scripts/editor_check.py [--json]``; exit 0 when every
expectation holds, 1 when one fails, 2 when the server is not installed
(``npm ci``).  ``tests/test_editor.py`` runs the same checks.
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SERVER = REPO / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"

CARD = """\
# yaml-language-server: $schema=../../schemas/topic.schema.json
id: editor-check
title: Editor check
level: expert
resources:
  - id: video
    role: video
    title: A lecture
    url: https://example.org/lecture
    level: beginner/intermediate
courses:
  intro:
    emphasis: The basics.
claims:
  - id: c
    text: It has 25,557,032 parameters.
    check:
      kind: param
      model: resnet50
      value: 25557032
"""


class LanguageServer:
    """A minimal LSP client: JSON-RPC messages with Content-Length headers over pipes."""

    def __init__(self, command: list[str], root: Path) -> None:
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=root)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        self.settings = {"yaml": {"validate": True, "hover": True, "completion": True,
                                  "schemaStore": {"enable": False}, "format": {"enable": False}}}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if length is None:
                continue
            self.messages.put(json.loads(stream.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 30) -> Any:
        self.next_id += 1
        wanted = self.next_id
        self._send({"id": wanted, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == wanted and "method" not in m, timeout).get("result")

    def wait(self, match, timeout: float = 30) -> dict[str, Any]:
        """The next message ``match`` accepts, answering the server's own requests meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the language server did not answer in time")
            message = self.messages.get(timeout=left)
            if "method" in message and "id" in message:  # a request from the server
                result: Any = None
                if message["method"] == "workspace/configuration":
                    result = [self.settings.get(item.get("section", ""), self.settings)
                              if item.get("section") != "yaml" else self.settings["yaml"]
                              for item in message["params"]["items"]]
                self._send({"id": message["id"], "result": result})
                continue
            if match(message):
                return message

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - a server that will not stop is stopped
            self.proc.kill()


def _position(text: str, needle: str, offset: int = 0) -> dict[str, int]:
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return {"line": line, "character": index - (text.rfind("\n", 0, index) + 1)}


def _hover_text(result: Any) -> str:
    if not result:
        return ""
    contents = result.get("contents")
    if isinstance(contents, dict):
        return contents.get("value", "")
    if isinstance(contents, list):
        return "\n".join(c if isinstance(c, str) else c.get("value", "") for c in contents)
    return str(contents or "")


def run(workdir: Path) -> dict[str, Any]:
    """Open the card in the server and collect its diagnostics, hovers and completions."""
    (workdir / "schemas").mkdir()
    for schema in (REPO / "schemas").glob("*.schema.json"):
        shutil.copy(schema, workdir / "schemas" / schema.name)
    card = workdir / "cards" / "topics" / "editor-check.yaml"
    card.parent.mkdir(parents=True)
    card.write_text(CARD, encoding="utf-8")
    uri = card.as_uri()
    server = LanguageServer(["node", str(SERVER), "--stdio"], workdir)
    try:
        server.request("initialize", {
            "processId": None, "rootUri": workdir.as_uri(),
            "capabilities": {"textDocument": {
                "hover": {"contentFormat": ["markdown", "plaintext"]},
                "completion": {"completionItem": {"snippetSupport": False}},
                "publishDiagnostics": {}}, "workspace": {"configuration": True}},
        }, timeout=60)
        server.notify("initialized", {})
        server.notify("workspace/didChangeConfiguration", {"settings": server.settings})
        server.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": CARD}})
        published = server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                and m["params"]["uri"] == uri and m["params"]["diagnostics"], timeout=60)
        diagnostics = [{"line": d["range"]["start"]["line"] + 1, "message": d["message"]}
                       for d in published["params"]["diagnostics"]]
        hovers = {
            key: _hover_text(server.request("textDocument/hover", {
                "textDocument": {"uri": uri}, "position": _position(CARD, needle, 1)}))
            for key, needle in (("level", "\nlevel:"), ("emphasis", "    emphasis:"))
        }
        hovers["emphasis"] = _hover_text(server.request("textDocument/hover", {
            "textDocument": {"uri": uri}, "position": _position(CARD, "emphasis:", 1)}))
        completion = server.request("textDocument/completion", {
            "textDocument": {"uri": uri}, "position": _position(CARD, "level: expert", len("level: "))})
        items = completion.get("items", []) if isinstance(completion, dict) else (completion or [])
        offered = sorted({item.get("insertText") or item.get("label") for item in items})
    finally:
        server.close()
    return {"diagnostics": diagnostics, "hovers": hovers, "level_completions": offered}


def problems(found: dict[str, Any]) -> list[str]:
    """What the editor got wrong, judged against what kb says about the same card."""
    from kb.checks import CHECK_KINDS
    from kb.schema import LEVEL_VALUES

    out = []
    level_line = CARD.splitlines().index("level: expert") + 1
    if not any(d["line"] == level_line for d in found["diagnostics"]):
        out.append("no diagnostic on 'level: expert'")
    kind_line = CARD.splitlines().index("      kind: param") + 1
    kind_messages = " ".join(d["message"] for d in found["diagnostics"] if d["line"] == kind_line)
    missing = [k for k in CHECK_KINDS if k not in kind_messages]
    if missing:
        out.append(f"the unknown check kind is not reported against {', '.join(missing)}: {kind_messages!r}")
    for key in ("level", "emphasis"):
        if len(found["hovers"][key].strip()) < 20:
            out.append(f"hover on {key!r} shows no description: {found['hovers'][key]!r}")
    if "||" in found["hovers"]["level"]:
        out.append(f"hover on 'level' joins several titles: {found['hovers']['level']!r}")
    lacking = [v for v in LEVEL_VALUES if v not in found["level_completions"]]
    if lacking:
        out.append(f"'level:' completion lacks {', '.join(lacking)}: {found['level_completions']}")
    return out


def main(argv: list[str]) -> int:
    if shutil.which("node") is None or not SERVER.exists():
        print("editor_check: yaml-language-server is not installed (run npm ci)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory(prefix="kb-editor-") as tmp:
        found = run(Path(tmp))
    wrong = problems(found)
    if "--json" in argv:
        print(json.dumps({**found, "problems": wrong}, indent=2, ensure_ascii=False))
    else:
        for d in found["diagnostics"]:
            print(f"diagnostic line {d['line']}: {d['message']}")
        for key, text in found["hovers"].items():
            print(f"hover {key}: {' '.join(text.split())[:160]}")
        print(f"level completions: {', '.join(found['level_completions'])}")
        for problem in wrong:
            print(f"PROBLEM: {problem}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
