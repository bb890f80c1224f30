"""Forms for official responses and implementation progress: input validation only (the services re-check every rule)."""
from __future__ import annotations

import re

from wtforms import DateField, IntegerField, RadioField, StringField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from participation.core.forms import ChoiceField, Form, TextField, options
from participation.core.i18n import lazy_gettext as _l
from participation.responses.labels import DECISION_LABELS
from participation.responses.models import BUDGET_MAX, EXPLANATION_MAX, NOTE_MAX

_DIGITS = re.compile(r"[0-9]+")


class WonField(StringField):
    """An amount in won, typed as people write it: "1,200,000", "1 200 000" or "1200000원".

    Whatever was typed is shown again when it is refused.
    """

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        for mark in (",", " ", "\u00a0", "₩"):
            text = text.replace(mark, "")
        text = text.removesuffix("원")
        if not text:
            return
        if not _DIGITS.fullmatch(text):
            raise ValueError(_l("Give the budget in won as a whole number, for example 1,200,000."))
        self.data = int(text)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data:,}" if self.data is not None else ""


class LocalDateField(DateField):
    """A date (yyyy-mm-dd, the browser's date picker) whose refusal people understand."""

    def process_formdata(self, valuelist):
        if valuelist and not valuelist[0].strip():
            self.data = None
            return
        try:
            super().process_formdata([v.strip() for v in valuelist])
        except ValueError:
            raise ValueError(_l("Give a date like 2026-12-31.")) from None


class PercentField(IntegerField):
    """A whole percentage; "40" and "40%" both work."""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip().removesuffix("%").strip()
        if not text:
            return
        if not _DIGITS.fullmatch(text.removeprefix("-")):
            raise ValueError(_l("Give the progress as a whole number from 0 to 100."))
        self.data = int(text)


class ResponseForm(Form):
    decision = RadioField(
        _l("Decision"),
        choices=options(DECISION_LABELS.items()),
        validators=[DataRequired(_l("Choose a decision."))],
        validate_choice=False,  # validate_decision says it in words people understand
    )
    explanation = TextField(
        _l("Explanation to residents"),
        description=_l(
            "What the city will do and why, in plain words. Markdown works: **bold**, lists and links. At most %(max)d characters.",
            max=EXPLANATION_MAX,
        ),
        validators=[
            DataRequired(_l("Explain the decision to residents.")),
            Length(max=EXPLANATION_MAX, message=_l("Keep the explanation under %(max)d characters.", max=EXPLANATION_MAX)),
        ],
        render_kw={"rows": 10, "maxlength": EXPLANATION_MAX},
    )
    planned_completion = LocalDateField(
        _l("Planned completion date (optional)"),
        description=_l("For example 2026-12-31."),
        validators=[Optional()],
    )
    budget_estimate = WonField(
        _l("Budget estimate in won (optional)"),
        description=_l("A whole number of won; commas are fine, for example 1,200,000."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )

    def validate_decision(self, field):
        if field.data not in DECISION_LABELS:
            raise ValidationError(_l("Choose one of the decisions listed."))

    def validate_budget_estimate(self, field):
        if field.data is not None and field.data > BUDGET_MAX:
            raise ValidationError(_l("Give the budget in won, from 0 up to 10 trillion."))


class ProgressForm(Form):
    progress = PercentField(
        _l("Progress (percent)"),
        description=_l("A whole number from 0 to 100. 100 marks the idea as implemented."),
        validators=[InputRequired(_l("Give the progress as a whole number from 0 to 100."))],
        render_kw={"inputmode": "numeric", "min": 0, "max": 100},
    )
    note = TextField(
        _l("What has been done"),
        description=_l("Markdown works. At most %(max)d characters.", max=NOTE_MAX),
        validators=[
            DataRequired(_l("Say what has been done.")),
            Length(max=NOTE_MAX, message=_l("Keep the note under %(max)d characters.", max=NOTE_MAX)),
        ],
        render_kw={"rows": 5, "maxlength": NOTE_MAX},
    )

    def validate_progress(self, field):
        if field.data is not None and not 0 <= field.data <= 100:
            raise ValidationError(_l("Progress is a whole number from 0 to 100; %(value)d is out of range.", value=field.data))


class InboxFilterForm(Form):
    """An admin's choice of department in the inbox (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    department_id = ChoiceField(_l("Department"))

    def value(self):
        return None if self.department_id.errors else self.department_id.data
