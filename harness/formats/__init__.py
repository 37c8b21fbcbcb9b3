"""Readers of published dataset layouts that more than one task reads (tasks never import
each other): SIB-200's annotated FLORES-200 sentences, LASER's Tatoeba pairs."""
