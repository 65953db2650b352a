"""A faithful local stand-in for the Pendo Engage API, serving deterministic data whose true metrics are known."""
