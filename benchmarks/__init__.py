"""Benchmark scripts (not tests): each prints figures and asserts nothing."""
