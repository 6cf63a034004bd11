"""Named, typed predicates that rules call for facts beyond one client (other resources, policy)."""
