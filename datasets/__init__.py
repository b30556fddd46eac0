"""Bundled example series (CSV files). See README.md in this folder for sources and licences."""
