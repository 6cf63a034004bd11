"""The rule engine: rule files, the rule language (paths, expressions), evaluation, predicates."""
