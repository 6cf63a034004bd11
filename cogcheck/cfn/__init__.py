"""CloudFormation templates: parsing with positions, values, intrinsic resolution, scenarios."""
