"""Forms of the handler's workspace (and the queue's filters): input validation only.

Every handling form carries the request's `version` as the page showed it; the service refuses
a step taken on a stale page (timeline.StaleRequest). The services re-check every rule.
"""
from __future__ import annotations

from datetime import date

from wtforms import DateField, HiddenField, RadioField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, Optional

from participation.civil_requests.labels import RESULT_LABELS
from participation.civil_requests.models import ANSWER_MAX, NOTE_MAX, RequestResult
from participation.core.forms import ChoiceField, Form, TextField, options
from participation.core.i18n import lazy_gettext as _l

TRACKING_MAX = 16


def _note(label, *, required, description=None, limit: int = NOTE_MAX, rows: int = 3):
    return TextField(
        label,
        description=description,
        validators=[
            DataRequired(required),
            Length(max=limit, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"rows": rows, "maxlength": limit},
    )


class HandlingForm(Form):
    """A step on one request, taken from the page that showed its `version`."""

    version = HiddenField()

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.page_version() is None:
            self.form_errors.append(_l("This form is missing part of the page. Reload the page and try again."))
            return False
        return valid

    def page_version(self) -> int | None:
        text = (self.version.data or "").strip()
        return int(text) if text.isdigit() and len(text) < 10 else None


class AssignForm(HandlingForm):
    handler_id = ChoiceField(_l("Handler"), description=_l("An official of the handling department."),
                             validators=[DataRequired(_l("Choose an official."))])


class StartForm(HandlingForm):
    pass


class SupplementRequestForm(HandlingForm):
    note = _note(_l("What is missing"), required=_l("Say what the applicant needs to add."),
                 description=_l("The applicant reads this. The clock stops until they supply it."))


class TransferForm(HandlingForm):
    department_id = ChoiceField(_l("Department to transfer to"), validators=[DataRequired(_l("Choose a department."))])
    reason = _note(_l("Reason for the transfer"), required=_l("Give the reason for the transfer."),
                   description=_l("The applicant is told the reason. The clock keeps its receipt time."))


class CoHandlingAskForm(HandlingForm):
    department_id = ChoiceField(_l("Department to ask"), validators=[DataRequired(_l("Choose a department."))])
    question = _note(_l("What you need from that department"), required=_l("Say what you need from that department."),
                     description=_l("Between departments: the applicant sees that you asked, not what."))


class CoHandlingAnswerForm(HandlingForm):
    answer = _note(_l("Your department's part"), required=_l("Write your department's part."), limit=ANSWER_MAX, rows=5,
                   description=_l("The lead department reads it and answers the applicant."))


class ExtendForm(HandlingForm):
    new_due = DateField(
        _l("New due date (optional)"),
        description=_l("Due at the end of that working day. Leave it empty for the latest date the rule allows."),
        validators=[Optional()],
        render_kw={"autocomplete": "off"},
    )
    reason = _note(_l("Reason for the extension"), required=_l("Give the reason for the extension."),
                   description=_l("The applicant is told the reason, the new due date and the handling department."))

    def validate_new_due(self, field):
        if isinstance(field.data, date) and field.data.year < 1900:
            raise ValidationError(_l("Enter a date as YYYY-MM-DD."))

    def process(self, *args, **kwargs):
        super().process(*args, **kwargs)
        # A date the browser could not read says so in words (DateField's own message is "Not a valid date value.").
        self.new_due.process_errors = [_l("Enter a date as YYYY-MM-DD.")] if self.new_due.process_errors else []


class CompleteForm(HandlingForm):
    result = RadioField(
        _l("Result"),
        choices=options(RESULT_LABELS.items()),
        validators=[DataRequired(_l("Choose a result."))],
        validate_choice=False,  # validate_result says it in words people understand
    )
    answer = _note(_l("Answer to the applicant"), required=_l("Write the answer to the applicant."), limit=ANSWER_MAX, rows=8)
    reason = TextField(
        _l("Why it is not possible"),
        description=_l("Required when the result is \"not possible\"."),
        validators=[Optional(), Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters."))],
        render_kw={"rows": 3, "maxlength": NOTE_MAX},
    )
    remedy = TextField(
        _l("How the applicant can appeal or what else they can do"),
        description=_l("Required when the result is \"not possible\"."),
        validators=[Optional(), Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters."))],
        render_kw={"rows": 3, "maxlength": NOTE_MAX},
    )

    def validate_result(self, field):
        if field.data not in RESULT_LABELS:
            raise ValidationError(_l("Choose one of the results listed."))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.result.data == RequestResult.NOT_POSSIBLE.value:
            for field, message in ((self.reason, _l("Say why it is not possible.")),
                                   (self.remedy, _l("Say how the applicant can appeal or what else they can do."))):
                if not (field.data or "").strip() and not field.errors:
                    field.errors = [*field.errors, message]
                    valid = False
        return valid


class LinkForm(HandlingForm):
    original = StringField(
        _l("Tracking number of the original request"),
        description=_l("For example 2026-1234-5678."),
        validators=[DataRequired(_l("Enter the original request's tracking number.")),
                    Length(max=TRACKING_MAX, message=_l("Use at most %(max)d characters."))],
        render_kw={"autocomplete": "off"},
    )


class CloseRepeatForm(HandlingForm):
    reason = _note(_l("Why it is closed"), required=_l("Tell the applicant why it is closed."),
                   description=_l("The applicant is told this reason."))


class FollowUpAnswerForm(HandlingForm):
    answer = _note(_l("Answer to the follow-up"), required=_l("Write the answer to the applicant."), limit=ANSWER_MAX, rows=5,
                   description=_l("The applicant was not satisfied with the answer; this answers them again."))


class RecordSupplementForm(HandlingForm):
    note = _note(_l("What the resident gave"), required=_l("Write what the resident added."), limit=ANSWER_MAX, rows=4,
                 description=_l("The resident filed at a counter and has no account: enter what they gave by phone, in person or by post. The clock runs again."))


class RecordConsentForm(HandlingForm):
    note = _note(_l("How the resident agreed"), required=_l("Say how and when the resident agreed."),
                 description=_l("For example: by phone on 3 December, 14:10. A second extension needs the resident's consent."))


class QueueFilterForm(Form):
    """The queue's filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    department = ChoiceField(_l("Department"))
    status = ChoiceField(_l("Status"), coerce=str)
    handler = ChoiceField(_l("Handler"), coerce=str)
    category = ChoiceField(_l("Category"))

    def value(self, name: str):
        field = self[name]
        return None if field.errors else field.data
