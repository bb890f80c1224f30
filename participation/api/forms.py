"""API key forms: input validation only."""
from __future__ import annotations

from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from participation.api.keys import NAME_MAX
from participation.api.models import ApiScope
from participation.core.forms import CheckboxListField, Form, options
from participation.core.i18n import lazy_gettext as _l

SCOPE_LABELS = {
    ApiScope.READ.value: _l("Read open data"),
    ApiScope.OPEN311_SUBMIT.value: _l("File civil requests through Open311"),
}


class IssueKeyForm(Form):
    name = StringField(
        _l("Name"),
        description=_l("Who the key is for, such as the app and its maker."),
        validators=[DataRequired(_l("Give the key a name.")), Length(max=NAME_MAX, message=_l("Use at most %(max)d characters."))],
    )
    scopes = CheckboxListField(
        _l("Scopes"),
        coerce=str,
        choices=options(SCOPE_LABELS.items()),
        validators=[DataRequired(_l("Choose at least one scope."))],
    )


class RevokeKeyForm(Form):
    confirm = BooleanField(
        _l("I understand that apps using this key are refused from now on, and that it cannot be restored."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
