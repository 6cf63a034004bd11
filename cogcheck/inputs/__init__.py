"""Inputs: the paths a user gives → the templates to scan (loose files, CDK cloud assemblies)."""
