"""Fixes: a rule's declared fix (:mod:`cogcheck.engine.fixspec`) turned into splices of the file's own text
(:mod:`cogcheck.fix.edits`, on the positions of :mod:`cogcheck.fix.nodes`), and applied (:mod:`cogcheck.fix.apply`).
Nothing is re-serialised: bytes outside an edit stay as they were."""
