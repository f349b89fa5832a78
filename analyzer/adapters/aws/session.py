"""Sessions, accounts and regions to collect from.

Everything takes a boto3 Session (or builds one lazily): no client is created at import time,
so tests hand in a session pointed at a local endpoint (`endpoint_url`, or `AWS_ENDPOINT_URL`).

Accounts come from the current credentials, from role ARNs assumed through STS, or from every
account of the Organization (`org_role` assumed in each). A failure to reach one account is
returned as a failure entry, never raised.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import botocore.parsers
from botocore.config import Config

from analyzer.adapters.aws.guard import UnusableResponseError, guard
from analyzer.core.safe_load import load_file
from analyzer.exceptions import CollectionError, InputError

log = logging.getLogger(__name__)

ENV_ENDPOINT_URL = "AWS_ENDPOINT_URL"
DEFAULT_REGION = "us-east-1"
SESSION_NAME = "crossover-readonly"
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 30
#: Throttling and 5xx get up to 10 attempts; a silent endpoint only MAX_TIMEOUT_ATTEMPTS
#: (see guard.bound_timeouts), so a black hole fails in about a minute per call.
RETRY_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": 10},
    connect_timeout=CONNECT_TIMEOUT_S,
    read_timeout=READ_TIMEOUT_S,
)

#: Errors that mean "this account/region cannot be read", recorded as failures.
AWS_ERRORS: tuple[type[Exception], ...] = (
    botocore.exceptions.ClientError,
    botocore.exceptions.BotoCoreError,
    botocore.parsers.ResponseParserError,
)


def failure(account_id: str, region: str, stage: str, exc: BaseException | str) -> dict[str, str]:
    """One failure entry for FleetData.meta["failures"] (one line, never credentials)."""
    text = exc if isinstance(exc, str) else error_text(exc)
    return {"account_id": account_id, "region": region, "stage": stage, "error": text}


def error_text(exc: BaseException) -> str:
    """A one-line description of an AWS error (code and message only)."""
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code", "Error")
        msg = err.get("Message", "") or str(exc)
        if msg.lstrip().startswith("<"):  # an HTML error page, not an AWS error
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
            msg = f"HTTP {status}: the endpoint does not offer this API"
        return _one_line(f"{code}: {msg}")
    if isinstance(exc, UnusableResponseError):
        return _one_line(str(exc))
    return _one_line(f"{type(exc).__name__}: {exc}")


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def service_endpoint_variable(service: str) -> str:
    """boto3's per-service endpoint variable, e.g. AWS_ENDPOINT_URL_PRICING for "pricing"."""
    return f"{ENV_ENDPOINT_URL}_{service.upper().replace('-', '_').replace(' ', '_')}"


def resolve_endpoint(endpoint_url: str | None = None, service: str | None = None) -> str | None:
    """$AWS_ENDPOINT_URL_<SERVICE> > explicit endpoint > $AWS_ENDPOINT_URL > None (real AWS).

    The per-service variable wins over --endpoint-url for its service, so a local AWS without a
    Pricing API (moto) can be paired with a pricing emulator. A given but empty or malformed
    endpoint is refused (`InputError`), never replaced by the real AWS endpoints: a typo must
    not send a "local" run to AWS."""
    variable = service_endpoint_variable(service) if service else ""
    if variable and variable in os.environ:
        return check_endpoint(os.environ[variable], variable)
    if endpoint_url is not None:
        return check_endpoint(endpoint_url, "--endpoint-url")
    if ENV_ENDPOINT_URL in os.environ:
        return check_endpoint(os.environ[ENV_ENDPOINT_URL], ENV_ENDPOINT_URL)
    return None


def _redacted_url(url: str) -> str:
    """The URL as it may be shown: any user:password@ part replaced, cut to 200 characters
    (`InputError` shows it with `repr`, which escapes control characters once)."""
    return re.sub(r"//[^/@]*@", "//***@", url)[:200]


def check_endpoint(url: str, source: str) -> str:
    """`url` if it is a usable http(s) endpoint URL, else `InputError` naming `source`."""
    shown = _redacted_url(url)
    if not url.strip():
        raise InputError(source, "", "is empty: give an http(s) URL, or leave it out to use AWS")
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port  # raises ValueError when out of range or not a number
    except ValueError as exc:
        raise InputError(source, shown, f"is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise InputError(source, shown, "must start with http:// or https://")
    if not parts.hostname:
        raise InputError(source, shown, "has no host name")
    if parts.username is not None or parts.password is not None:
        raise InputError(source, shown, "must not contain credentials (user:password@)")
    if port == 0:
        raise InputError(source, shown, "has port 0")
    if any(ord(c) < 33 for c in url.strip()):
        raise InputError(source, shown, "contains spaces or control characters")
    return url.strip()


def base_session(profile: str | None = None, region: str | None = None) -> boto3.Session:
    """The caller's own credentials (optionally a named profile)."""
    try:
        return boto3.Session(profile_name=profile, region_name=region or DEFAULT_REGION)
    except botocore.exceptions.ProfileNotFound as exc:
        raise CollectionError(f"AWS profile {profile!r} not found in your AWS config") from exc


@dataclass
class Account:
    """One AWS account to read, with the session that reads it."""

    account_id: str
    session: boto3.Session
    account_name: str = ""
    environment: str = ""
    endpoint_url: str | None = None
    config: Config | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def client(self, service: str, region: str) -> Any:
        """A client for `service` in `region` (boto3 Sessions are not thread-safe: lock)."""
        cfg = client_config(self.config)
        with self._lock:
            return guard(
                self.session.client(
                    service,
                    region_name=region,
                    endpoint_url=resolve_endpoint(self.endpoint_url, service),
                    config=cfg,
                )
            )


def client_config(config: Config | None = None) -> Config:
    """Adaptive retries and timeouts, overlaid with the caller's own botocore Config (if any)."""
    return RETRY_CONFIG.merge(config) if config else RETRY_CONFIG


def load_env_config(path: str | Path | None) -> dict[str, dict[str, str]]:
    """Read the account -> environment mapping (YAML or JSON).

    Either `{"123456789012": "prod"}` or
    `{"123456789012": {"environment": "prod", "name": "shop"}}`, optionally under `accounts:`.
    """
    if path is None:
        return {}
    p = Path(path)
    raw = load_file(p, "--env-config", kind="yaml")  # YAML, so JSON too
    if isinstance(raw, Mapping) and isinstance(raw.get("accounts"), Mapping):
        raw = raw["accounts"]
    if not isinstance(raw, Mapping):
        raise InputError("env-config", str(p), "must map account ids to environments")
    out: dict[str, dict[str, str]] = {}
    for key, value in raw.items():
        acct = str(key).zfill(12) if str(key).isdigit() else str(key)
        if isinstance(value, str):
            out[acct] = {"environment": value}
        elif isinstance(value, Mapping):
            out[acct] = {k: str(v) for k, v in value.items() if k in ("environment", "name")}
        else:
            raise InputError(
                f"env-config[{acct}]", value, "must be an environment name or a mapping"
            )
    return out


def _label(account: Account, env_map: Mapping[str, Mapping[str, str]]) -> Account:
    entry = env_map.get(account.account_id, {})
    account.environment = entry.get("environment", account.environment)
    account.account_name = entry.get("name", account.account_name) or account.account_name
    return account


def guarded_client(
    session: boto3.Session,
    service: str,
    region: str,
    endpoint_url: str | None = None,
    config: Config | None = None,
) -> Any:
    """A client with Crossover's retries and timeouts and the response guards."""
    return guard(
        session.client(
            service,
            region_name=region,
            endpoint_url=resolve_endpoint(endpoint_url, service),
            config=client_config(config),
        )
    )


def assume(
    session: boto3.Session,
    role_arn: str,
    endpoint_url: str | None = None,
    config: Config | None = None,
) -> boto3.Session:
    """A session with the temporary credentials of `role_arn` (credentials stay in memory)."""
    region = session.region_name or DEFAULT_REGION
    sts = guarded_client(session, "sts", region, endpoint_url, config)
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )


def account_of_arn(role_arn: str) -> str:
    parts = role_arn.split(":")
    if len(parts) < 6 or not parts[0] == "arn" or not parts[4].isdigit():
        raise InputError("role-arn", role_arn, "is not a role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
    return parts[4]


def _own_account_id(session: boto3.Session, endpoint_url: str | None, config: Config | None) -> str:
    """The account of the session's own credentials (sts:GetCallerIdentity)."""
    region = session.region_name or DEFAULT_REGION
    try:
        sts = guarded_client(session, "sts", region, endpoint_url, config)
        return str(sts.get_caller_identity()["Account"])
    except botocore.exceptions.NoCredentialsError as exc:
        raise CollectionError(
            "no AWS credentials found: configure a profile (--profile) or environment credentials"
        ) from exc
    except AWS_ERRORS as exc:
        raise CollectionError(f"cannot identify the AWS account: {error_text(exc)}") from exc


def _organization_accounts(
    session: boto3.Session,
    org_role: str,
    endpoint_url: str | None,
    config: Config | None,
    failures: list[dict[str, str]],
) -> list[tuple[str, str, str]]:
    """(account_id, role_arn, name) of every active account of the Organization."""
    region = session.region_name or DEFAULT_REGION
    wanted: list[tuple[str, str, str]] = []
    try:
        org = guarded_client(session, "organizations", region, endpoint_url, config)
        for page in org.get_paginator("list_accounts").paginate():
            for a in page["Accounts"]:
                if a.get("Status", "ACTIVE") != "ACTIVE":
                    continue
                arn = f"arn:aws:iam::{a['Id']}:role/{org_role}"
                wanted.append((a["Id"], arn, a.get("Name", "")))
    except AWS_ERRORS as exc:
        failures.append(failure("organization", "", "list_accounts", exc))
    return wanted


def discover_accounts(
    session: boto3.Session,
    *,
    role_arns: Sequence[str] = (),
    org_role: str | None = None,
    env_map: Mapping[str, Mapping[str, str]] | None = None,
    endpoint_url: str | None = None,
    config: Config | None = None,
) -> tuple[list[Account], list[dict[str, str]]]:
    """The accounts to read and the failures met finding them.

    No role ARN and no org role: the session's own account. Otherwise every role ARN, and with
    `org_role` every account of the Organization (names from Organizations).
    """
    env_map = env_map or {}
    accounts: list[Account] = []
    failures: list[dict[str, str]] = []
    if not role_arns and not org_role:
        acct = _own_account_id(session, endpoint_url, config)
        me = Account(acct, session, endpoint_url=endpoint_url, config=config)
        return [_label(me, env_map)], failures

    wanted: list[tuple[str, str, str]] = [(account_of_arn(arn), arn, "") for arn in role_arns]
    if org_role:
        wanted.extend(_organization_accounts(session, org_role, endpoint_url, config, failures))
    seen: set[str] = set()
    for acct, arn, name in wanted:
        if acct in seen:
            continue
        seen.add(acct)
        try:
            s = assume(session, arn, endpoint_url, config)
        except AWS_ERRORS as exc:
            log.warning("cannot assume %s: %s", arn, error_text(exc))
            failures.append(failure(acct, "", "assume_role", exc))
            continue
        accounts.append(
            _label(
                Account(acct, s, account_name=name, endpoint_url=endpoint_url, config=config),
                env_map,
            )
        )
    return accounts, failures


def enabled_regions(account: Account) -> list[str]:
    """Every region enabled for the account (ec2:DescribeRegions)."""
    region = account.session.region_name or DEFAULT_REGION
    try:
        ec2 = account.client("ec2", region)
        regions = ec2.describe_regions(AllRegions=False)["Regions"]
    except AWS_ERRORS as exc:
        raise CollectionError(f"cannot list the enabled regions: {error_text(exc)}") from exc
    return sorted(r["RegionName"] for r in regions)


def describe(accounts: Sequence[Account]) -> list[dict[str, str]]:
    """JSON-safe description of the accounts (no credentials)."""
    return [
        {"account_id": a.account_id, "account_name": a.account_name, "environment": a.environment}
        for a in accounts
    ]


def dumps_safe(obj: Any) -> str:
    return json.dumps(obj, default=str)
