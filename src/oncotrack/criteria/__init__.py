"""Tumour response criteria over one shared vocabulary of responses (see model.vocabulary)."""
