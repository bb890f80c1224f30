"""Civil-request forms: input validation only."""
from __future__ import annotations

from datetime import date

from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from participation.accounts.forms import reference_name_fields
from participation.civil_requests.models import (
    ATTRIBUTE_CODE_MAX,
    ATTRIBUTE_DESCRIPTION_MAX,
    AttributeDatatype,
    RequestKind,
)
from participation.core.forms import ChoiceField, Form, TextField, options
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext

TEMPLATE_MAX = 4_000
PERIOD_LIMITS = {"days": 60, "hours": 40}  # the longest override an admin may set, per unit

# The statute's kinds with their default periods, as admins choose them.
KIND_LABELS = {
    RequestKind.QUESTION_LAW.value: _l("Question (interpretation of a law), 14 days"),
    RequestKind.QUESTION_PROCEDURE.value: _l("Question (system or procedure), 7 days"),
    RequestKind.SUGGESTION.value: _l("Suggestion, 14 days"),
    RequestKind.GRIEVANCE.value: _l("Grievance, 7 days"),
    RequestKind.OTHER.value: _l("Other, immediately (3 working hours)"),
}
UNIT_LABELS = {"days": _l("days"), "hours": _l("working hours")}


class RequestCategoryForm(Form):
    name_ko, name_en = reference_name_fields()
    kind = ChoiceField(
        _l("Kind"),
        coerce=str,
        choices=options([("", _l("Choose a kind")), *KIND_LABELS.items()]),
        description=_l("The kind sets the statutory period unless you set one below."),
        validators=[DataRequired(_l("Choose a kind."))],
    )
    department_id = ChoiceField(
        _l("Handled by department"),
        description=_l("Requests in this category go to this department."),
        validators=[DataRequired(_l("Choose a department."))],
    )
    period_amount = IntegerField(
        _l("Period (number)"),
        description=_l("Leave both period fields empty to use the kind's statutory period."),
        validators=[Optional()],
    )
    period_unit = ChoiceField(
        _l("Period (unit)"),
        coerce=str,
        choices=options([("", _l("Statutory period")), *UNIT_LABELS.items()]),
    )
    answer_template_ko = TextField(
        _l("Answer template (Korean)"),
        description=_l("Prefills the answer form. At most 4,000 characters."),
        validators=[Optional(), Length(max=TEMPLATE_MAX, message=_l("Use at most %(max)d characters."))],
    )
    answer_template_en = TextField(
        _l("Answer template (English)"),
        validators=[Optional(), Length(max=TEMPLATE_MAX, message=_l("Use at most %(max)d characters."))],
    )

    def validate(self, extra_validators=None):
        """The period's two fields: both or neither, within the unit's limits (1..60 days, 1..40 hours)."""
        valid = super().validate(extra_validators)
        amount, unit = self.period_amount, self.period_unit
        if amount.errors or unit.errors:
            return False
        message = None
        if amount.data is None and unit.data:
            message = _l("Enter the number of the period, or empty both period fields.")
        elif amount.data is not None and not unit.data:
            message = _l("Choose the unit of the period, or empty both period fields.")
        elif amount.data is not None and not 1 <= amount.data <= PERIOD_LIMITS[unit.data]:
            if unit.data == "days":
                message = lazy_ngettext("A period in days runs from one day to %(max)d day.", "A period in days runs from one day to %(max)d days.", PERIOD_LIMITS["days"], max=PERIOD_LIMITS["days"])
            else:
                message = lazy_ngettext("A period in working hours runs from one hour to %(max)d hour.", "A period in working hours runs from one hour to %(max)d hours.", PERIOD_LIMITS["hours"], max=PERIOD_LIMITS["hours"])
        if message is not None:
            amount.errors = [*amount.errors, message]
            return False
        return valid


class LocalHolidayForm(Form):
    day = DateField(
        _l("Date"),
        validators=[DataRequired(_l("Enter a date as YYYY-MM-DD."))],
        render_kw={"autocomplete": "off"},
    )
    name_ko, name_en = reference_name_fields()

    def validate_day(self, field):
        if isinstance(field.data, date) and field.data.year < 1900:
            raise ValidationError(_l("Enter a date as YYYY-MM-DD."))


class BoundaryImportForm(Form):
    file = FileField(
        _l("GeoJSON file"),
        description=_l("A FeatureCollection of Polygon or MultiPolygon features, in longitude and latitude (WGS 84), at most 5 MB."),
    )
    name_property = StringField(
        _l("Property with the dong's name"),
        default="adm_nm",
        description=_l("Matched against each dong's Korean name, alone or with its gu (\"새봄구 햇살동\"). "
                       "Features without it are matched by \"name\"."),
        validators=[DataRequired(_l("Enter the property's name.")), Length(max=64, message=_l("Use at most %(max)d characters."))],
    )

    def validate_file(self, field):
        if not getattr(field.data, "filename", None):
            raise ValidationError(_l("Choose a GeoJSON file."))


class LocationCheckForm(Form):
    """Which dong holds a point: the admin's check of the imported boundaries (GET, no change)."""

    class Meta:
        csrf = False

    latitude = StringField(_l("Latitude"), validators=[Optional(), Length(max=32)], render_kw={"inputmode": "decimal"})
    longitude = StringField(_l("Longitude"), validators=[Optional(), Length(max=32)], render_kw={"inputmode": "decimal"})


DATATYPE_LABELS = {
    AttributeDatatype.STRING.value: _l("One line of text"),
    AttributeDatatype.TEXT.value: _l("Longer text"),
    AttributeDatatype.NUMBER.value: _l("Number"),
    AttributeDatatype.DATETIME.value: _l("Date and time"),
    AttributeDatatype.SINGLEVALUELIST.value: _l("One choice from a list"),
    AttributeDatatype.MULTIVALUELIST.value: _l("Several choices from a list"),
}
VALUES_TEXT_MAX = 10_000


class RequestAttributeForm(Form):
    """An extra question of a category, as Open311 apps are asked it."""

    code = StringField(
        _l("Code"),
        description=_l("What apps send the answer as (attribute[code]): letters, digits, - and _."),
        validators=[DataRequired(_l("Give the question a code.")), Length(max=ATTRIBUTE_CODE_MAX, message=_l("Use at most %(max)d characters."))],
    )
    description_ko = StringField(
        _l("Question (Korean)"),
        validators=[DataRequired(_l("Write the question in Korean.")), Length(max=ATTRIBUTE_DESCRIPTION_MAX, message=_l("Use at most %(max)d characters."))],
    )
    description_en = StringField(
        _l("Question (English)"),
        validators=[Optional(), Length(max=ATTRIBUTE_DESCRIPTION_MAX, message=_l("Use at most %(max)d characters."))],
    )
    datatype = ChoiceField(
        _l("Kind of answer"),
        coerce=str,
        choices=options([("", _l("Choose a kind of answer")), *DATATYPE_LABELS.items()]),
        validators=[DataRequired(_l("Choose a kind of answer."))],
    )
    required = BooleanField(_l("An answer is required"))
    order = IntegerField(
        _l("Order"),
        default=1,
        description=_l("Questions are asked from the lowest number up."),
        validators=[DataRequired(_l("Give the order as a number from 1 to 999."))],
    )
    values = TextField(
        _l("Choices"),
        description=_l("For a list only: one choice a line, as key | Korean name | English name."),
        validators=[Optional(), Length(max=VALUES_TEXT_MAX, message=_l("Use at most %(max)d characters."))],
    )
