"""Shared platform for every product: no product knowledge lives here."""
