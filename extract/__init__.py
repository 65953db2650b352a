"""dlt extraction layer: pulls Pendo's Aggregation API and lands raw rows in the `pendo_raw` dataset."""
