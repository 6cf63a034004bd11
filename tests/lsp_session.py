"""A real Language Server client (pygls's own) driving ``cogcheck lsp`` over stdio, for the tests and the benchmark."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]


class Session:
    """One server process; diagnostics by document, each awaited for a given version."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.published: dict[str, types.PublishDiagnosticsParams] = {}
        self.arrived: dict[str, asyncio.Event] = {}
        self.versions: dict[str, int] = {}

    def on_publish(self, params: types.PublishDiagnosticsParams) -> None:
        self.published[params.uri] = params
        self.arrived.setdefault(params.uri, asyncio.Event()).set()

    async def diagnostics(self, uri: str, version: int, timeout: float = 60) -> list[types.Diagnostic]:
        """The diagnostics published for ``version`` of the document (earlier versions' are skipped)."""
        async def wait() -> list[types.Diagnostic]:
            while True:
                got = self.published.get(uri)
                if got is not None and got.version == version:
                    return list(got.diagnostics)
                event = self.arrived.setdefault(uri, asyncio.Event())
                event.clear()
                await event.wait()

        return await asyncio.wait_for(wait(), timeout)

    async def open(self, path: Path, text: str | None = None) -> list[types.Diagnostic]:
        uri = path.resolve().as_uri()
        self.versions[uri] = 1
        language = "terraform" if path.suffix in (".tf", ".tofu") else "json" if path.suffix == ".json" else "yaml"
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=uri, language_id=language, version=1, text=path.read_text(encoding="utf-8") if text is None else text,
        )))
        return await self.diagnostics(uri, 1)

    def change(self, path: Path, text: str) -> int:
        """Replace the whole text (a new version); returns the version sent."""
        uri = path.resolve().as_uri()
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        ))
        return self.versions[uri]

    def close(self, path: Path) -> None:
        uri = path.resolve().as_uri()
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        self.published.pop(uri, None)

    async def hover(self, path: Path, line: int, character: int) -> str | None:
        result = await self.client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=path.resolve().as_uri()),
            position=types.Position(line=line, character=character),
        ))
        if result is None:
            return None
        contents: Any = result.contents
        return str(contents.value)

    async def code_actions(
        self, path: Path, at: types.Range, only: list[str] | None = None
    ) -> list[types.CodeAction]:
        result = await self.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=path.resolve().as_uri()),
            range=at,
            context=types.CodeActionContext(diagnostics=[], only=only),  # type: ignore[arg-type]
        ))
        return [a for a in result or [] if isinstance(a, types.CodeAction)]


@asynccontextmanager
async def session(*args: str, cwd: Path = ROOT) -> AsyncIterator[Session]:
    client = LanguageClient("cogcheck-tests", "1")
    here = Session(client)
    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _published(params: types.PublishDiagnosticsParams) -> None:
        here.on_publish(params)

    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    await client.start_io(sys.executable, "-m", "cogcheck", "lsp", *args, cwd=str(cwd), env=env)
    done = False
    try:
        await client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=cwd.as_uri(), process_id=os.getpid(),
        ))
        client.initialized(types.InitializedParams())
        yield here
        await asyncio.wait_for(client.shutdown_async(None), 30)
        client.exit(None)
        done = True
    finally:
        server = getattr(client, "_server", None)
        if not done and server is not None:  # a failed test: the server is ended, never waited for
            with contextlib.suppress(ProcessLookupError):
                server.kill()
        await asyncio.wait_for(client.stop(), 30)


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """``text`` with LSP edits applied (UTF-16 positions), as an editor applies a workspace edit."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        before = sum(len(line) + 1 for line in lines[: position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        units = index = 0
        while index < len(line) and units < position.character:
            units += 2 if ord(line[index]) > 0xFFFF else 1
            index += 1
        return before + index

    spans = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text
