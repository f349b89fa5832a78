"""Bad input, hostile files and a damaged store, through the CLI, one row per case, grouped by
input. Each row asserts: the exit status, one line on stderr naming the input and the reason,
no traceback, and that nothing was written (no report, store bytes unchanged)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from analyzer.adapters.store import Store
from analyzer.cli import cli
from analyzer.core.demo import demo_fleet
from analyzer.core.scenario import read_scenario, scenario_fleet

OK_FN = {"name": "a", "memory_mb": 128, "monthly_invocations": 1000, "avg_duration_ms": 10}


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def assert_one_line(code: int, err: str, *fragments: str, status: int = 1) -> None:
    assert code == status, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def scenario_text(**fn: object) -> str:
    return json.dumps({"region": "us-east-1", "functions": [{**OK_FN, **fn}]})


# -- scenario files (`crossover cost FILE`): resource exhaustion and numbers ------------------
YAML_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
SCENARIO_FILES: list[tuple[str, str, bytes | str, tuple[str, ...]]] = [
    ("yaml-anchor-bomb", ".yaml", YAML_BOMB, ("anchors", "line 1")),
    ("yaml-duplicate-key", ".yaml", "region: us-east-1\nregion: eu-west-1\n", ("duplicate key",)),
    ("deep-json", ".json", "[" * 100_000, ("nested more than 32",)),
    ("deep-yaml", ".yaml", "[" * 5_000, ("nested more than 32",)),
    ("binary", ".json", b"\x89PNG\r\n\x1a\n\x00\x00", ("binary file",)),
    ("latin-1", ".json", '{"region": "é"}'.encode("latin-1"), ("not UTF-8",)),
    ("json-Infinity", ".json", scenario_text().replace("1000", "Infinity"), ("finite",)),
    ("json-1e999", ".json", scenario_text(monthly_invocations=0).replace(": 0,", ": 1e999,"), ("finite",)),
    ("json-1e308", ".json", scenario_text(monthly_invocations=1e308), ("monthly_invocations", "between 0 and 1e+12")),
    ("yaml-.inf", ".yaml", "region: us-east-1\nfunctions:\n- {name: a, memory_mb: 128, monthly_invocations: .inf, avg_duration_ms: 1}\n", ("finite",)),
    ("400-digit-int", ".json", scenario_text().replace("1000", "9" * 400), ("400 digits",)),
    ("timeout-negative", ".json", scenario_text(timeout_s=-5), ("timeout_s=-5", "between 1 and 900")),
    ("timeout-text", ".json", scenario_text(timeout_s="abc"), ("timeout_s='abc'", "must be a number")),
    ("timeout-list", ".json", scenario_text(timeout_s=[1]), ("timeout_s=[1]", "must be a number")),
    ("timeout-null", ".json", scenario_text(timeout_s=None), ("timeout_s=None", "must be a number")),
    ("environment-object", ".json", scenario_text(environment={"a": 1}), ("environment", "must be text")),
    ("profile-huge-weight", ".json", scenario_text(hourly_profile=[1e308] + [1] * 23), ("hourly_profile",)),
    ("provisioned-1e30", ".json", scenario_text(provisioned_concurrency={"allocated": 1e30}), ("provisioned_concurrency.allocated",)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("suffix", "content", "fragments"),
    [row[1:] for row in SCENARIO_FILES],
    ids=[row[0] for row in SCENARIO_FILES],
)
def test_scenario_files(
    tmp_path: Path, suffix: str, content: bytes | str, fragments: tuple[str, ...]
) -> None:
    p = tmp_path / f"s{suffix}"
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = run("cost", str(p))
    assert_one_line(code, err, *fragments)
    assert out == ""
    assert len(err) < 500  # a bomb never makes a huge error line


def test_yaml_account_id_with_a_leading_zero_stays_as_written(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(
        "region: us-east-1\naccount_id: 0123\nfunctions:\n"
        "- {name: a, memory_mb: 128, monthly_invocations: 1000, avg_duration_ms: 10}\n"
    )
    fleet, _ = scenario_fleet(read_scenario(p))
    assert fleet.functions["account_id"].tolist() == ["0123"]  # not 83 (YAML 1.1 octal)
    code, _, err = run("cost", str(p))
    assert code == 0, err


# -- flags and the files they name ------------------------------------------------------------
def _binary(tmp_path: Path) -> str:
    p = tmp_path / "binary.bin"
    p.write_bytes(b"\xff\xfe\x00\x01binary")
    return str(p)


def _toml(tmp_path: Path, text: str) -> str:
    p = tmp_path / "report.toml"
    p.write_text(text)
    return str(p)


FLAGS: list[tuple[str, Callable[[Path], list[str]], tuple[str, ...]]] = [
    ("set-1e999", lambda t: ["analyze", "--demo", "--set", "min_instances=1e999"], ("--set", "finite")),
    ("set-Infinity", lambda t: ["analyze", "--demo", "--set", "min_instances=Infinity"], ("--set", "finite")),
    ("set-400-digits", lambda t: ["analyze", "--demo", "--set", "min_instances=" + "9" * 400], ("--set", "400 digits")),
    ("assumptions-missing", lambda t: ["analyze", "--demo", "--assumptions", str(t / "nope.yaml")], ("--assumptions=", "file not found")),
    ("pricebook-binary", lambda t: ["analyze", "--demo", "--pricebook", _binary(t)], ("--pricebook=", "binary")),
    ("config-binary", lambda t: ["report", "--demo", "--config", _binary(t)], ("--config=", "binary")),
    ("config-deep-toml", lambda t: ["report", "--config", _toml(t, "x = " + "[" * 5000)], ("--config=",)),
    ("config-smtp-port", lambda t: ["report", "--demo", "--dry-run", "--out", str(t / "o"), "--config", _toml(t, "[smtp]\nport = 70000\n")], ("smtp.port=70000", "between 1 and 65535")),
    ("config-subject-width", lambda t: ["report", "--demo", "--dry-run", "--out", str(t / "o"), "--config", _toml(t, 'subject = "{saving:>99999999}"\n')], ("--subject", "width up to 99")),
    ("config-to-script", lambda t: ["report", "--demo", "--dry-run", "--out", str(t / "o"), "--config", _toml(t, 'to = ["<script>@x.com"]\n')], ("--to=", "not an e-mail address")),
    ("subject-width", lambda t: ["report", "--demo", "--dry-run", "--out", str(t / "o"), "--subject", "{saving:>99999999}"], ("--subject", "width up to 99")),
    ("subject-newline", lambda t: ["report", "--demo", "--dry-run", "--out", str(t / "o"), "--subject", "x\nBcc: a@b.c"], ("--subject", "control characters")),
    ("subject-attribute", lambda t: ["report", "--demo", "--dry-run", "--out", str(t / "o"), "--subject", "{saving.__class__}"], ("--subject", "unknown placeholder")),
    ("to-script", lambda t: ["report", "--demo", "--dry-run", "--out", str(t / "o"), "--to", "<script>@x.com"], ("--to='<script>@x.com'", "not an e-mail address")),
    ("to-two-ats", lambda t: ["report", "--demo", "--dry-run", "--out", str(t / "o"), "--to", "a@b@c"], ("--to='a@b@c'",)),
    ("to-no-domain", lambda t: ["report", "--demo", "--dry-run", "--out", str(t / "o"), "--to", "a@"], ("--to='a@'",)),
    ("to-control", lambda t: ["report", "--demo", "--dry-run", "--out", str(t / "o"), "--to", "a\x0b@x.com"], ("--to=", "control characters")),
    ("from-bad", lambda t: ["report", "--demo", "--dry-run", "--out", str(t / "o"), "--from", "me@"], ("--from='me@'",)),
    ("smtp-password-binary", lambda t: ["report", "--demo", "--to", "a@example.com", "--from", "b@example.com", "--smtp-host", "127.0.0.1", "--smtp-port", "9", "--smtp-user", "u", "--smtp-password-file", _binary(t), "--no-chart"], ("--smtp-password-file=", "binary")),
    ("cron-never", lambda t: ["schedule", "--demo", "--dry-run", "--out", str(t / "o"), "--cron", "0 0 31 2 *"], ("--cron='0 0 31 2 *'", "never fires")),
    ("config-source-type", lambda t: ["report", "--dry-run", "--out", str(t / "o"), "--config", _toml(t, "[source]\nfunctions = 5\n")], ("source.functions=5", "must be a string")),
    ("env-config-binary", lambda t: ["collect", "--env-config", _binary(t), "--yes", "--data-dir", str(t / "d")], ("--env-config=", "binary")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "fragments"), [row[1:] for row in FLAGS], ids=[row[0] for row in FLAGS]
)
def test_flags(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: Callable[[Path], list[str]],
    fragments: tuple[str, ...],
) -> None:
    monkeypatch.setenv("CROSSOVER_CHARTS", "0")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # never AWS
    code, _, err = run(*argv(tmp_path))
    lines = [ln for ln in err.strip().splitlines() if not ln.startswith("WARNING")]
    assert_one_line(code, "\n".join(lines), *fragments)
    assert not (tmp_path / "o").exists()  # no report written (nor sent)
    assert not (tmp_path / "d" / "store" / "functions.parquet").exists()


# -- a damaged store (`crossover analyze --store`) -------------------------------------------
@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    fleet = demo_fleet()
    f = fleet.functions
    acct, region = f.iloc[0]["account_id"], f.iloc[0]["region"]
    pair = f[(f["account_id"] == acct) & (f["region"] == region)]
    traffic = fleet.traffic[fleet.traffic["function_id"].isin(pair["function_id"])]
    start = pd.Timestamp(traffic["timestamp"].min())
    end = pd.Timestamp(traffic["timestamp"].max()) + pd.Timedelta(hours=1)
    Store(tmp_path / "data").write_pair(acct, region, pair, traffic, (start, end))
    return tmp_path / "data"


def _traffic_without_timestamp(root: Path) -> None:
    import pyarrow.parquet as pq

    path = next((root / "traffic").glob("*.parquet"))
    pq.write_table(pq.read_table(path).drop(["timestamp"]), path)


def _traffic_without_durations(root: Path) -> None:
    import pyarrow.parquet as pq

    path = next((root / "traffic").glob("*.parquet"))
    pq.write_table(pq.read_table(path).drop(["duration_sum_ms"]), path)


def _schema_dir(root: Path) -> None:
    (root / "SCHEMA_VERSION").unlink()
    (root / "SCHEMA_VERSION").mkdir()


STORE_DAMAGE: list[tuple[str, Callable[[Path], object], tuple[str, ...]]] = [
    ("windows-list", lambda r: (r / "windows.json").write_text("[1, 2]"), ("windows.json", "damaged")),
    ("windows-bad-time", lambda r: (r / "windows.json").write_text('{"1:us-east-1": [["yesterday", "x"]]}'), ("windows.json", "damaged")),
    ("windows-binary", lambda r: (r / "windows.json").write_bytes(b"\xff\x00"), ("windows.json", "damaged")),
    ("schema-dir", _schema_dir, ("SCHEMA_VERSION", "damaged")),
    ("schema-binary", lambda r: (r / "SCHEMA_VERSION").write_bytes(b"\xff\xfe\x00"), ("SCHEMA_VERSION", "damaged")),
    ("schema-other", lambda r: (r / "SCHEMA_VERSION").write_text("7\n"), ("schema version 7",)),
    ("meta-list", lambda r: (r / "meta.json").write_text("[]"), ("meta.json", "damaged")),
    ("meta-failures-text", lambda r: (r / "meta.json").write_text('{"failures": "x"}'), ("meta.json", "damaged")),
    ("traffic-no-timestamp", _traffic_without_timestamp, ("no timestamp column",)),
    ("traffic-no-durations", _traffic_without_durations, ("no duration_sum_ms column",)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("damage", "fragments"), [row[1:] for row in STORE_DAMAGE], ids=[row[0] for row in STORE_DAMAGE]
)
def test_damaged_store(
    store_dir: Path, damage: Callable[[Path], object], fragments: tuple[str, ...]
) -> None:
    damage(store_dir / "store")
    before = {p: p.read_bytes() for p in store_dir.rglob("*") if p.is_file()}
    code, out, err = run("analyze", "--store", "--data-dir", str(store_dir))
    assert_one_line(code, err, *fragments)
    assert out == ""
    assert {p: p.read_bytes() for p in store_dir.rglob("*") if p.is_file()} == before


# -- hostile names on the terminal ------------------------------------------------------------
def test_names_with_escape_sequences_print_inert(tmp_path: Path) -> None:
    p = tmp_path / "s.json"
    p.write_text(scenario_text(name="evil\x1b[2J\x1b[31mred\u202etxt.exe\rover"))
    code, out, err = run("cost", str(p))
    assert code == 0, err
    assert "evil\\x1b[2J\\x1b[31mred\\u202etxt.exe\\x0dover" in out
    assert not any(c in out for c in "\x1b\u202e\r")
