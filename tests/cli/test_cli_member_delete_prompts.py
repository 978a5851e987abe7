"""`member delete` as a producer meets it at a terminal: a declined question is one `error:`
line (never click's "Aborted!"), and part of an address is refused before anything is asked."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from support.cli_catalog import season_ready
from support.cli_results import succeeded

from publisher.cli import main


@pytest.fixture
def pat(runner: CliRunner) -> str:
    season_ready(runner)
    succeeded(runner.invoke(main, ["member", "add", "pat@example.com", "--no-email"]))
    return "pat@example.com"


@pytest.mark.parametrize("answer", ["n\n", "\n", ""])
def test_a_declined_delete_is_one_error_line_and_deletes_nothing(
    runner: CliRunner, pat: str, answer: str
) -> None:
    refused = runner.invoke(main, ["member", "delete", pat], input=answer)
    assert refused.exit_code == 1
    assert "Aborted" not in refused.output
    [error] = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert error == "error: nothing was deleted (answered no; --yes deletes without asking)"
    assert refused.stderr.endswith(error + "\n")  # after the question, nothing more
    shown = json.loads(succeeded(runner.invoke(main, ["member", "show", pat, "--json"])))
    assert shown["email"] == pat and shown["status"] == "active"


def test_delete_needs_the_full_address(runner: CliRunner, pat: str) -> None:
    refused = runner.invoke(main, ["member", "delete", "pat"], input="y\n")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "error: delete needs the full address, not 'pat' "
        "(lovetv member list --search pat shows the addresses)\n"
    )
    assert json.loads(succeeded(runner.invoke(main, ["member", "show", pat, "--json"])))


def test_an_agreed_delete_still_deletes(runner: CliRunner, pat: str) -> None:
    agreed = runner.invoke(main, ["member", "delete", pat, "--json"], input="y\n")
    assert agreed.exit_code == 0, agreed.output
    assert json.loads(agreed.stdout)["deleted"] == pat
