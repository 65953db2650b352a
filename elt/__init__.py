"""Orchestration of the whole ELT (extract, dbt, publish, demo); one job per module."""
