"""Shared helpers for the test suite: the loopback fixture site."""
