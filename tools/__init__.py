"""Developer tools run as modules (`python -m tools.…`); not part of the product."""
