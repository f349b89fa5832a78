"""Data source: the demo fleet (default), two uploaded CSV files, a stored collection, or, when
the operator has enabled it, a live collection from AWS."""

from __future__ import annotations

import hashlib
import io

import pandas as pd
import streamlit as st

from analyzer.adapters.csv_import import ImportErrors, import_csv
from analyzer.core.fleet import FleetData
from analyzer.exceptions import CrossoverError
from app_pages import common

SOURCES = ["Demo fleet", "Upload CSV files", "Stored collection", "Live AWS"]


def refresh_prices(fleet: FleetData, profile: str | None, endpoint: str | None) -> None:
    """Read from the Pricing API the collected regions the price book lacks (as the CLI's
    --aws flows do), save the book in the data directory and note it; a failure is a warning."""
    import os

    from analyzer.adapters.aws.session import base_session
    from analyzer.adapters.pricing_auto import refresh_missing
    from analyzer.adapters.pricing_products import pricing_client
    from analyzer.core.pricebook import ENV_PRICEBOOK
    from analyzer.exceptions import PriceBookError

    if fleet.functions.empty or os.environ.get(ENV_PRICEBOOK):  # a pinned book stays in use
        return
    try:
        done = refresh_missing(
            common.price_book(),
            fleet.functions["region"].unique(),
            client_factory=lambda: pricing_client(base_session(profile), endpoint),
            proxied=fleet.meta.get("price_region_proxy", {}),
            progress=st.write,
        )
    except PriceBookError as exc:
        st.warning(str(exc))
        return
    if done.regions:
        common.price_book.clear()
        fleet.meta["notes"] = [*fleet.meta.get("notes", []), *done.notes]
        for note in done.notes:
            st.caption(note)


st.title("Data source")
sid, fleet = common.current_fleet()
st.markdown(
    f"Now analysing: **{'the demo fleet' if sid == common.DEMO else sid}** "
    f"({len(fleet)} functions, price book as of {common.price_book().as_of})."
)

choice = st.radio(
    "Where should the numbers come from?", SOURCES, key="source_kind", horizontal=True
)

with common.guarded():
    if choice == "Demo fleet":
        st.markdown(
            "67 synthetic functions in three accounts (dev, test, prod) and two regions, "
            "90 days of hourly traffic. Nothing leaves this computer."
        )
        st.button("Use the demo fleet", on_click=common.use_demo, key="use_demo")

    elif choice == "Upload CSV files":
        st.markdown(
            "Two files (see docs/interfaces.md, *Imported metrics*): **functions.csv** with "
            "`function,memory_mb,arch,region` (+ optional account_id, account_name, environment, "
            "runtime, …) and **traffic.csv** with `function,timestamp,invocations,duration_sum_ms` "
            f"(hourly or daily rows). Up to {common.MAX_UPLOAD_BYTES // 2**20} MB each."
        )
        functions_upload = st.file_uploader("Functions CSV", type=["csv"], key="up_functions")
        traffic_upload = st.file_uploader("Traffic CSV", type=["csv"], key="up_traffic")
        if (
            st.button(
                "Analyse these files",
                key="load_csv",
                disabled=not (functions_upload and traffic_upload),
            )
            and functions_upload
            and traffic_upload
        ):
            functions_bytes, traffic_bytes = functions_upload.getvalue(), traffic_upload.getvalue()
            too_big = [
                upload.name
                for upload, content in (
                    (functions_upload, functions_bytes),
                    (traffic_upload, traffic_bytes),
                )
                if len(content) > common.MAX_UPLOAD_BYTES
            ]
            if too_big:
                st.error(
                    f"Too large (limit {common.MAX_UPLOAD_BYTES // 2**20} MB): {', '.join(too_big)}"
                )
            else:
                try:
                    new = import_csv(
                        io.BytesIO(functions_bytes),
                        io.BytesIO(traffic_bytes),
                        functions_name=functions_upload.name,
                        traffic_name=traffic_upload.name,
                        max_bytes=common.MAX_UPLOAD_BYTES,
                    )
                except ImportErrors as exc:
                    st.error(f"{len(exc.errors)} problem(s) found; nothing was imported.")
                    st.dataframe(
                        pd.DataFrame(
                            [
                                {
                                    "File": e.file,
                                    "Line": e.line,
                                    "Column": e.field,
                                    "Value": str(e.value),
                                    "Problem": e.reason,
                                }
                                for e in exc.errors[:500]
                            ]
                        ),
                        hide_index=True,
                        width="stretch",
                        key="csv_errors",
                    )
                else:
                    digest = hashlib.sha256(functions_bytes + b"\0" + traffic_bytes).hexdigest()[
                        :12
                    ]
                    common.set_fleet(
                        f"csv:{functions_upload.name}+{traffic_upload.name}:{digest}", new
                    )
                    st.success(
                        f"Imported {len(new)} functions from {functions_upload.name} and {traffic_upload.name}."
                    )
                    for note in new.meta.get("notes", []):
                        st.caption(note)

    elif choice == "Stored collection":
        from analyzer.adapters.store import Store

        store = Store()
        st.markdown(f"The local store at `{store.root}` (written by `crossover collect`).")
        if not store.exists():
            st.info("Nothing stored yet: run `crossover collect` first.")
        elif st.button("Analyse the stored collection", key="load_store"):
            # the fingerprint (taken first): a newer collection is a new source, never shown an
            # older analysis
            files = store.traffic_files()  # listed once, for both
            fingerprint = store.fingerprint(files)
            stored = store.fleet(files=files)
            common.set_fleet(f"store:{store.root}#{fingerprint}", stored)
            if isinstance(stored, FleetData):
                st.success(f"Loaded {len(stored)} functions from the store.")
            else:
                st.success(
                    f"Opened {len(stored)} functions in the store: their traffic is read from it "
                    "block by block at each analysis, not kept in memory (a large collection)."
                )

    elif not common.aws_enabled():
        st.info(
            "Live AWS collection is off on this server, so nobody who can reach this page can "
            "spend its AWS credentials. The operator can turn it on with the environment "
            "variable `CROSSOVER_ENABLE_AWS=1` or `[crossover] enable_aws = true` in "
            "`.streamlit/secrets.toml`. Or run `crossover collect` and use the stored collection."
        )
    else:
        from analyzer.adapters.aws import collect as awscollect
        from analyzer.adapters.aws import session as awssession

        c1, c2 = st.columns(2)
        profile = c1.text_input("AWS profile (empty: default credentials)", key="aws_profile")
        endpoint = c2.text_input("Endpoint URL (empty: real AWS)", key="aws_endpoint")
        roles = st.text_area(
            "Role ARNs to assume, one per line (empty: this account)", key="aws_roles"
        )
        c3, c4 = st.columns(2)
        regions_text = c3.text_input(
            "Regions, comma-separated (empty: all enabled)", key="aws_regions"
        )
        days = c4.number_input("Days of history", 1, 455, 30, key="aws_days")
        regions = [r.strip() for r in regions_text.split(",") if r.strip()] or None
        role_arns = [r.strip() for r in roles.splitlines() if r.strip()]

        if st.button("1. Estimate what collection costs", key="aws_plan"):
            session = awssession.base_session(profile or None)
            accounts, failures = awssession.discover_accounts(
                session, role_arns=role_arns, endpoint_url=endpoint or None
            )
            collector = awscollect.Collector(accounts, regions, days=int(days), failures=failures)
            with st.spinner("Listing functions…"):
                collector.inventory()
            st.session_state["aws_collector"] = collector
        pending: awscollect.Collector | None = st.session_state.get("aws_collector")
        if pending is not None:
            collector = pending
            plan = collector.plan()
            st.markdown(f"**Plan:** {plan.describe()}")
            if collector.failures:
                st.warning("Some accounts or regions failed (the rest will be collected):")
                st.dataframe(pd.DataFrame(collector.failures), hide_index=True, key="aws_fail_plan")
            if st.button(f"2. Collect (about ${plan.cost_usd:.2f})", key="aws_collect"):
                bar = st.progress(0.0, text="Fetching metrics…")

                def progress(p: awscollect.Progress) -> None:
                    frac = p.pairs_done / max(p.pairs_total, 1)
                    bar.progress(min(frac, 1.0), text=f"{p.stage}: {p.message} ({p.calls} calls)")

                collector.progress = progress
                try:
                    new = collector.fetch()
                except CrossoverError:
                    raise
                finally:
                    st.session_state.pop("aws_collector", None)
                failures = new.meta.get("failures") or []
                if failures:
                    st.warning(f"{len(failures)} account/region pair(s) failed:")
                    st.dataframe(pd.DataFrame(failures), hide_index=True, key="aws_fail_fetch")
                if len(new):
                    refresh_prices(new, profile or None, endpoint or None)
                    common.set_fleet(f"aws:{new.meta.get('collected_at', '')}", new)
                    st.success(f"Collected {len(new)} functions.")
                else:
                    st.error("No functions were collected.")
