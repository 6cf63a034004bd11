"""The scan: inputs → templates → clients → findings, with suppressions and baselines applied."""
