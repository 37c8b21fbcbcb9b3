"""Readers of published data layouts and hub row shapes, shared by the tasks that use them."""
