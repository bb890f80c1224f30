"""Where a pin is: the map on request forms asks which 동 holds it and whether it is in the city."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import get_locale

from participation.accounts.models import District
from participation.civil_requests import geo, permissions
from participation.civil_requests.views import bp
from participation.core.i18n import lazy_gettext as _l
from participation.core.permissions import permission_required
from participation.core.web import error_response
from participation.extensions import db


@bp.route("/location")
@permission_required(permissions.can_look_up_location)
def location():
    lat, lon = request.args.get("latitude", "")[:32], request.args.get("longitude", "")[:32]
    if not geo.is_coordinate(lat, lon):
        return error_response(
            400, _l("Enter a latitude from -90 to 90 and a longitude from -180 to 180."), error_code="bad_coordinates", as_json=True
        )
    district_id = geo.district_at(lat, lon)
    district = db.session.get(District, district_id) if district_id else None
    return jsonify(
        within_city=geo.within_city(lat, lon),
        district_id=district_id,
        district_name=district.full_name_for(str(get_locale())) if district else None,
    )
