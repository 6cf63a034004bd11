"""CDK cloud assemblies (``cdk.out``): manifests, stages, nested stacks, construct metadata."""
