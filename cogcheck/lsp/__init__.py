"""``cogcheck lsp``: findings, fixes and rule docs in the editor (the ``lsp`` extra: pygls). Only this package
imports pygls and lsprotocol; :mod:`cogcheck.lsp.check` checks a buffer without them."""
