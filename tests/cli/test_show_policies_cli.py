"""`lovetv show set --terms FILE --refund-policy FILE`: the producer's texts on the public pages."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from publisher.cli import main


def test_show_set_publishes_the_terms_and_refund_policy_pages(
    runner: CliRunner,
    client,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    terms, refunds = tmp_path / "terms.md", tmp_path / "refunds.md"
    terms.write_text("## Our terms\n\nBe kind. <script>alert(1)</script>")
    refunds.write_text("Full refund within **14 days**.")
    done = runner.invoke(
        main,
        [
            "show",
            "set",
            "--title",
            "Love TV",
            "--terms",
            str(terms),
            "--refund-policy",
            str(refunds),
        ],
    )
    assert done.exit_code == 0, done.output
    page = client.get("/terms").get_data(as_text=True)
    assert "<h2>Our terms</h2>" in page and "<script>alert" not in page
    assert "<strong>14 days</strong>" in client.get("/refunds").get_data(as_text=True)


def test_a_policy_file_that_is_not_text_is_refused_in_one_line_and_changes_nothing(
    runner: CliRunner,
    client,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    bad = tmp_path / "terms.md"
    bad.write_bytes(b"\xff\xfe\x00binary")
    done = runner.invoke(main, ["show", "set", "--title", "Love TV", "--terms", str(bad)])
    assert done.exit_code == 1
    assert done.output.strip().count("\n") == 0 and "not UTF-8 text (--terms)" in done.output
    assert "will be published here soon" in client.get("/terms").get_data(as_text=True)
