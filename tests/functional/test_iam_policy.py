"""The shipped IAM policy allows every AWS call Crossover makes, and nothing that writes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from aws_helpers import (
    MAIN_ACCOUNT,
    POLICY_PATH,
    policy_actions,
    policy_allows,
    pricing_stub_client,
    recording,
    seed_fleet,
    stub_pricing,
)
from botocore.stub import Stubber

from analyzer.adapters.aws.collect import collect_fleet
from analyzer.adapters.aws.session import base_session, discover_accounts, enabled_regions
from analyzer.adapters.pricing_commitments import savings_plans_rates, spot_rows
from analyzer.adapters.pricing_refresh import refresh

WRITE_VERBS = ("Put", "Create", "Delete", "Update", "Send", "Invoke", "Tag", "Attach", "Set")


def test_policy_is_read_only_and_has_no_email_permission() -> None:
    doc = json.loads(POLICY_PATH.read_text(encoding="utf-8"))
    assert doc["Version"] == "2012-10-17"
    actions = policy_actions()
    assert all("*" not in a for a in actions)
    assert not [a for a in actions if a.split(":")[1].startswith(WRITE_VERBS)]
    assert not [a for a in actions if a.startswith("ses:")]
    assume = [s for s in doc["Statement"] if "sts:AssumeRole" in s["Action"]]
    assert assume[0]["Resource"] == "arn:aws:iam::*:role/crossover-readonly"


@pytest.mark.aws
@pytest.mark.xdist_group("moto")
def test_every_call_of_a_full_run_is_allowed_by_the_policy(moto_url: str) -> None:
    seed_fleet(moto_url, accounts=(MAIN_ACCOUNT,), regions=("us-east-1",), hours=2)
    session = base_session()
    org = session.client("organizations", endpoint_url=moto_url)
    org.create_organization(FeatureSet="ALL")
    # every path: own account with region discovery, org accounts through assumed roles
    with recording() as seen:
        (me,), _ = discover_accounts(session, endpoint_url=moto_url)
        assert "eu-west-1" in enabled_regions(me)  # what --region left out uses
        accounts, failures = discover_accounts(
            session, org_role="crossover-readonly", endpoint_url=moto_url
        )
        assert failures == []
        collect_fleet(accounts, ["us-east-1"], days=1)
        client = pricing_stub_client()
        with Stubber(client) as stub:
            stub_pricing(stub, ("us-east-1",))
            refresh(["us-east-1"], client, today=dt.date(2026, 11, 26))
        sp = session.client("savingsplans", region_name="us-east-1")
        ec2 = session.client("ec2", region_name="us-east-1")
        with Stubber(sp) as sps, Stubber(ec2) as ecs:  # prices refresh's commitment rates
            sps.add_response("describe_savings_plans_offering_rates", {"searchResults": []})
            ecs.add_response("describe_spot_price_history", {"SpotPriceHistory": []})
            savings_plans_rates(sp, "us-east-1")
            spot_rows(ec2, {"ec2": {}}, "us-east-1")

    exercised = {
        "sts:getcalleridentity",
        "sts:assumerole",
        "organizations:listaccounts",
        "ec2:describeregions",
        "lambda:listfunctions",
        "lambda:listprovisionedconcurrencyconfigs",
        "cloudwatch:getmetricdata",
        "pricing:getproducts",
        "savingsplans:describesavingsplansofferingrates",
        "ec2:describespotpricehistory",
    }
    assert exercised <= {a.lower() for a in seen}
    denied = sorted(a for a in seen if not policy_allows(a))
    assert denied == []
