"""What-if: every assumption as a control (live on every page), and whether the verdicts
survive the optimistic and pessimistic assumption sets."""

from __future__ import annotations

from typing import Any

import streamlit as st

from analyzer.core.assumptions import Assumptions
from analyzer.present import app as m
from app_pages import common

GROUPS = ["Options", "Commitment", "Provisioned sizing", "People", "Lambda billing", "Verdicts"]
OPEN_AT_FIRST = ("Commitment", "Provisioned sizing")


def group_key(group: str) -> str:
    """The session-state key of a group's expander (True: open)."""
    return "wi_group_" + group.lower().replace(" ", "_")


def control(spec: m.ControlSpec, problem: str | None) -> None:
    key = common.control_key(spec.name)
    kw: dict[str, Any] = {"key": key, "help": spec.help}
    labels = spec.option_labels
    if spec.kind == "toggle":
        st.toggle(spec.label, **kw)
    elif spec.kind == "select":
        st.selectbox(spec.label, list(spec.options), format_func=lambda v: labels.get(v, v), **kw)
    elif spec.kind == "multiselect":
        st.multiselect(spec.label, list(spec.options), format_func=lambda v: labels.get(v, v), **kw)
    elif spec.kind == "text":
        st.text_input(spec.label, **kw)
    elif spec.kind == "slider":
        st.slider(
            spec.label, spec.min_value, spec.max_value, step=spec.step, format=spec.format, **kw
        )
    elif spec.integer:
        lo = None if spec.min_value is None else int(spec.min_value)
        hi = None if spec.max_value is None else int(spec.max_value)
        st.number_input(spec.label, lo, hi, step=1, **kw)
    else:
        st.number_input(spec.label, spec.min_value, spec.max_value, step=spec.step, **kw)
    if problem:
        st.error(problem, icon=":material/error:")


st.title("What-if")
st.markdown(
    "Change any assumption: every page follows. Each control says its unit; hover the ? for "
    "details. A value that cannot be used is marked under its control; the pages keep the last "
    "valid analysis meanwhile."
)

left, right = st.columns([3, 2], gap="large")
with left:  # first and unguarded: the controls and Reset stay whatever happens on the right
    st.button("Reset to defaults", on_click=common.reset_assumptions, key="reset", type="primary")
    problem, culprits = common.assumption_problem()
    # A group's controls are drawn only while it is open (a change redraws the open ones, not
    # all 44); the values of the others stay in the session (common.init_state).
    for group in GROUPS:
        specs = [s for s in m.CONTROLS.values() if s.group == group]
        if any(s.name in culprits for s in specs):  # a value that cannot be used is shown
            st.session_state[group_key(group)] = True
        box = st.expander(
            group, expanded=group in OPEN_AT_FIRST, key=group_key(group), on_change="rerun"
        )
        if box.open:
            with box:
                for spec in specs:
                    control(spec, problem if spec.name in culprits else None)

with right, common.guarded():
    a = common.analysis()
    now = m.fleet_summary(a.functions)
    ref = m.fleet_summary(common.analysis(Assumptions()).functions)
    st.subheader("With these assumptions")
    c1, c2 = st.container(), st.container()  # stacked: full width, the money is never cut
    c1.metric(
        "Possible saving",
        f"{m.money(now.saving_usd_per_month)}/month",
        delta=f"{m.money(now.saving_usd_per_month - ref.saving_usd_per_month)} vs defaults",
    )
    c2.metric(
        "Outgrown functions",
        f"{now.outgrown} of {now.functions}",
        delta=f"{now.outgrown - ref.outgrown:+d} vs defaults",
    )
    changed = m.changed_assumptions(common.assumptions())
    if changed:
        st.markdown(
            "Changed: "
            + "; ".join(
                f"{m.CONTROLS[k].label if k in m.CONTROLS else k}: **{v}**"
                for k, v in changed.items()
            )
        )
    else:
        st.markdown("All assumptions are at their defaults.")

    st.subheader("Do the verdicts survive?")
    st.caption(
        "Optimistic: denser packing (85% utilisation), smaller peaks, 1 instance, no ops "
        "work. Pessimistic: 50% utilisation, 3x peaks, 3 instances, 4 ops hours a month."
    )

    def show_sensitivity(_recs: object) -> None:
        base, opt, pes = common.sensitivity_analyses()  # priced by now
        sens = m.sensitivity(base.functions, opt.functions, pes.functions)
        st.markdown(m.sensitivity_summary(sens))
        shaky = sens[~sens["Survives"] | (sens["Verdict"] != "Stay")]
        st.dataframe(
            shaky,
            hide_index=True,
            width="stretch",
            column_config={
                c: common.money_column(c)
                for c in (
                    "Saving $/month",
                    "Saving, optimistic $/month",
                    "Saving, pessimistic $/month",
                )
            },
        )
        st.caption("Functions shown: every non-Stay verdict and every verdict that changes.")

    common.with_recommendations(st.empty(), show_sensitivity)
