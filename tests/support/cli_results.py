"""What a `lovetv` command's result must look like, as the CLI tests read it."""

from __future__ import annotations

from click.testing import Result


def succeeded(result: Result) -> str:
    """Exit 0; the command's stdout."""
    assert result.exit_code == 0, result.output
    return result.stdout


def refused(result: Result) -> str:
    """A refusal: exit 1, nothing on stdout, exactly one `error: …` line on stderr."""
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    return result.stderr
