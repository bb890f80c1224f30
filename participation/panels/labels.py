"""Words shown for panels' stored codes."""
from participation.core.i18n import lazy_gettext as _l
from participation.panels.models import AGE_BANDS

STRATA_LABELS = {"district": _l("District (구)"), "age_band": _l("Age band")}
METHOD_LABELS = {"lottery": _l("Stratified lottery"), "appointment": _l("Appointment")}
AGE_BAND_LABELS = {band: (_l("70 and over") if band == "70+" else _l("%(band)s years", band=band)) for band in AGE_BANDS}
MEMBER_STATUS_LABELS = {
    "applied": _l("Applied"),
    "selected": _l("Member"),
    "not_selected": _l("Reserve"),
    "left": _l("Left"),
    "withdrawn": _l("Withdrawn"),
}
SELECTED_BY_LABELS = {"lottery": _l("by lot"), "appointment": _l("appointed"), "replacement": _l("from the reserve")}
PHASE_LABELS = {
    "draft": _l("Draft"),
    "upcoming": _l("Opens soon"),
    "open": _l("Open for evaluation"),
    "closed": _l("Closed; scorecard awaiting publication"),
    "published": _l("Scorecard published"),
}
ALPHA_READINGS = {
    "reliable": _l("Panelists agreed closely: the scores can be relied on."),
    "tentative": _l("Panelists agreed moderately: read the scores as tentative."),
    "low": _l("Panelists disagreed a lot: the scores reflect differing experiences more than a shared judgement."),
    "not_enough": _l("Too few scores to measure agreement."),
    "no_variation": _l("Every panelist gave the same score on every criterion, so agreement cannot be measured: the scores did not vary."),
    "one_criterion": _l("Agreement is measured across several criteria; this rubric has only one."),
}
# Said under each decision on the form answering a scorecard (the ideas' hints speak of an idea).
SCORECARD_DECISION_HINTS = {
    "accepted": _l("The department accepts the panel's findings and will act on them; list the steps in the action plan."),
    "partially_accepted": _l("The department accepts part of the findings; explain which part and why not the rest."),
    "under_review": _l("The findings need more study; say when residents will hear."),
    "rejected": _l("The department does not accept the findings; explain why."),
    "in_progress": _l("The department was already working on this before the evaluation."),
}
