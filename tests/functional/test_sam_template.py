"""The SAM deployment: the template passes cfn-lint, grants only what the report needs, and its
handler sends a report through SES (moto server)."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
import requests
import yaml
from aws_helpers import RECORDED

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "template.yaml"
CFN_LINT = ROOT / ".venv" / "bin" / "cfn-lint"


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that keeps CloudFormation short-form tags (!Ref, !Sub...) as plain data."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {suffix: value}


_CfnLoader.add_multi_constructor("!", _tag)


def template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506


def function() -> dict[str, Any]:
    return template()["Resources"]["ReportFunction"]


def test_template_passes_cfn_lint() -> None:
    exe = str(CFN_LINT) if CFN_LINT.exists() else "cfn-lint"
    result = subprocess.run([exe, str(TEMPLATE)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_function_runs_the_handler_on_a_scheduler_schedule() -> None:
    fn = function()
    assert fn["Type"] == "AWS::Serverless::Function"
    props = fn["Properties"]
    module, func = props["ImageConfig"]["Command"][0].rsplit(".", 1)
    assert (ROOT / f"{module}.py").exists()
    assert func == "handler"
    events = list(props["Events"].values())
    assert [e["Type"] for e in events] == ["ScheduleV2"]
    assert events[0]["Properties"]["RetryPolicy"]["MaximumRetryAttempts"] == 0
    assert props["EventInvokeConfig"]["MaximumRetryAttempts"] == 0  # never two reports
    env = props["Environment"]["Variables"]
    assert {"CROSSOVER_REPORT_TO", "CROSSOVER_REPORT_FROM"} <= set(env)
    dockerfile = ROOT / "deploy" / fn["Metadata"]["Dockerfile"].removeprefix("deploy/")
    assert dockerfile.exists()


def test_image_installs_the_package_with_its_own_data() -> None:
    """The bundled price book is package data: the image copies no file from outside the
    package for it and runs the installed (not editable, not uninstalled) package."""
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert "pricing_data" not in dockerfile
    assert "pip uninstall" not in dockerfile
    assert "pip install --no-cache-dir /tmp/crossover" in dockerfile


def test_policy_is_the_read_only_policy_plus_sending_from_one_identity() -> None:
    statements = function()["Properties"]["Policies"][0]["Statement"]
    granted = {a for st in statements for a in st["Action"]}
    readonly = json.loads((ROOT / "iam" / "crossover-readonly.json").read_text(encoding="utf-8"))
    expected = {a for st in readonly["Statement"] for a in st["Action"]}
    assert granted - expected == {"ses:SendRawEmail"}
    assert expected <= granted
    (send,) = [st for st in statements if "ses:SendRawEmail" in st["Action"]]
    assert send["Action"] == ["ses:SendRawEmail"]
    assert send["Resource"] != "*"
    assert "identity/${SenderIdentity}" in send["Resource"]["Sub"]
    assert all(st["Effect"] == "Allow" for st in statements)
    assert not any("*" in a for a in granted)


# -- the handler, against moto -----------------------------------------------------------------
@pytest.fixture
def handler_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "crossover_deploy_handler", ROOT / "deploy" / "handler.py"
    )
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def ses_checked() -> Iterator[None]:
    yield
    policy = json.loads((ROOT / "iam" / "crossover-report-ses.json").read_text(encoding="utf-8"))
    allowed = [a for st in policy["Statement"] for a in st["Action"]]
    for action in {a for a in RECORDED if a.startswith("ses:")}:
        assert any(fnmatch.fnmatchcase(action, p) for p in allowed), action
        RECORDED.discard(action)


@pytest.mark.aws
def test_handler_sends_the_report_with_ses(
    moto_url: str, monkeypatch: pytest.MonkeyPatch, handler_module: ModuleType, ses_checked: None
) -> None:
    boto3.client("ses", endpoint_url=moto_url, region_name="us-east-1").verify_email_identity(
        EmailAddress="crossover@example.com"
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("CROSSOVER_SES_REGION", "us-east-1")
    monkeypatch.setenv("CROSSOVER_REPORT_TO", "a@example.com, b@example.com")
    monkeypatch.setenv("CROSSOVER_REPORT_FROM", "crossover@example.com")
    monkeypatch.setenv("CROSSOVER_REPORT_ATTACH", "csv")
    monkeypatch.setenv("CROSSOVER_SOURCE", "demo")
    monkeypatch.setenv("CROSSOVER_CHARTS", "0")
    result = handler_module.handler({}, None)
    assert result["sent"] is True
    assert result["recipients"] == ["a@example.com", "b@example.com"]
    data = requests.get(f"{moto_url}/moto-api/data.json", timeout=10).json()
    (sent,) = data["ses"]["RawMessage"]
    assert sent["id"] == result["ses_message_id"]
    assert sorted(set(sent["destinations"])) == ["a@example.com", "b@example.com"]
    assert "crossover-recommendations-" in sent["raw_data"]
