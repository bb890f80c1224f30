"""Open data for programs: the JSON API, Open311 GeoReport v2, exports, and the API keys client apps use."""
