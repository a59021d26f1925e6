"""The embedded host: `make run`."""
