"""``cogcheck lsp``: the Language Server (pygls) over stdio.

Diagnostics are published on open and, debounced, on change, from the editor's unsaved text
(:mod:`cogcheck.lsp.check`); a check runs in one worker thread, one at a time, and a result for a version the
editor has moved past is dropped (a newer check is already queued: only the newest waiting version of a document
is checked). Hover shows a rule's documentation on a finding and a validity's effective value; code actions offer
each finding's fix, a suppression with a reason, and ``source.fixAll.cogcheck``. The server never writes a file:
edits go to the editor, which applies them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import logging
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from cogcheck import __version__
from cogcheck.lsp import actions, convert
from cogcheck.lsp.check import Checker, Outcome, kind_of
from cogcheck.lsp.publish import Published
from cogcheck.lsp.related import ResourceIndex
from cogcheck.lsp.spans import Ends

#: Seconds a change waits for the next one before the buffer is checked.
DEBOUNCE = 0.15

#: The garbage collector's first threshold in the server process (Python's default is 700): a check of a 1,000-line
#: template allocates some 25,000 objects and leaves no cycles, so with the default the collector ran ~30 times per
#: check, some of them over the whole heap (~30 ms each, the slowest changes). See :meth:`CogcheckServer.settle`.
GC_THRESHOLD = 50_000

log = logging.getLogger("cogcheck.lsp")


@dataclass
class _Document:
    version: int | None = None  # the newest version the editor sent
    checked: int | None = None  # the version of ``outcome``
    outcome: Outcome = field(default_factory=Outcome)
    text: str = ""  # the text ``outcome`` was computed from
    pending: asyncio.Task[None] | None = None


class CogcheckServer(LanguageServer):
    def __init__(self, debounce: float = DEBOUNCE, isolated: bool = False, manage_gc: bool = False) -> None:
        self.published = Published()  # before pygls makes its converter, which reuses what this keeps
        super().__init__("cogcheck", __version__, converter_factory=self.published.converter)
        self.debounce = debounce
        self.manage_gc = manage_gc
        self._frozen = 0  # the checker's configuration loads when the heap was last frozen
        self.checker = Checker(isolated=isolated)
        self.documents: dict[str, _Document] = {}
        self.pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="cogcheck-check")
        self.docs_links: dict[str, str] = {}

    def schedule(self, uri: str, version: int | None, delay: float) -> None:
        document = self.documents.setdefault(uri, _Document())
        document.version = version
        if document.pending is not None and not document.pending.done():
            document.pending.cancel()  # a newer version: the older one is never checked
        document.pending = asyncio.ensure_future(self._check_later(uri, version, delay))

    async def _check_later(self, uri: str, version: int | None, delay: float) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            text = self.workspace.get_text_document(uri).source
            path = Path(to_fs_path(uri) or uri)
            loop = asyncio.get_running_loop()
            outcome = await loop.run_in_executor(self.pool, self.checker.check, path, text, False)
            document = self.documents.get(uri)
            if document is None or document.version != version:
                return  # stale: the editor has sent a newer text
            self.publish(uri, version, path, outcome, text)
            outcome.template = None  # its node graph is not kept between changes
            document.outcome, document.checked, document.text = outcome, version, text
            self.settle()
        except asyncio.CancelledError:
            raise
        except Exception:  # never lose the server over one buffer
            log.exception("cogcheck: checking %s failed", uri)
            self.window_log_message(types.LogMessageParams(
                type=types.MessageType.Error, message=f"cogcheck: checking {uri} failed (see the server's log)"))

    def settle(self) -> None:
        """Collect garbage now, between checks, when little is alive, rather than in the middle of the next check.

        After a configuration is read (its rules are most of the heap), everything alive is frozen (:func:`gc.freeze`:
        kept out of every later collection), so a collection after a check walks only what checks made since (a
        fraction of a millisecond; the whole heap takes ~100 ms). The first freeze collects nothing first (start-up
        leaves no cycles to collect, and the editor's next change may already be waiting); a configuration read
        again unfreezes the heap and collects it whole, so the rules it replaced are freed. Only in the server's own
        process (``manage_gc``)."""
        if not self.manage_gc:
            return
        if self.checker.loads != self._frozen:
            if self._frozen:
                gc.unfreeze()
                gc.collect()
            self._frozen = self.checker.loads
            gc.freeze()
        else:
            gc.collect()

    def publish(self, uri: str, version: int | None, path: Path, outcome: Outcome, text: str) -> None:
        lines = convert.Lines(text)
        docs = self.docs_for(outcome)
        ends = _ends(path, text, outcome)
        index = ResourceIndex(ends, outcome.template) if outcome.findings else None
        diagnostics = self.published.diagnostics(uri, outcome.findings, lines, docs, ends, index)
        diagnostics += [convert.error_diagnostic(e, lines) for e in outcome.errors]
        diagnostics += [convert.notice_diagnostic(n) for n in outcome.notices]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    async def with_fixes(self, uri: str, document: _Document) -> Outcome:
        """The document's outcome with its findings' fixes (diagnostics are published without: the fixes are made
        for a version when code actions are first asked for it)."""
        if document.outcome.fixes:
            return document.outcome
        version, text = document.checked, document.text
        path = Path(to_fs_path(uri) or uri)
        outcome = await asyncio.get_running_loop().run_in_executor(self.pool, self.checker.check, path, text, True)
        outcome.template = None  # kept with the document: without its node graph
        if document.checked == version and document.text == text:
            document.outcome = outcome
        return outcome

    def docs_for(self, outcome: Outcome) -> dict[str, str]:
        """Rule id → its documentation link: the rule reference docs/rules.md beside an installed checkout, else the
        rule's first reference (AWS's documentation); a rule with neither gets none (hover shows the docs)."""
        if outcome.options is None:
            return {}
        from cogcheck.report.ruledocs import reference_url

        reference = _rules_reference()
        for rule in outcome.options.enabled_rules():
            if rule.id not in self.docs_links:
                if reference is not None and not rule.pack:
                    self.docs_links[rule.id] = f"{reference.as_uri()}#{rule.id.lower()}"
                else:
                    self.docs_links[rule.id] = reference_url(rule)
        return self.docs_links


def _ends(path: Path, text: str, outcome: Outcome | None = None) -> Ends:
    """Where values end in this buffer, read as its syntax (YAML: from the node graph the check parsed the buffer
    into, when it has one)."""
    name = path.name.lower()
    if name.endswith(("tf", "tofu")):
        return Ends(text, "terraform")
    json_like = name.endswith(".json") or text.lstrip().startswith("{")
    template = outcome.template if outcome is not None else None
    nodes = template.composed if template is not None and not json_like else None
    return Ends(text, "json" if json_like else "yaml", nodes)


def _rules_reference() -> Path | None:
    candidate = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
    return candidate if candidate.is_file() else None


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def build_server(debounce: float = DEBOUNCE, isolated: bool = False, manage_gc: bool = False) -> CogcheckServer:
    server = CogcheckServer(debounce, isolated, manage_gc)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: CogcheckServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, params.text_document.version, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: CogcheckServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, params.text_document.version, ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: CogcheckServer, params: types.DidSaveTextDocumentParams) -> None:
        document = ls.documents.get(params.text_document.uri)
        ls.schedule(params.text_document.uri, document.version if document else None, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CogcheckServer, params: types.DidCloseTextDocumentParams) -> None:
        document = ls.documents.pop(params.text_document.uri, None)
        if document is not None and document.pending is not None:
            document.pending.cancel()
        ls.published.forget(params.text_document.uri)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: CogcheckServer, params: types.HoverParams) -> types.Hover | None:
        try:
            return _hover(ls, params)
        except Exception:
            log.exception("cogcheck: hover failed")
            return None

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL]),
    )
    async def code_action(ls: CogcheckServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        try:
            return await _code_actions(ls, params)
        except Exception:
            log.exception("cogcheck: code actions failed")
            return []

    return server


def _current(ls: CogcheckServer, uri: str) -> _Document | None:
    """The document's last outcome, when it was computed from the text the editor has now."""
    document = ls.documents.get(uri)
    if document is None or document.checked is None or document.checked != document.version:
        return None
    return document


def _hover(ls: CogcheckServer, params: types.HoverParams) -> types.Hover | None:
    from cogcheck.lsp.validity import validity_hover

    document = ls.documents.get(params.text_document.uri)
    if document is None or document.outcome.options is None:
        return None
    lines = convert.Lines(document.text)
    line, _column = lines.code_points(params.position)
    parts: list[str] = []
    rules = {rule.id: rule for rule in document.outcome.options.enabled_rules()}
    shown: set[str] = set()
    for finding in document.outcome.findings:
        if finding.line != line or finding.rule_id in shown or finding.rule_id not in rules:
            continue
        shown.add(finding.rule_id)
        from cogcheck.report.ruledocs import render_rule

        parts.append(f"**{finding.rule_id}**: {convert.message(finding)}\n\n" + render_rule(rules[finding.rule_id]))
    path = Path(to_fs_path(params.text_document.uri) or params.text_document.uri)
    kind = kind_of(path)
    if kind is not None:
        effective = validity_hover(path, document.text, kind, document.outcome.options, line)
        if effective is not None:
            parts.insert(0, effective)
    if not parts:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)))


async def _code_actions(ls: CogcheckServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    document = _current(ls, uri)
    if document is None or document.outcome.read_only:
        return []
    version, text = document.checked, document.text
    outcome = await ls.with_fixes(uri, document)
    if _current(ls, uri) is not document or document.checked != version:
        return []  # the editor has moved on while the fixes were made: these would edit an older text
    lines = convert.Lines(text)
    path = Path(to_fs_path(uri) or uri)
    kind = kind_of(path) or "template"
    wanted = None if params.context.only is None else [str(getattr(k, "value", k)) for k in params.context.only]
    found: list[types.CodeAction] = []
    quick = wanted is None or any(k in ("", "quickfix") for k in wanted)
    if quick:
        ends = _ends(path, text)
        for finding in outcome.findings:
            here = convert.finding_range(finding, lines, ends)
            if not _overlaps(here, params.range):
                continue
            diagnostic = convert.diagnostic(finding, lines, ls.docs_for(outcome), (), ends)
            edits = actions.fix_edits(finding, lines)
            if edits is not None and finding.fix is not None:
                found.append(types.CodeAction(
                    title=f"{finding.rule_id}: {finding.fix.description} ({finding.resource})",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=finding.fix.applicability == "safe",
                    edit=types.WorkspaceEdit(changes={uri: edits}),
                ))
            suppress = actions.suppression_edit(finding, lines, kind)
            if suppress is not None:
                found.append(types.CodeAction(
                    title=f"Suppress {finding.rule_id} on {finding.resource} (with a reason)",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=types.WorkspaceEdit(changes={uri: [suppress]}),
                ))
    if wanted is None or any(k == actions.FIX_ALL or actions.FIX_ALL.startswith(k + ".") or not k for k in wanted):
        every = actions.fix_all_edits(outcome.findings, lines)
        if every:
            found.append(types.CodeAction(
                title="cogcheck: apply every safe fix",
                kind=actions.FIX_ALL,
                edit=types.WorkspaceEdit(changes={uri: every}),
            ))
    return found


def serve(isolated: bool = False, debounce: float = DEBOUNCE) -> None:
    """Run the server on stdin/stdout until the editor says exit."""
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    build_server(debounce, isolated, manage_gc=True).start_io()


__all__ = ["CogcheckServer", "build_server", "serve"]
