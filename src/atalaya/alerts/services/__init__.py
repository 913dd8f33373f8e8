"""Territorial alerts as services, one module per concern, re-exported here for views, the API, the CLI and jobs.

- :mod:`.series`: count series from the daily cube (every territory at every level plus the total, by family);
- :mod:`.detection`: run the detectors on every series, turn alarm periods into episodes, undo an import;
- :mod:`.wording`: what an alert says in Spanish;
- :mod:`.lifecycle`: nueva → en revisión → derivada → cerrada, who may act, comments, closure figures;
- :mod:`.notifications`: e-mail as alerts come and weekly digests;
- :mod:`.pages`: the map link and the chart of an alert.

The analysis (``atalaya.analysis.alerts``) sees only a matrix of counts; these modules build it and keep the rest.
"""

from .detection import detect_after_import, history_years, run_detection, settings_for, severity, undo_import
from .lifecycle import (
    ACTING_ROLES,
    TRANSITIONS,
    UNKNOWN_COLLEAGUE,
    TransitionError,
    add_comment,
    can_act,
    change_status,
    closure_statistics,
    colleague,
    visible_alerts,
    with_related,
)
from .notifications import notify_new_alerts, send_weekly_digests
from .pages import chart_spec, map_url, period_end
from .series import POINTS_KEPT, CountSeries, count_series, point_source
from .wording import explain, period_label

__all__ = [
    "ACTING_ROLES",
    "POINTS_KEPT",
    "TRANSITIONS",
    "UNKNOWN_COLLEAGUE",
    "CountSeries",
    "TransitionError",
    "add_comment",
    "can_act",
    "change_status",
    "chart_spec",
    "closure_statistics",
    "colleague",
    "count_series",
    "detect_after_import",
    "explain",
    "history_years",
    "map_url",
    "notify_new_alerts",
    "period_end",
    "period_label",
    "point_source",
    "run_detection",
    "send_weekly_digests",
    "settings_for",
    "severity",
    "undo_import",
    "visible_alerts",
    "with_related",
]
