"""Forms for panels, services, campaigns, rubrics, applications and evaluations: input
validation only (the services re-check every rule)."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, FloatField, IntegerField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from participation.core.forms import CheckboxListField, ChoiceField, Form, TextField, options
from participation.core.i18n import lazy_gettext as _l
from participation.panels.labels import AGE_BAND_LABELS, METHOD_LABELS, STRATA_LABELS
from participation.panels.models import COMMENT_MAX, LABEL_MAX, LEVELS, NAME_MAX, TEXT_MAX
from participation.responses.forms import LocalDateField, PercentField
from participation.rounds.forms import _when

_RANGE = _l("Use a number from %(min)d to %(max)d.")


def _name(label):
    return StringField(label, validators=[DataRequired(_l("Enter a name.")), Length(max=NAME_MAX, message=_l("Use at most %(max)d characters."))])


class PanelForm(Form):
    name = _name(_l("Name"))
    purpose = TextField(
        _l("Purpose"), description=_l("What the panel monitors and why. Markdown is allowed."),
        validators=[DataRequired(_l("Describe the panel's purpose.")), Length(max=TEXT_MAX, message=_l("Use at most %(max)d characters."))],
        render_kw={"rows": 6},
    )
    department_id = ChoiceField(_l("Owning department"), validators=[DataRequired(_l("Choose a department."))])
    term_starts_on = LocalDateField(_l("Term starts"), validators=[InputRequired(_l("Give a date like 2026-12-31."))])
    term_ends_on = LocalDateField(_l("Term ends"), validators=[InputRequired(_l("Give a date like 2026-12-31."))])
    target_size = IntegerField(_l("Target size (members)"), validators=[InputRequired(_l("Give the number of members.")),
                                                                        NumberRange(min=1, max=1000, message=_RANGE)])
    strata = CheckboxListField(_l("Strata for the lottery"), coerce=str, choices=options(STRATA_LABELS.items()),
                               description=_l("The draw gives each group seats in proportion to its applicants."))
    selection_method = RadioField(_l("How members are selected"), choices=options(METHOD_LABELS.items()),
                                  validators=[DataRequired(_l("Choose how members are selected."))])
    recruitment_opens_at = _when(_l("Recruitment opens"))
    recruitment_closes_at = _when(_l("Recruitment closes"))

    def validate_term_ends_on(self, field):
        if field.data and self.term_starts_on.data and field.data < self.term_starts_on.data:
            raise ValidationError(_l("The term must end on or after the day it starts."))

    def validate_recruitment_closes_at(self, field):
        if field.data and self.recruitment_opens_at.data and field.data <= self.recruitment_opens_at.data:
            raise ValidationError(_l("Recruitment must close after it opens."))


class ApplyForm(Form):
    district_id = ChoiceField(_l("District you live in"), validators=[DataRequired(_l("Choose the district you live in."))])
    age_band = ChoiceField(_l("Age band"), coerce=str, choices=options([("", _l("Choose…"))] + list(AGE_BAND_LABELS.items())),
                           validators=[DataRequired(_l("Choose your age band."))])
    consent = BooleanField(
        _l("I agree that my district and age band are used for the draw and published next to a pseudonym, never with my name."),
        validators=[DataRequired(_l("Agree to how your application is used to apply."))],
    )


class ServiceForm(Form):
    name = _name(_l("Name"))
    description = TextField(_l("Description"), validators=[Optional(), Length(max=TEXT_MAX, message=_l("Use at most %(max)d characters."))],
                            render_kw={"rows": 4})
    department_id = ChoiceField(_l("Responsible department"), validators=[DataRequired(_l("Choose a department."))])


class CampaignForm(Form):
    title = _name(_l("Title"))
    panel_id = ChoiceField(_l("Panel"), validators=[DataRequired(_l("Choose the panel that evaluates."))])
    service_id = ChoiceField(_l("Service"), validators=[DataRequired(_l("Choose the service to evaluate."))])
    opens_at = _when(_l("Opens"))
    closes_at = _when(_l("Closes"))
    photo_allowed = BooleanField(_l("Panelists may attach an evidence photo"))
    response_days = IntegerField(_l("The department answers within (days after the close)"), default=14,
                                 validators=[InputRequired(_l("Give a number of days.")), NumberRange(min=1, max=365, message=_RANGE)])
    publish_delay_days = IntegerField(_l("Publish the scorecard (days after the close)"), default=14,
                                      validators=[InputRequired(_l("Give a number of days.")), NumberRange(min=0, max=365, message=_RANGE)])

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The campaign must close after it opens."))


class CriterionForm(Form):
    name = _name(_l("Criterion"))
    description = TextField(_l("Description"), validators=[Optional(), Length(max=TEXT_MAX, message=_l("Use at most %(max)d characters."))],
                            render_kw={"rows": 2})
    weight = FloatField(_l("Weight"), default=1.0, description=_l("A positive number; criteria count in proportion to their weights."),
                        validators=[InputRequired(_l("Give a weight.")), NumberRange(min=0, max=100, message=_l("The weight must be a positive number (up to 100)."))])

    def validate_weight(self, field):
        if field.data is not None and not field.data > 0:
            raise ValidationError(_l("The weight must be a positive number (up to 100)."))


for _level in range(1, LEVELS + 1):
    setattr(CriterionForm, f"label_{_level}", StringField(
        _l("Label for %(level)d", level=_level),
        validators=[DataRequired(_l("Give a label for every level from 1 to 5.")), Length(max=LABEL_MAX, message=_l("Use at most %(max)d characters."))],
    ))


class ActionItemForm(Form):
    title = StringField(_l("Action"), validators=[DataRequired(_l("Say what will be done.")), Length(max=NAME_MAX, message=_l("Use at most %(max)d characters."))])
    due_on = LocalDateField(_l("Due date"), validators=[InputRequired(_l("Give a date like 2026-12-31."))])


class ActionProgressForm(Form):
    progress = PercentField(_l("Progress (percent)"), validators=[InputRequired(_l("Give the progress as a whole number from 0 to 100."))],
                            render_kw={"inputmode": "numeric", "min": 0, "max": 100})
    note = TextField(_l("Note"), validators=[Optional(), Length(max=COMMENT_MAX, message=_l("Use at most %(max)d characters."))], render_kw={"rows": 2})

    def validate_progress(self, field):
        if field.data is not None and not 0 <= field.data <= 100:
            raise ValidationError(_l("Progress is a whole number from 0 to 100; %(value)d is out of range.", value=field.data))


class EvaluationForm(Form):
    """Score fields (score_<criterion id>) are added per campaign by `evaluation_form`."""

    evaluation_id = IntegerField(validators=[Optional()])
    comment = TextField(_l("Comment (optional)"), description=_l("Published without your name. At most %(max)d characters.", max=COMMENT_MAX),
                        validators=[Optional(), Length(max=COMMENT_MAX, message=_l("Use at most %(max)d characters."))], render_kw={"rows": 5})
    visit_date = LocalDateField(_l("Date of your visit (optional)"), validators=[Optional()])
    photo = FileField(_l("Evidence photo (optional)"), description=_l("JPEG, PNG or WebP, up to 5 MB. Location data is removed."))
    remove_photo = BooleanField(_l("Remove the photo"))


def evaluation_form(campaign, **kwargs) -> EvaluationForm:
    """An evaluation form with a 1–5 choice per criterion of the campaign's rubric."""

    class _Form(EvaluationForm):
        pass

    for criterion in campaign.criteria:
        choices = options([(str(level), f"{level} · {label}") for level, label in enumerate(criterion.labels, start=1)])
        setattr(_Form, f"score_{criterion.id}", RadioField(criterion.name, choices=choices, validators=[Optional()], validate_choice=False,
                                                           description=criterion.description))
    form = _Form(**kwargs)
    for criterion in campaign.criteria:
        field = form[f"score_{criterion.id}"]
        field.criterion = criterion
    return form


def score_value(raw):
    """A posted score: an int 1..5, None when left out, or the raw text (refused by the service)."""
    if raw in (None, "", "None"):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        return str(raw)
