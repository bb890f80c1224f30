"""Admin forms: input validation only."""
from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from participation.accounts.forms import reference_name_fields
from participation.accounts.models import Role
from participation.core.forms import CheckboxListField, ChoiceField, Form, options
from participation.core.i18n import lazy_gettext as _l

ROLE_LABELS = {
    Role.RESIDENT.value: _l("Resident"),
    Role.OFFICIAL.value: _l("Official"),
    Role.MODERATOR.value: _l("Moderator"),
    Role.ADMIN.value: _l("Administrator"),
    Role.FIELD.value: _l("Field staff"),
    Role.COUNTER.value: _l("Counter staff"),
}


class UserRolesForm(Form):
    roles = CheckboxListField(
        _l("Roles"),
        description=_l("Everyone is a resident. An official must belong to a department."),
        choices=options((value, label) for value, label in ROLE_LABELS.items() if value != Role.RESIDENT.value),
    )
    department_id = ChoiceField(_l("Department"))


class DepartmentForm(Form):
    name_ko, name_en = reference_name_fields()


class DistrictForm(Form):
    name_ko, name_en = reference_name_fields()
    parent_id = ChoiceField(
        _l("Belongs to gu"),
        description=_l("Leave empty to create a gu; choose a gu to create a dong inside it."),
    )


class CategoryForm(Form):
    name_ko, name_en = reference_name_fields()
    department_id = ChoiceField(
        _l("Routed to department"),
        description=_l("Ideas in this category are answered by this department."),
        validators=[DataRequired(_l("Choose a department."))],
    )


class SearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    role = ChoiceField(_l("Role"), coerce=str, choices=options([("", _l("Any role")), *ROLE_LABELS.items()]), validators=[Optional()])
