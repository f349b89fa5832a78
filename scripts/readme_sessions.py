"""Regenerate the README's terminal sessions from the real product (sqlite-utils/cog style).

A generated session sits between two markers; the commands are the `$ ` lines of its console
block, and everything else in the block is their output, rewritten by this script:

    <!-- session -->
    ```console
    $ crossover cost examples/orders-api.json
    (output, regenerated)
    ```
    <!-- /session -->

Options go in the opening marker, `<!-- session: head=40 tail=5 expect-error -->`:
`head=N` / `tail=N` keep the first / last N lines of each command's output (with a `...` line
where lines were left out); `expect-error` allows a non-zero exit status (without it a failing
command is an error of this script, so a broken README example cannot go unnoticed). A command
can continue on the next line with a trailing backslash.

Each command runs with bash, with the venv's `crossover` first on PATH, in a scratch directory
that mirrors the repository root (so `examples/...` and `docs/...` paths work and written files
land in the scratch directory), with a fresh `CROSSOVER_DATA_DIR`, UTC, no AWS credentials and
no charts. Lines that depend on the day the script runs rather than on the product (the
price book's age warning, which appears once the bundled snapshot is 90 days old) are left out,
so the check does not start failing as the calendar moves on. Sessions that need AWS or run for long stay plain console blocks without markers.

    python scripts/readme_sessions.py           # rewrite README.md
    python scripts/readme_sessions.py --check   # exit 1 and print a diff if README.md is stale
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
TIMEOUT_S = 300
ELLIPSIS = "..."
SESSION = re.compile(
    r"(?P<open><!-- session(?::(?P<options>[^>]*?))?\s*-->\n)"
    r"(?P<body>.*?)"
    r"(?P<close><!-- /session -->)",
    re.DOTALL,
)
CONSOLE = re.compile(r"\A```console\n(?P<lines>.*?)^```\n\Z", re.DOTALL | re.MULTILINE)
# Environment variables that would make the output depend on the machine it runs on.
DROPPED_ENV_PREFIXES = ("AWS_", "CROSSOVER_", "BROWSER_PATH")
# Output lines that depend on today's date, not on the product (see the docstring).
DATED_LINES = re.compile(r"^warning: the price book is \d+ days old ")


class SessionError(Exception):
    """A session block that cannot be parsed or whose command fails unexpectedly."""


@dataclass(frozen=True)
class SessionOptions:
    head: int | None = None
    tail: int | None = None
    expect_error: bool = False

    @classmethod
    def parse(cls, text: str | None) -> SessionOptions:
        head = tail = None
        expect_error = False
        for word in (text or "").split():
            key, _, value = word.partition("=")
            if key == "head" and value.isdigit():
                head = int(value)
            elif key == "tail" and value.isdigit():
                tail = int(value)
            elif word == "expect-error":
                expect_error = True
            else:
                raise SessionError(f"unknown session option {word!r}")
        return cls(head, tail, expect_error)


@dataclass(frozen=True)
class Command:
    shown: list[str]  # the lines as the README shows them ("$ ..." and continuation lines)

    @property
    def script(self) -> str:
        """What bash runs: the shown lines without the prompt (continuations kept)."""
        return "\n".join([self.shown[0][2:], *self.shown[1:]])


def parse_commands(body: str) -> list[Command]:
    """The commands of one console block (its output lines are dropped)."""
    match = CONSOLE.match(body)
    if match is None:
        raise SessionError("a session must hold exactly one ```console block")
    commands: list[Command] = []
    continuing = False
    for line in match["lines"].splitlines():
        if continuing:
            commands[-1].shown.append(line)
        elif line.startswith("$ "):
            commands.append(Command([line]))
        else:
            continue
        continuing = line.endswith("\\")
    if not commands:
        raise SessionError("a session block has no `$ ` command")
    return commands


def shorten(lines: list[str], options: SessionOptions) -> list[str]:
    """Keep the first `head` and last `tail` lines, with `...` where lines were left out."""
    if options.head is None and options.tail is None:
        return lines
    head = options.head or 0
    tail = options.tail or 0
    if len(lines) <= head + tail:
        return lines
    return [*lines[:head], ELLIPSIS, *(lines[len(lines) - tail :] if tail else [])]


@contextmanager
def scratch_directory() -> Iterator[tuple[Path, dict[str, str]]]:
    """A working directory mirroring the repository root, and the environment to run in."""
    with tempfile.TemporaryDirectory(prefix="readme-sessions-") as tmp:
        work = Path(tmp) / "crossover"
        work.mkdir()
        for entry in REPO.iterdir():
            if not entry.name.startswith("."):
                (work / entry.name).symlink_to(entry)
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(DROPPED_ENV_PREFIXES)
        }
        env.update(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            CROSSOVER_DATA_DIR=str(Path(tmp) / "data"),
            CROSSOVER_CHARTS="0",
            TZ="UTC",
            LC_ALL="C.UTF-8",
            COLUMNS="100",
            PYTHONWARNINGS="ignore",
            PYTHONUNBUFFERED="1",
        )
        yield work, env


def run(command: Command, options: SessionOptions, work: Path, env: dict[str, str]) -> list[str]:
    """The command's output (stdout and stderr, as a terminal shows them), made stable."""
    done = subprocess.run(
        ["bash", "-c", command.script],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0 and not options.expect_error:
        raise SessionError(
            f"`{command.script}` exited with status {done.returncode}:\n{done.stdout}"
        )
    text = done.stdout.replace(f"{REPO}/", "").replace(str(work.parent), "$TMPDIR")
    lines = [line.rstrip() for line in text.splitlines() if not DATED_LINES.match(line)]
    return shorten(lines, options)


def render_session(body: str, options: SessionOptions, work: Path, env: dict[str, str]) -> str:
    lines = ["```console"]
    for command in parse_commands(body):
        lines += command.shown
        lines += run(command, options, work, env)
    lines.append("```")
    return "\n".join(lines) + "\n"


def regenerate(readme: str) -> str:
    """The README with every marked session rewritten from the real output."""
    with scratch_directory() as (work, env):

        def replace(match: re.Match[str]) -> str:
            options = SessionOptions.parse(match["options"])
            body = render_session(match["body"], options, work, env)
            return match["open"] + body + match["close"]

        return SESSION.sub(replace, readme)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the README is stale")
    parser.add_argument("--readme", type=Path, default=README, help="default: README.md")
    args = parser.parse_args(argv)
    current = args.readme.read_text(encoding="utf-8")
    try:
        fresh = regenerate(current)
    except SessionError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    if fresh == current:
        print(f"{args.readme.name}: sessions up to date")
        return 0
    if args.check:
        diff = difflib.unified_diff(
            current.splitlines(keepends=True),
            fresh.splitlines(keepends=True),
            f"{args.readme.name} (committed)",
            f"{args.readme.name} (real output)",
        )
        sys.stdout.writelines(diff)
        print(f"\n{args.readme.name} is stale: run `python scripts/readme_sessions.py`")
        return 1
    args.readme.write_text(fresh, encoding="utf-8")
    print(f"{args.readme.name}: sessions rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
