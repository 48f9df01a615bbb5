"""CloudFormation for each product's stage, merged into `chalice package` output (see README.md)."""
