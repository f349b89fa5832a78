"""`crossover report`: dry run, SMTP delivery from the command line, the config file."""

from __future__ import annotations

import email
import shutil
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_report_support import PASSWORD, USER, free_port, parts, smtp_server

from analyzer.adapters.report_config import load_config
from analyzer.cli import cli
from analyzer.exceptions import InputError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "report.toml"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CROSSOVER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CROSSOVER_SMTP_PASSWORD", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    return tmp_path


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_dry_run_writes_the_eml_and_its_parts(env: Path) -> None:
    out = env / "out"
    code, stdout, stderr = invoke(
        "report",
        "--demo",
        "--dry-run",
        "--out",
        str(out),
        "--attach",
        "csv",
        "--to",
        "a@example.com",
    )
    assert code == 0, stderr
    names = sorted(p.name for p in out.iterdir())
    assert {"report.eml", "report.html", "report.txt", "chart-fleet.png"} <= set(names)
    assert any(n.endswith(".csv") for n in names)
    assert not [n for n in names if n.endswith(".tmp")]
    assert stdout.splitlines()[-1] == str(out / "report.eml")  # the .eml is written last
    assert "dry run, not sent" in stderr
    msg = email.message_from_bytes((out / "report.eml").read_bytes(), policy=policy.default)
    p = parts(msg)
    ((cid, png),) = p["images"].items()
    # report.html, opened in a browser, shows the chart written beside it (no broken cid:)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "cid:" not in html
    assert 'src="chart-fleet.png"' in html
    assert html == p["html"].replace(f'src="cid:{cid}"', 'src="chart-fleet.png"')
    assert (out / "report.txt").read_text(encoding="utf-8") == p["text"]
    assert (out / "chart-fleet.png").read_bytes() == png
    assert msg["To"] == "a@example.com"
    # a dry run is not a sent report: no verdict history was recorded
    assert not (env / "data" / "store" / "history").exists()


def test_cli_delivers_to_a_local_smtp_server_with_an_inline_chart(env: Path) -> None:
    with smtp_server(env) as srv:
        code, _, stderr = invoke(
            "report",
            "--demo",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            str(srv.port),
            "--to",
            "a@example.com",
            "--from",
            "crossover@example.com",
        )
    assert code == 0, stderr
    assert "sent with smtp to a@example.com" in stderr
    (msg,) = srv.sink.messages
    p = parts(msg)
    (cid,) = p["images"]
    assert f"cid:{cid}" in p["html"]
    assert srv.sink.rcpt_tos == [["a@example.com"]]
    assert msg["From"] == "crossover@example.com"


def test_config_file_with_flag_overrides_over_starttls_and_auth(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSOVER_CHARTS", "0")
    secret = env / "smtp-password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    with smtp_server(env, starttls=True, auth=True) as srv:
        assert srv.cert is not None
        monkeypatch.setenv("SSL_CERT_FILE", str(srv.cert))  # trust the test certificate
        code, _, stderr = invoke(
            "report",
            "--config",
            str(EXAMPLE),
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            str(srv.port),
            "--smtp-password-file",
            str(secret),
            "--subject",
            "Weekly: {outgrown} outgrown ({date})",
        )
    assert code == 0, stderr
    (msg,) = srv.sink.messages
    cfg = load_config(EXAMPLE)
    assert srv.sink.rcpt_tos == [list(cfg.to)]  # recipients from the file
    assert msg["Subject"].startswith("Weekly: ")  # subject from the flag
    names = sorted(parts(msg)["attachments"])
    assert [n.rsplit(".", 1)[1] for n in names] == sorted(cfg.attach)  # attachments from the file


def test_password_from_the_environment(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSOVER_CHARTS", "0")
    monkeypatch.setenv("CROSSOVER_SMTP_PASSWORD", PASSWORD)
    with smtp_server(env, starttls=True, auth=True) as srv:
        assert srv.cert is not None
        monkeypatch.setenv("SSL_CERT_FILE", str(srv.cert))
        code, _, stderr = invoke(
            "report",
            "--demo",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            str(srv.port),
            "--starttls",
            "--smtp-user",
            USER,
            "--to",
            "a@example.com",
            "--from",
            "c@example.com",
        )
    assert code == 0, stderr
    assert len(srv.sink.messages) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--demo", "--smtp-host", "127.0.0.1", "--from", "c@example.com"],
            "give at least one recipient",
        ),
        (["--demo", "--to", "a@example.com", "--from", "c@example.com"], "say how to send"),
        (
            [
                "--demo",
                "--smtp-host",
                "h",
                "--smtp-user",
                "u",
                "--to",
                "a@example.com",
                "--from",
                "c@example.com",
            ],
            "CROSSOVER_SMTP_PASSWORD",
        ),
        (["--demo", "--dry-run"], "--dry-run needs --out"),
        (
            ["--demo", "--dry-run", "--out", "x", "--subject", "{nope}"],
            "unknown placeholder {nope}",
        ),
        (
            [
                "--demo",
                "--smtp-host",
                "h",
                "--tls",
                "--starttls",
                "--to",
                "a@example.com",
                "--from",
                "c@example.com",
            ],
            "not both",
        ),
    ],
)
def test_bad_options_fail_with_one_line(env: Path, args: list[str], message: str) -> None:
    code, _stdout, stderr = invoke("report", *args)
    assert code != 0
    assert message in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert "Traceback" not in stderr


def test_delivery_failure_exits_non_zero_with_one_line(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CROSSOVER_CHARTS", "0")
    port = free_port()  # nothing listens there
    code, _, stderr = invoke(
        "report",
        "--demo",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        str(port),
        "--attempts",
        "1",
        "--to",
        "a@example.com",
        "--from",
        "c@example.com",
    )
    assert code == 1
    assert stderr.strip().startswith(f"Error: SMTP delivery to 127.0.0.1:{port} failed after 1")
    assert len(stderr.strip().splitlines()) == 1


def test_config_refuses_a_password_and_unknown_keys(tmp_path: Path) -> None:
    bad = tmp_path / "r.toml"
    bad.write_text(
        'to = ["a@example.com"]\n[smtp]\nhost = "h"\npassword = "hunter2"\n', encoding="utf-8"
    )
    with pytest.raises(InputError, match="never put the password in the file") as err:
        load_config(bad)
    assert "hunter2" not in str(err.value)
    bad.write_text('recipients = ["a@example.com"]\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"recipients.*unknown setting"):
        load_config(bad)
    bad.write_text("to = [\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid TOML"):
        load_config(bad)


def test_config_thresholds_change_the_verdicts(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSOVER_CHARTS", "0")
    cfg = env / "r.toml"
    cfg.write_text(
        "[source]\ndemo = true\n[thresholds]\noutgrown_min_saving_usd = 1000000\n", encoding="utf-8"
    )
    code, _, stderr = invoke("report", "--config", str(cfg), "--dry-run", "--out", str(env / "o"))
    assert code == 0, stderr
    assert stderr.strip().startswith("report: 0 outgrown")  # no saving reaches $1M/month
    shutil.rmtree(env / "o")
