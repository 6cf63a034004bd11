"""Settings: configuration files and command-line values → scan options."""
