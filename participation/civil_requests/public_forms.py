"""The public list's filters: input validation only. A filter with a bad value is ignored, not an error."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField

from participation.civil_requests.labels import STATUS_LABELS
from participation.civil_requests.listing import CLOSED, OPEN, STATUS_FILTERS
from participation.core.forms import ChoiceField, Form, options
from participation.core.i18n import lazy_gettext as _l

SORT_LABELS = {"newest": _l("Newest first"), "due": _l("Due soonest")}
STATUS_FILTER_LABELS = {"": _l("Any status"), OPEN: _l("Open (not yet answered)"), CLOSED: _l("Answered or closed")}
VIEWS = ("list", "map")


class RequestFilterForm(Form):
    class Meta:
        csrf = False

    category_id = ChoiceField(_l("Category"))
    district_id = ChoiceField(_l("Neighbourhood (동)"))
    status = ChoiceField(
        _l("Status"),
        coerce=str,
        choices=options([*STATUS_FILTER_LABELS.items(), *((s, STATUS_LABELS[s]) for s in STATUS_FILTERS if s in STATUS_LABELS)]),
    )
    overdue = BooleanField(_l("Overdue only"))
    sort = ChoiceField(_l("Sort by"), coerce=str, choices=options(SORT_LABELS.items()))
    view = HiddenField()

    def value(self, name):
        """A filter's value if it is valid, else None."""
        field = getattr(self, name)
        return None if field.errors else field.data
