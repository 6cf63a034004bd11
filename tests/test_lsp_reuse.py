"""What `cogcheck lsp` reuses to diagnose a change cheaply gives what it would make afresh.

* ranges and related locations from the node graph the check parsed the buffer into equal those from composing the
  buffer again (every rule fixture, as YAML and as JSON, and templates with merge keys and anchors);
* a publish that reuses the last publish's diagnostics sends the same data as one that makes them all anew, and
  reuses those whose finding is unchanged;
* the server process collects garbage between checks (the heap frozen after the configuration is read).

Speed itself is measured by bench/lsp.py, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls", reason="cogcheck lsp needs the lsp extra (pygls)")

from cogcheck.cfn.parse import parse_template
from cogcheck.lsp import convert
from cogcheck.lsp.check import Checker, Outcome
from cogcheck.lsp.related import ResourceIndex
from cogcheck.lsp.server import _ends, build_server
from tests.helpers import FIXTURES, ROOT

MERGED = """Resources:
  Pool:
    Type: AWS::Cognito::UserPool
  C1:
    Type: AWS::Cognito::UserPoolClient
    Properties: &base
      UserPoolId: !Ref Pool
      AccessTokenValidity: 60
      AllowedOAuthFlows:
        - implicit
  C2:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      <<: *base
      CallbackURLs: ['http://example.com/cb']
"""


def _buffers() -> list[tuple[str, str]]:
    """(file name, text) of every rule fixture, as written and as JSON, and a template with a merge key."""
    found = [("merged.yaml", MERGED)]
    for path in sorted((FIXTURES / "rules").glob("*/*.yaml")):
        text = path.read_text(encoding="utf-8")
        found.append((path.name, text))
        try:
            template = parse_template(str(path), path.read_bytes())
        except Exception:  # a fixture only YAML can write (a duplicate key): not in the JSON set
            continue
        if template is not None:
            found.append((path.stem + ".json", json.dumps(template.doc, indent=2) + "\n"))
    return found


def _ranges(outcome: Outcome, path: Path, text: str) -> list[Any]:
    lines, ends = convert.Lines(text), _ends(path, text, outcome)
    index = ResourceIndex(ends, outcome.template)
    return [(convert.finding_range(f, lines, ends), index.named(f)) for f in outcome.findings]


def test_ranges_and_related_places_from_the_checks_parse_equal_a_fresh_composition(tmp_path: Path) -> None:
    checker = Checker(isolated=True)
    compared = reused = 0
    for name, text in _buffers():
        path = tmp_path / name
        outcome = checker.check(path, text, fixes=False)
        if not outcome.findings:
            continue
        if outcome.template is None:
            continue  # not a template the check parsed (an error): nothing to reuse
        reused += _ends(path, text, outcome)._composed  # the parser's nodes were taken, not composed again
        fresh = Outcome(outcome.findings)  # no template: the buffer composed again, resources from its nodes
        assert _ranges(outcome, path, text) == _ranges(fresh, path, text), name
        compared += 1
    assert compared > 200 and reused > 100


def _published(server: Any) -> list[Any]:
    sent: list[Any] = []
    server.text_document_publish_diagnostics = lambda params: sent.append(
        json.loads(json.dumps(server.protocol._converter.unstructure(params))))
    return sent


def test_a_publish_reusing_the_last_ones_diagnostics_sends_what_a_fresh_one_does(tmp_path: Path) -> None:
    source = (FIXTURES / "rules" / "COG-E028" / "fail_custom.yaml").read_text(encoding="utf-8")
    first = source + "\n".join(f"  Extra{n}:\n    Type: AWS::Cognito::UserPoolClient\n    Properties:\n"
                               f"      UserPoolId: x\n      AccessTokenValidity: {n + 1}\n" for n in range(5))
    # a value changed on a line of its own, a line added above the extras: some findings move, most do not
    second = first.replace("AccessTokenValidity: 3\n", "AccessTokenValidity: 300\n").replace(
        "  Extra1:", "  # a comment\n  Extra1:")
    path = tmp_path / "t.yaml"
    assert second != first
    reusing = build_server(isolated=True)
    sent = _published(reusing)
    for version, text in enumerate([first, second, first]):
        outcome = reusing.checker.check(path, text, False)
        before = dict(reusing.published._documents.get(path.as_uri(), {}))
        reusing.publish(path.as_uri(), version, path, outcome, text)
        fresh = build_server(isolated=True)
        expected = _published(fresh)
        fresh.publish(path.as_uri(), version, path, fresh.checker.check(path, text, False), text)
        assert sent[-1] == expected[-1]
        if before:  # the unchanged findings' diagnostics are the same objects as the last publish's
            now = reusing.published._documents[path.as_uri()]
            assert 0 < sum(now[k] is before.get(k) for k in now) < len(now)
    assert any(d.get("relatedInformation") for d in sent[-1]["diagnostics"])
    reusing.published.forget(path.as_uri())
    assert not reusing.published._documents and not reusing.published._data


def test_the_server_collects_garbage_between_checks_with_the_configuration_frozen(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text((FIXTURES / "rules" / "COG-E001" / "fail_units.yaml").read_text(encoding="utf-8"))
    script = f"""
import gc
from pathlib import Path
from cogcheck.lsp.server import build_server
server = build_server(isolated=True, manage_gc=True)
path = Path({str(path)!r})
server.checker.check(path, path.read_text(), False)
server.settle()
frozen = gc.get_freeze_count()
server.checker.check(path, path.read_text() + "# edited\\n", False)
server.settle()
print(frozen, gc.get_freeze_count(), gc.get_count()[0])
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300,
                         check=True)
    frozen, later, young = map(int, run.stdout.split())
    assert frozen > 10_000  # the rules and everything loaded with them, out of every later collection
    assert later <= frozen  # frozen once per configuration, not per check (what it froze may still be freed)
    assert young < 100  # collected after the check, not left for the middle of the next one
