"""Open311 GeoReport v2 at /open311/v2: civil requests as civic apps read and file them, with
mySociety's status updates and Chicago's paging. It calls the civil-request services and
permission functions; it keeps no rules of its own about what the public may see."""
