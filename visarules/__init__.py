"""visa-rules: a policy model of New Zealand skilled-residence instructions."""

__version__ = "0.1.0"
