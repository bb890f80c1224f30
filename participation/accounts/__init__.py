"""Accounts: users, roles, departments, districts and authentication."""
