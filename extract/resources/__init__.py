"""Describing and producing the dlt resources: the registry of tables, event windows, entities, Arrow conversion."""
