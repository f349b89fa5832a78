"""Everything the Streamlit app needs that is not UI, one module per concern (pure: no
streamlit import; tested in tests/test_app.py):

    labels       money and counts as the app shows them, option/setting labels, values
    filters      the overview's filters
    tables       fleet, options, prices, assumptions and bill tables
    controls     the what-if widgets for every assumption, and back to Assumptions
    sensitivity  verdicts under the optimistic and the pessimistic assumptions
    decision     migration cost, payback, firm verdicts, Tune; changes since the last report
    source       whether live AWS collection is on; the traffic window caption

The headline is `analyzer.present.summary.fleet_summary`; the verdict sentence is the exports'
(`analyzer.present.sentences.verdict_sentence` of `function_recommendation`). Pages import this package as `m`.
"""

from analyzer.core.vocabulary import VERDICT_LABELS
from analyzer.present.app.controls import (
    CONTROLS,
    STATE_PREFIX,
    ControlSpec,
    assumptions_from_widgets,
    changed_assumptions,
    control_spec,
    default_widget_values,
    state_key,
    widget_value,
)
from analyzer.present.app.decision import (
    Changes,
    Decision,
    changes,
    decision,
    function_decision,
)
from analyzer.present.app.filters import (
    FILTER_COLUMNS,
    Filters,
    clicked_function,
    export_recommendations,
    filter_functions,
    filter_options,
)
from analyzer.present.app.labels import (
    ASSUMPTION_LABELS,
    LOAD_BALANCER_LABELS,
    PRICING_LABELS,
    TARGET_LABELS,
    compact,
    display_value,
    forecast_text,
    function_label,
    kind_name,
    money,
    verdict_sentence,
)
from analyzer.present.app.sensitivity import sensitivity, sensitivity_summary
from analyzer.present.app.source import (
    ENABLE_AWS_ENV,
    aws_enabled,
    short_window_warning,
    source_name,
    window_caption,
)
from analyzer.present.app.tables import (
    FLEET_TABLE_COLUMNS,
    TABLE_ORDERS,
    TABLE_PAGE_ROWS,
    assumption_table,
    crossover_text,
    fleet_table,
    function_choices,
    lambda_breakdown,
    option_breakdown,
    options_table,
    order_table,
    page_count,
    price_table,
    sizing_text,
    table_page,
)
from analyzer.present.recommendations import function_recommendation, subset_analysis
from analyzer.present.summary import FleetSummary, fleet_summary

__all__ = [
    "ASSUMPTION_LABELS",
    "CONTROLS",
    "ENABLE_AWS_ENV",
    "FILTER_COLUMNS",
    "FLEET_TABLE_COLUMNS",
    "LOAD_BALANCER_LABELS",
    "PRICING_LABELS",
    "STATE_PREFIX",
    "TABLE_ORDERS",
    "TABLE_PAGE_ROWS",
    "TARGET_LABELS",
    "VERDICT_LABELS",
    "Changes",
    "ControlSpec",
    "Decision",
    "Filters",
    "FleetSummary",
    "assumption_table",
    "assumptions_from_widgets",
    "aws_enabled",
    "changed_assumptions",
    "changes",
    "clicked_function",
    "compact",
    "control_spec",
    "crossover_text",
    "decision",
    "default_widget_values",
    "display_value",
    "export_recommendations",
    "filter_functions",
    "filter_options",
    "fleet_summary",
    "fleet_table",
    "forecast_text",
    "function_choices",
    "function_decision",
    "function_label",
    "function_recommendation",
    "kind_name",
    "lambda_breakdown",
    "money",
    "option_breakdown",
    "options_table",
    "order_table",
    "page_count",
    "price_table",
    "sensitivity",
    "sensitivity_summary",
    "short_window_warning",
    "sizing_text",
    "source_name",
    "state_key",
    "subset_analysis",
    "table_page",
    "verdict_sentence",
    "widget_value",
    "window_caption",
]
