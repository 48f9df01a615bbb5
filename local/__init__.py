"""The embedded stack behind `make run` and the tests' gateway emulation; never imported in Lambda."""
