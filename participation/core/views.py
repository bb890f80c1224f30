"""Site-wide pages: home, privacy notice, health check, and the icon browsers ask for by name."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for

from participation.core import health

bp = Blueprint("core", __name__)


@bp.route("/")
def index():
    return render_template("core/index.html")


@bp.route("/privacy")
def privacy():
    return render_template("core/privacy.html")


@bp.route("/healthz")
def healthz():
    """For load balancers and monitors: a short JSON answer, 503 while the database cannot be reached."""
    problem = health.check()
    if problem:
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico where a page names no icon (a plain-text file, say)."""
    return redirect(url_for("static", filename="img/favicon.svg"), code=301)
