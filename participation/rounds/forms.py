"""Round forms: input validation only (the order of windows and tiers is checked by rounds.rules)."""
from __future__ import annotations

from wtforms import BooleanField, DateTimeLocalField, FieldList, FormField, IntegerField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from participation.core.forms import CheckboxListField, ChoiceField, Form, TextField, options
from participation.core.i18n import lazy_gettext as _l
from participation.rounds.models import Responder, SelectionRule
from participation.rounds.rules import MAX_TIERS, TierSpec, schedule_problems, tier_problems

RESPONDER_CHOICES = {
    Responder.DEPARTMENT.value: _l("The owning department"),
    Responder.MAYOR_OFFICE.value: _l("The mayor's office"),
}
SELECTION_LABELS = {
    SelectionRule.FIRST_TIER.value: _l("Every idea that reaches the first tier"),
    SelectionRule.TOP_N.value: _l("The ideas with the most votes (top N)"),
}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _plausible_year(form, field):
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Enter a date between the years 2000 and 2100."))


def _when(label):
    return DateTimeLocalField(
        label,
        format=DATETIME_FORMAT,
        validators=[InputRequired(_l("Enter a date and time.")), _plausible_year],
        description=_l("Seoul time."),
    )


class TierForm(Form):
    """One row of the tier table (a sub-form: no token of its own, the page's form carries it)."""

    class Meta:
        csrf = False

    threshold = IntegerField(_l("Votes needed"), validators=[Optional(), NumberRange(min=1, max=10_000_000, message=_l("Use a number from %(min)d to %(max)d."))])
    responder = ChoiceField(_l("Who answers"), coerce=str, choices=options(RESPONDER_CHOICES.items()), default=Responder.DEPARTMENT.value)
    response_days = IntegerField(_l("Answer within (days)"), validators=[Optional(), NumberRange(min=1, max=365, message=_l("Use a number from %(min)d to %(max)d."))])


class RoundForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200, message=_l("Use at most %(max)d characters."))])
    description = TextField(
        _l("Description"),
        description=_l("What the round is about and what ideas are wanted. Markdown is allowed."),
        validators=[DataRequired(_l("Describe the round.")), Length(max=20_000, message=_l("Use at most %(max)d characters."))],
        render_kw={"rows": 8},
    )
    department_id = ChoiceField(_l("Owning department"), validators=[DataRequired(_l("Choose a department."))])
    category_ids = CheckboxListField(_l("Categories in scope"), coerce=int)
    district_ids = CheckboxListField(
        _l("Districts in scope"), coerce=int, description=_l("Leave all unticked for the whole city.")
    )
    submission_opens_at = _when(_l("Submissions open"))
    submission_closes_at = _when(_l("Submissions close"))
    voting_opens_at = _when(_l("Voting opens"))
    voting_closes_at = _when(_l("Voting closes"))
    votes_per_resident = IntegerField(
        _l("Votes per resident"),
        description=_l("Leave empty for unlimited."),
        validators=[Optional(), NumberRange(min=1, max=1000, message=_l("Use a number from %(min)d to %(max)d."))],
    )
    tiers = FieldList(FormField(TierForm), min_entries=MAX_TIERS, max_entries=MAX_TIERS)
    selection_rule = RadioField(_l("Selection at close"), choices=options(SELECTION_LABELS.items()), default=SelectionRule.FIRST_TIER.value)
    selection_top_n = IntegerField(
        _l("How many ideas (top N)"),
        validators=[Optional(), NumberRange(min=1, max=10_000, message=_l("Use a number from %(min)d to %(max)d."))],
    )
    publish_delay_hours = IntegerField(
        _l("Publish the outcome this many hours after close"),
        default=0,
        validators=[InputRequired(_l("Enter a number of hours.")), NumberRange(min=0, max=2160, message=_l("Use a number from %(min)d to %(max)d."))],
    )
    voting_requires_verification = BooleanField(_l("Only verified residents may vote"))
    allow_author_votes = BooleanField(_l("Authors may support their own ideas"), default=True)

    tier_errors: tuple = ()

    def tier_specs(self) -> list[TierSpec]:
        specs = []
        for entry in self.tiers:
            row = entry.form
            if row.threshold.data is None and row.response_days.data is None:
                continue
            specs.append(TierSpec(row.threshold.data or 0, row.responder.data, row.response_days.data or 0))
        return specs

    def validate_category_ids(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one category."))

    def validate_selection_top_n(self, field):
        if self.selection_rule.data == SelectionRule.TOP_N and not field.data:
            raise ValidationError(_l("Say how many ideas are selected."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name, message in schedule_problems(
            self.submission_opens_at.data, self.submission_closes_at.data, self.voting_opens_at.data, self.voting_closes_at.data
        ):
            getattr(self, name).errors.append(message)
            valid = False
        self.tier_errors = []
        for entry in self.tiers:
            row = entry.form
            if (row.threshold.data is None) != (row.response_days.data is None):
                self.tier_errors = [_l("Fill in both the votes needed and the days to answer, or neither.")]
        if valid and not self.tier_errors:
            self.tier_errors = tier_problems(self.tier_specs())
        # Tier problems concern the table as a whole: shown above it and in the summary.
        self.form_errors.extend(self.tier_errors)
        return valid and not self.tier_errors

