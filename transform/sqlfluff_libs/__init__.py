"""Stand-ins for dbt's Jinja namespaces when sqlfluff lints the models with its plain jinja templater.

sqlfluff's jinja templater (see `.sqlfluff`) knows ref/source/config/var but not dbt's `dbt.*` cross-database
macros. These functions render the DuckDB SQL those macros produce, so the linted SQL is what DuckDB runs.
"""
