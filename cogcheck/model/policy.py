"""Policy settings: the thresholds the security rules compare lifetimes with (``$.policy.*`` in the client view)."""

from __future__ import annotations

#: lifetime thresholds (COG-S006, COG-S007): config key → (client view ``$.policy`` key, seconds per unit)
THRESHOLDS = {
    "refresh-token-note-days": ("refresh_token_note_seconds", 86400),
    "refresh-token-warning-days": ("refresh_token_warning_seconds", 86400),
    "token-note-minutes": ("token_note_seconds", 60),
}


#: Policy thresholds rules compare lifetimes with (``$.policy.*``); the configuration may change them.
POLICY_DEFAULTS: dict[str, int] = {
    "refresh_token_note_seconds": 30 * 86400,  # COG-S006 note above this
    "refresh_token_warning_seconds": 365 * 86400,  # COG-S006 warning above this
    "token_note_seconds": 3600,  # COG-S007 note above this (access and ID tokens)
}
