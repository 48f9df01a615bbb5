"""VST's rules, one module per aggregate; no HTTP here. `common` holds what they share."""
