"""Frappe glue of the site: composition roots (services wired to repositories and Settings),
the Settings adapter (the one config object), error translation, desk hooks, install and the
session host command."""
