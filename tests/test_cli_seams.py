"""The CLI's wiring: one table of report formats, options built in one call."""

from __future__ import annotations

from cogcheck.cli import Format
from cogcheck.report.formats import RENDERERS


def test_every_format_choice_has_a_renderer_and_every_renderer_a_choice() -> None:
    assert [choice.value for choice in Format] == list(RENDERERS)


def test_the_cli_choices_and_defaults_are_the_shared_constants() -> None:
    """The CLI spells some constants itself (start-up imports only typer): they must stay the shared ones."""
    from cogcheck.cli import MAX_FILE_SIZE_MB, FailOn
    from cogcheck.config.options import MIB
    from cogcheck.findings import FAIL_ON
    from cogcheck.inputs.files import MAX_FILE_SIZE

    assert [choice.value for choice in FailOn] == list(FAIL_ON)
    assert MAX_FILE_SIZE_MB * MIB == MAX_FILE_SIZE
