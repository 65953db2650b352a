"""Talking to Pendo: the HTTP client, aggregation request bodies, keyset paging and the streamed answer rows."""
