"""The applicant's forms on a request's page: supplement, consent to a second extension, reopen, rate.

Input validation only; the handling services re-check every rule. Each form carries the request's
`version` as the page showed it, so a step taken on a stale page is refused with a clear message
and the typed text is kept.
"""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, RadioField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from participation.civil_requests.labels import SATISFACTION_LABELS
from participation.civil_requests.models import ANSWER_MAX, NOTE_MAX
from participation.core.forms import Form, TextField, options
from participation.core.i18n import lazy_gettext as _l

STALE_FORM = _l("This page is out of date. Reload it, read the request's latest state and try again.")


def _text_field(label, description, missing, limit):
    return TextField(
        label,
        description=description,
        validators=[
            DataRequired(missing),
            Length(max=limit, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"rows": 4, "maxlength": limit},
    )


class StepForm(Form):
    """A step on the request: the version the page showed travels with it."""

    version = HiddenField()

    @classmethod
    def for_request(cls, request, **kwargs):
        form = cls(**kwargs)
        form.version.data = str(request.version)
        return form

    def validate_version(self, field):
        if not (field.data or "").isdigit():
            raise ValidationError(STALE_FORM)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # A hidden field has no place to show its error: say it at the top of the form.
        if self.version.errors:
            self.form_errors.extend(self.version.errors)
        return valid

    @property
    def version_number(self) -> int:
        return int(self.version.data)

    def keep_typing_on(self, request) -> None:
        """After a refusal, the form shows the request's current version again, so the kept
        text can be sent once the person has read what changed."""
        self.version.data = str(request.version)


class SupplementForm(StepForm):
    note = _text_field(
        _l("What you are adding"),
        _l("Answer what the department asked. When you send it, the handling clock runs again."),
        _l("Write what you are adding."),
        ANSWER_MAX,
    )


class ConsentExtensionForm(StepForm):
    consent = BooleanField(
        _l("I agree that the department may extend the handling period once more."),
        validators=[DataRequired(_l("Tick the box to give your consent."))],
    )


class ReopenForm(StepForm):
    note = _text_field(
        _l("What is still wrong"),
        _l("Say what was not fixed. The request goes back to the department with a fresh handling period."),
        _l("Say what is still wrong."),
        NOTE_MAX,
    )


class RateForm(StepForm):
    satisfaction = RadioField(
        _l("How satisfied are you with the answer?"),
        choices=options(SATISFACTION_LABELS.items()),
        description=_l("If you are dissatisfied, the request goes back to the department as a follow-up."),
        validators=[DataRequired(_l("Choose how satisfied you are."))],
        validate_choice=False,  # validate_satisfaction says it in words people understand
    )
    comment = TextField(
        _l("Comment (optional)"),
        validators=[Optional(), Length(max=NOTE_MAX, message=_l("Use at most %(max)d characters."))],
        render_kw={"rows": 3, "maxlength": NOTE_MAX},
    )

    def validate_satisfaction(self, field):
        if field.data not in SATISFACTION_LABELS:
            raise ValidationError(_l("Choose how satisfied you are."))
