"""`make bench`: extraction, memory and dbt measured against a baseline and a ceiling, on the same data in one run."""
