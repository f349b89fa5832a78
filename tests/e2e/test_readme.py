"""The README and docs/ tell the truth: generated sessions match the product, docs cover it all."""

from __future__ import annotations

import csv
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "readme_sessions.py"
DOCS = ROOT / "docs"
README = ROOT / "README.md"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("readme_sessions", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


sessions = load_script()


def test_readme_sessions_match_the_real_output() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_readme_has_generated_sessions_for_the_offline_commands() -> None:
    text = README.read_text(encoding="utf-8")
    blocks = [m["body"] for m in sessions.SESSION.finditer(text)]
    commands = [c.script for body in blocks for c in sessions.parse_commands(body)]
    for expected in (
        "crossover cost examples/orders-api.json",
        "crossover cost examples/orders-api.json --format json",
        "crossover analyze --demo",
        "crossover prices show --region us-east-1",
        "crossover --help",
    ):
        assert expected in commands


def test_parse_commands_keeps_continuations_and_drops_output() -> None:
    body = "```console\n$ crossover report --demo \\\n    --dry-run\nold output\n$ ls\nx\n```\n"
    commands = sessions.parse_commands(body)
    assert [c.shown for c in commands] == [
        ["$ crossover report --demo \\", "    --dry-run"],
        ["$ ls"],
    ]
    assert commands[0].script == "crossover report --demo \\\n    --dry-run"


def test_a_session_must_be_one_console_block_with_a_command() -> None:
    with pytest.raises(sessions.SessionError, match="console block"):
        sessions.parse_commands("```text\n$ ls\n```\n")
    with pytest.raises(sessions.SessionError, match="no `\\$ ` command"):
        sessions.parse_commands("```console\njust output\n```\n")


def test_options_and_shortening() -> None:
    options = sessions.SessionOptions.parse(" head=2 tail=1 expect-error")
    assert options == sessions.SessionOptions(head=2, tail=1, expect_error=True)
    assert sessions.shorten(["a", "b", "c", "d", "e"], options) == ["a", "b", "...", "e"]
    assert sessions.shorten(["a", "b", "c"], options) == ["a", "b", "c"]
    head_only = sessions.SessionOptions.parse("head=1")
    assert sessions.shorten(["a", "b"], head_only) == ["a", "..."]
    with pytest.raises(sessions.SessionError, match="unknown session option"):
        sessions.SessionOptions.parse("heads=3")


def test_a_failing_command_is_an_error_unless_expected(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("<!-- session -->\n```console\n$ exit 3\n```\n<!-- /session -->\n")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--readme", str(readme)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "exited with status 3" in done.stderr


def test_check_prints_a_diff_and_rewrite_fixes_it(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("<!-- session -->\n```console\n$ echo fresh\nstale\n```\n<!-- /session -->\n")
    check = [sys.executable, str(SCRIPT), "--check", "--readme", str(readme)]
    done = subprocess.run(check, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "-stale" in done.stdout and "+fresh" in done.stdout
    subprocess.run(check[:2] + check[3:], capture_output=True, timeout=60, check=True)
    assert "$ echo fresh\nfresh\n```" in readme.read_text()
    assert subprocess.run(check, capture_output=True, timeout=60, check=False).returncode == 0


def test_the_price_book_age_warning_does_not_make_the_readme_stale(tmp_path: Path) -> None:
    """Once the bundled snapshot is 90 days old every command warns; the README's sessions
    must not start failing the check because the calendar moved on."""
    import datetime as dt

    from analyzer.adapters.pricebooks import stale_warning
    from analyzer.core.pricebook import PriceBook

    book = PriceBook.bundled()
    later = dt.date.fromisoformat(book.as_of[:10]) + dt.timedelta(days=200)
    warning = stale_warning(book, today=later)
    assert warning is not None and sessions.DATED_LINES.match(warning)
    readme = tmp_path / "README.md"
    readme.write_text(
        f"<!-- session -->\n```console\n$ echo '{warning}'; echo analysed\nanalysed\n```\n"
        "<!-- /session -->\n"
    )
    check = [sys.executable, str(SCRIPT), "--check", "--readme", str(readme)]
    assert subprocess.run(check, capture_output=True, timeout=60, check=False).returncode == 0


def test_every_export_column_is_documented(tmp_path: Path) -> None:
    out = tmp_path / "recs.csv"
    subprocess.run(
        [sys.executable, "-m", "analyzer", "export", "--demo", "--out", str(out)],
        capture_output=True,
        timeout=300,
        check=True,
        env={"CROSSOVER_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
    )
    with out.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    documented = set(re.findall(r"`([a-z0-9_]+)`", (DOCS / "interfaces.md").read_text()))
    assert [column for column in header if column not in documented] == []


def test_every_command_is_documented() -> None:
    text = (DOCS / "interfaces.md").read_text()
    for command in ("cost", "analyze", "collect", "export", "report", "schedule"):
        assert f"`crossover {command}" in text
    assert "`crossover prices show`" in text and "`crossover prices refresh`" in text


def test_user_documents_point_only_inside_the_project() -> None:
    outside = re.compile(r"INTERFACES\.md|DESIGN\.md|AWS-FACTS\.md|shared/")
    for path in [README, *DOCS.rglob("*.md")]:
        assert not outside.search(path.read_text(encoding="utf-8")), path
    for link in re.findall(r"\]\((docs/[^)#]+)", README.read_text(encoding="utf-8")):
        assert (ROOT / link).exists(), link
