"""No secret in any output: `crossover collect -vv` against a local AWS (moto), assuming a role,
with fake credentials. Neither stdout, stderr nor any file the run writes holds the secret key,
the session token, or the credentials AssumeRole returned."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from aws_helpers import SECRET_KEY, seed_fleet

SESSION_TOKEN = "crossover-TOKEN-do-not-log-FwoGZXIvYXdzEXAMPLEtoken0123456789"
MOTO_TOKEN_PREFIX = "FQoGZXIvYXdzEBYaD"  # every SessionToken the local STS hands out


@pytest.mark.aws
@pytest.mark.xdist_group("moto")
def test_debug_collection_through_assume_role_logs_no_secret(
    moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = seed_fleet(moto_url, accounts=("111111111111",), regions=("us-east-1",), hours=3)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    data = tmp_path / "data"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "analyzer",
            "-vv",
            "collect",
            "--role-arn",
            seeded.role_arns[0],
            "--endpoint-url",
            moto_url,
            "--region",
            "us-east-1",
            "--days",
            "1",
            "--yes",
            "--data-dir",
            str(data),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env=os.environ.copy(),
        check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "INFO botocore" in r.stderr  # -vv did log (the wire dumps are what is capped)
    written = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    assert written  # the store was written
    for secret in (SECRET_KEY, SESSION_TOKEN, MOTO_TOKEN_PREFIX):
        assert secret not in r.stdout
        assert secret not in r.stderr
        assert secret.encode() not in written
    for header in ("x-amz-security-token", "SecretAccessKey", "<SessionToken>"):
        assert header.lower() not in r.stderr.lower()
