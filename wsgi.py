"""WSGI entry point: `gunicorn wsgi:app` (set GONGRON_CONFIG=production)."""
from participation import create_app

app = create_app()
