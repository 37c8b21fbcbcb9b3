"""Readers of published data layouts and hub row shapes, shared by the tasks that read them (tasks never
import each other)."""
