"""Deliberation forms: input validation only (the services re-check every rule)."""
from __future__ import annotations

from wtforms import HiddenField, RadioField
from wtforms.validators import DataRequired, Length, Optional

from participation.core.forms import ChoiceField, Form, TextField, options
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.deliberation.labels import (
    DECISION_LABELS,
    FLAG_REASON_LABELS,
    MODERATION_REASON_LABELS,
    STANCE_LABELS,
)
from participation.deliberation.models import BODY_MAX, FLAG_TEXT_MAX, HIDE_REASONS, NOTE_MAX, RESTORE_REASONS
from participation.deliberation.services import SUSPENSION_DAYS


def _stance_field():
    return RadioField(
        _l("Your stance"),
        choices=options(STANCE_LABELS.items()),
        validators=[DataRequired(_l("Choose for, against or neutral."))],
    )


def _body_field():
    return TextField(
        _l("Comment"),
        description=_l("Markdown works: **bold**, lists and links. At most %(max)d characters.", max=BODY_MAX),
        validators=[
            DataRequired(_l("Write something before posting.")),
            Length(max=BODY_MAX, message=_l("A comment can be at most %(max)d characters.", max=BODY_MAX)),
        ],
        render_kw={"rows": 5, "maxlength": BODY_MAX},
    )


class CommentForm(Form):
    stance = _stance_field()
    body = _body_field()
    parent_id = HiddenField()


class EditCommentForm(Form):
    stance = _stance_field()
    body = _body_field()


class ConfirmForm(Form):
    """A button that changes state: only the CSRF token."""


class FlagForm(Form):
    reason = RadioField(
        _l("What is wrong?"),
        choices=options(FLAG_REASON_LABELS.items()),
        validators=[DataRequired(_l("Choose a reason."))],
    )
    text = TextField(
        _l("Details"),
        description=_l("Needed when you choose \"Something else\". Moderators read this; it is not published."),
        validators=[Optional(), Length(max=FLAG_TEXT_MAX, message=_l("Keep it under %(max)d characters.", max=FLAG_TEXT_MAX))],
        render_kw={"rows": 3, "maxlength": FLAG_TEXT_MAX},
    )


def _note_field(label, description):
    return TextField(
        label,
        description=description,
        validators=[Optional(), Length(max=NOTE_MAX, message=_l("Keep it under %(max)d characters.", max=NOTE_MAX))],
        render_kw={"rows": 2, "maxlength": NOTE_MAX},
    )


class DecisionForm(Form):
    decision = RadioField(_l("Decision"), choices=options(DECISION_LABELS.items()), validators=[DataRequired(_l("Choose hide or restore."))])
    reason = ChoiceField(_l("Reason code"), coerce=str)
    note = _note_field(_l("Note to the author"), _l("Told to the author with the reason. Not published."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = list(dict.fromkeys([*HIDE_REASONS, *RESTORE_REASONS]))
        self.reason.choices = options([("", _l("Choose a reason"))] + [(c.value, MODERATION_REASON_LABELS[c]) for c in codes])


class SuspendForm(Form):
    days = ChoiceField(_l("Suspend for"))
    reason = ChoiceField(_l("Reason code"), coerce=str)
    note = _note_field(_l("Note to the person"), _l("Kept with the decision. Not published."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        periods = [(d, lazy_ngettext("%(num)d day", "%(num)d days", d)) for d in SUSPENSION_DAYS]
        self.days.choices = options([("", _l("Choose a period"))] + periods + [(0, _l("Lift the suspension"))])
        self.reason.choices = options(
            [("", _l("Choose a reason"))] + [(c.value, MODERATION_REASON_LABELS[c]) for c in HIDE_REASONS]
        )


class ReviewRequestForm(Form):
    note = _note_field(_l("Why should it be shown?"), _l("Optional. Moderators read this with your request."))
