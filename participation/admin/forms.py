"""Admin forms: input validation only."""
from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from participation.accounts.forms import printable_name
from participation.accounts.models import Role
from participation.core.forms import CheckboxListField, ChoiceField, Form, options
from participation.core.i18n import lazy_gettext as _l
from participation.core.text import SPREADSHEET_FORMULA_STARTS

ROLE_LABELS = {
    Role.RESIDENT.value: _l("Resident"),
    Role.OFFICIAL.value: _l("Official"),
    Role.MODERATOR.value: _l("Moderator"),
    Role.ADMIN.value: _l("Administrator"),
}


class UserRolesForm(Form):
    roles = CheckboxListField(
        _l("Roles"),
        description=_l("Everyone is a resident. An official must belong to a department."),
        choices=options((value, label) for value, label in ROLE_LABELS.items() if value != Role.RESIDENT.value),
    )
    department_id = ChoiceField(_l("Department"))


def no_formula_start(form, field):
    """Names reach exported CSVs (a panel's applicant list): one a spreadsheet would run as a formula is refused."""
    if (field.data or "").startswith(SPREADSHEET_FORMULA_STARTS):
        raise ValidationError(_l("A name cannot begin with =, +, - or @."))


def _name_fields():
    return (
        StringField(
            _l("Name (Korean)"),
            validators=[DataRequired(_l("Enter the Korean name.")), Length(max=100, message=_l("Use at most %(max)d characters.")), printable_name,
                        no_formula_start],
        ),
        StringField(
            _l("Name (English)"),
            validators=[Optional(), Length(max=100, message=_l("Use at most %(max)d characters.")), printable_name, no_formula_start],
        ),
    )


class DepartmentForm(Form):
    name_ko, name_en = _name_fields()


class DistrictForm(Form):
    name_ko, name_en = _name_fields()
    parent_id = ChoiceField(
        _l("Belongs to gu"),
        description=_l("Leave empty to create a gu; choose a gu to create a dong inside it."),
    )


class CategoryForm(Form):
    name_ko, name_en = _name_fields()
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
