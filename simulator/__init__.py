"""Runs experiments: the entry point, the episode engine and the run folder."""
