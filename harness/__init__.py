"""xling: a multilingual evaluation harness (library package)."""

__version__ = "0.1.0"
