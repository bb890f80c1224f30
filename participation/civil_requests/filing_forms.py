"""Forms for filing a civil request (online, in the field, at a counter) and following one by its
tracking number: input validation only. The service (intake.file_request) has the last word on
every rule; these forms say what they can before it, all at once."""
from __future__ import annotations

from wtforms import BooleanField, EmailField, FloatField, MultipleFileField, StringField
from wtforms.validators import DataRequired, Length, Optional

from participation.accounts.forms import printable_name, valid_email
from participation.civil_requests.models import ADDRESS_MAX, DESCRIPTION_MAX, MAX_PHOTOS, TITLE_MAX
from participation.core.forms import ChoiceField, Form, TextField
from participation.core.i18n import lazy_gettext as _l
from participation.core.i18n import lazy_ngettext

APPLICANT_NAME_MAX = 60
NOTE_MAX = 1_000  # a field report's optional note
LENGTH = _l("Use at most %(max)d characters.")
PHOTO_HINT = lazy_ngettext(
    "Up to %(count)d photo, JPEG, PNG or WebP, 5 MB. Location data and other details in photos are removed when they are stored.",
    "Up to %(count)d photos, JPEG, PNG or WebP, 5 MB each. Location data and other details in photos are removed when they are stored.",
    MAX_PHOTOS,
    count=MAX_PHOTOS,
)


class CoordinateField(FloatField):
    """A latitude or longitude typed by hand (the map fills it in otherwise)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a number such as 35.1601, or leave it empty.")) from None


def chosen_files(field) -> list:
    """The files actually chosen (browsers send an empty part when none is)."""
    return [f for f in (field.data or []) if getattr(f, "filename", "")]


def _coordinate(label):
    return CoordinateField(label, validators=[Optional()], render_kw={"inputmode": "decimal", "autocomplete": "off"})


class _Location:
    """Where the problem is: a pin (latitude, longitude), an address line and the 동; each optional."""

    address = StringField(
        _l("Address or place (optional)"),
        description=_l("A street address, a building or a landmark, such as \"in front of 12 Haetsal-ro\"."),
        validators=[Optional(), Length(max=ADDRESS_MAX, message=LENGTH)],
        render_kw={"autocomplete": "street-address"},
    )
    district_id = ChoiceField(_l("Dong (optional)"), description=_l("Filled in from the pin when the city knows the dong's boundary."))
    latitude = _coordinate(_l("Latitude (optional)"))
    longitude = _coordinate(_l("Longitude (optional)"))


class _Request(_Location):
    category_id = ChoiceField(
        _l("Category"),
        description=_l("What the request is about. The category decides which department handles it."),
        validators=[DataRequired(_l("Choose a category."))],
    )
    title = StringField(
        _l("Title"),
        description=_l("In a few words, such as \"Streetlight out in front of the library\"."),
        validators=[DataRequired(_l("Give the request a title.")), Length(max=TITLE_MAX, message=LENGTH)],
    )
    description = TextField(
        _l("Description"),
        description=lazy_ngettext("What is wrong, since when, and what you ask for. At most %(count)d character.", "What is wrong, since when, and what you ask for. At most %(count)d characters.", DESCRIPTION_MAX, count=DESCRIPTION_MAX),
        validators=[DataRequired(_l("Describe the problem or the question.")), Length(max=DESCRIPTION_MAX, message=LENGTH)],
        render_kw={"rows": 6, "data-max-length": DESCRIPTION_MAX},
    )


class RequestForm(_Request, Form):
    """Online, by the resident themself."""

    photos = MultipleFileField(_l("Photos (optional)"), description=PHOTO_HINT, render_kw={"accept": "image/jpeg,image/png,image/webp"})
    is_public = BooleanField(
        _l("Make this request public"),
        description=_l("Private (the default): only you, the departments handling it and the city's administrators see it. "
                       "Public: anyone can read the request, its photos, its steps and the answer, and report the same problem. "
                       "Your name and contact are never shown to the public either way."),
        default=False,
    )


class CounterForm(_Request, Form):
    """At a counter, by staff, for a resident who does not use the web."""

    applicant_name = StringField(
        _l("Resident's name"),
        validators=[DataRequired(_l("Give the resident's name.")), Length(max=APPLICANT_NAME_MAX, message=LENGTH), printable_name],
        render_kw={"autocomplete": "off"},
    )
    contact_phone = StringField(
        _l("Resident's mobile number"),
        description=_l("Updates go here by text message, and the number with the tracking number lets them follow the request."),
        validators=[Optional(), Length(max=20, message=LENGTH)],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    contact_email = EmailField(
        _l("Resident's email (if no mobile)"),
        validators=[Optional(), Length(max=254, message=LENGTH), valid_email],
        render_kw={"inputmode": "email", "autocomplete": "off"},
    )
    consent = BooleanField(
        _l("The resident agreed that their name and contact are kept to tell them about this request"),
        description=_l("Ask them. Without their consent the request cannot be filed for them."),
    )
    is_public = BooleanField(
        _l("The resident wants the request public"),
        description=_l("Public requests are readable by anyone, without the resident's name or contact."),
        default=False,
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not (self.contact_phone.data or "").strip() and not (self.contact_email.data or "").strip():
            self.contact_phone.errors = [*self.contact_phone.errors, _l("Give a phone number or an email address for updates.")]
            return False
        return valid


class FieldReportForm(_Location, Form):
    """Field staff, from a phone: a photo, the position, and a category button that files it."""

    photo = MultipleFileField(
        _l("Take a photo"),
        description=_l("Location data and other details are removed from the photo when it is stored."),
        render_kw={"accept": "image/*", "capture": "environment"},
    )
    category_id = ChoiceField(_l("Category"), validators=[DataRequired(_l("Choose a category."))])
    note = TextField(_l("Note (optional)"), validators=[Optional(), Length(max=NOTE_MAX, message=LENGTH)], render_kw={"rows": 3})
    is_public = BooleanField(
        _l("Public report"),
        description=_l("Field reports are public by default: they are about public places, so residents can see that the city knows "
                       "and add \"same problem\" instead of filing again. Clear this for anything that shows a person or their home."),
        default=True,
    )


class TrackForm(Form):
    number = StringField(
        _l("Tracking number"),
        description=_l("On your receipt, such as 2026-1234-5678."),
        validators=[DataRequired(_l("Enter the tracking number.")), Length(max=20, message=LENGTH)],
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )
    contact = StringField(
        _l("Mobile number"),
        description=_l("The one given when the request was filed. If only an email was given at the counter, enter that email."),
        validators=[DataRequired(_l("Enter the mobile number.")), Length(max=254, message=LENGTH)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
