"""See the data: a marimo dashboard of the marts (`make dashboard`) and dlt's pipeline dashboard (`make show`).

The marts dashboard only ever reads: it prefers the published read-only copy of the marts (`make publish`), falls
back to the warehouse file opened read-only, and opens a connection per query so it never holds the file a load needs.
"""
