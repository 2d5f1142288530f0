"""Shared test support: paths of the bundled examples, the loopback HTTP server, builders of
test inputs. On the import path through `pythonpath` in pyproject.toml: `from testkit import ...`."""
