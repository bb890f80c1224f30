"""Admin screens: users and roles, reference data, the audit log."""
