"""Readers of published dataset layouts that more than one task reads (tasks never import
each other: a layout two tasks share lives here)."""
