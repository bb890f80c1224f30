"""Idea forms: input validation only."""
from __future__ import annotations

from wtforms import FloatField, HiddenField, MultipleFileField, SearchField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from participation.core.forms import CheckboxListField, ChoiceField, Form, TextField, options
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext
from participation.ideas.models import BODY_MAX, MAX_PHOTOS, TITLE_MAX

# South Korea, generously: a typed location outside it is almost certainly a mistake.
LATITUDE_RANGE = (33.0, 38.9)
LONGITUDE_RANGE = (124.5, 131.9)
UPDATE_MAX = 2000
REASON_MAX = 500

SORT_LABELS = {
    "votes": _l("Most votes"),
    "newest": _l("Newest"),
    "discussed": _l("Most discussed"),
    "random": _l("Random"),
}


def _title_field():
    return StringField(
        _l("Title"),
        description=_l("A short summary of your idea (at most %(max)d characters).", max=TITLE_MAX),
        validators=[DataRequired(_l("Enter a title.")), Length(max=TITLE_MAX, message=_l("Use at most %(max)d characters."))],
        render_kw={"maxlength": TITLE_MAX, "autocomplete": "off"},
    )


class TitleForm(Form):
    """Step one: the title, so we can show similar ideas before the resident writes the rest."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    title = _title_field()


class IdeaForm(Form):
    title = _title_field()
    body = TextField(
        _l("Your idea"),
        description=_l("What is the problem, and what do you propose? Markdown is allowed: **bold**, lists, links."),
        validators=[DataRequired(_l("Describe your idea.")), Length(max=BODY_MAX, message=_l("Use at most %(max)d characters."))],
        render_kw={"rows": 10, "maxlength": BODY_MAX},
    )
    category_id = ChoiceField(_l("Category"), validators=[DataRequired(_l("Choose a category."))])
    district_id = ChoiceField(_l("District (optional)"))
    latitude = FloatField(
        _l("Latitude (optional)"),
        description=_l("Type it in, or use the button to take your phone's position. No map service is contacted."),
        validators=[Optional(), NumberRange(*LATITUDE_RANGE, message=_l("The location must be in Korea: latitude between %(min)s and %(max)s."))],
        render_kw={"inputmode": "decimal"},
    )
    longitude = FloatField(
        _l("Longitude (optional)"),
        validators=[Optional(), NumberRange(*LONGITUDE_RANGE, message=_l("The location must be in Korea: longitude between %(min)s and %(max)s."))],
        render_kw={"inputmode": "decimal"},
    )
    photos = MultipleFileField(
        _l("Photos (optional)"),
        description=lazy_ngettext("Up to %(count)d photo, JPEG, PNG or WebP, 5 MB. Location data in photos is removed.", "Up to %(count)d photos, JPEG, PNG or WebP, 5 MB each. Location data in photos is removed.", MAX_PHOTOS, count=MAX_PHOTOS),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    remove_photo_ids = CheckboxListField(_l("Remove photos"), coerce=int)

    def validate_longitude(self, field):
        if (self.latitude.data is None) != (field.data is None) and not self.latitude.errors:
            raise ValidationError(_l("Give both latitude and longitude, or neither."))

    def uploaded_files(self):
        """The files actually chosen (browsers send an empty part when none is)."""
        return [f for f in (self.photos.data or []) if getattr(f, "filename", "")]


class UpdateForm(Form):
    body = TextField(
        _l("Add an update"),
        description=_l("A dated note shown under your idea, for example what has happened since you posted it."),
        validators=[DataRequired(_l("Write the update.")), Length(max=UPDATE_MAX, message=_l("Use at most %(max)d characters."))],
        render_kw={"rows": 4, "maxlength": UPDATE_MAX},
    )


class WithdrawForm(Form):
    reason = TextField(
        _l("Why are you withdrawing it?"),
        description=_l("Shown publicly on the idea's timeline."),
        validators=[DataRequired(_l("Give a reason.")), Length(max=REASON_MAX, message=_l("Use at most %(max)d characters."))],
        render_kw={"rows": 3, "maxlength": REASON_MAX},
    )


QUERY_MAX = 100


class IdeaFilterForm(Form):
    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=QUERY_MAX, message=_l(
        "A search can be at most %(max)d characters long. Shorten it and search again."))])
    round_id = ChoiceField(_l("Round"))
    category_id = ChoiceField(_l("Category"))
    district_id = ChoiceField(_l("District"))
    status = ChoiceField(_l("Status"), coerce=str)
    sort = ChoiceField(_l("Sort by"), coerce=str, choices=options(SORT_LABELS.items()))
    page = HiddenField()

    def value(self, name):
        """A filter's value if it is valid, else None (a bad filter is ignored, not an error)."""
        field = getattr(self, name)
        return None if field.errors else field.data

