"""Colours of the field app, read by the .kv files (``#:import theme mobile.theme``).

High contrast on purpose: the app is used outdoors, in car parks and plant rooms.
"""

PRIMARY = (0.06, 0.30, 0.36, 1)  # deep teal: bars and main buttons
PRIMARY_PRESSED = (0.04, 0.22, 0.27, 1)
ACCENT = (0.89, 0.39, 0.08, 1)  # orange: things that need the engineer
BACKGROUND = (0.95, 0.96, 0.96, 1)
CARD = (1, 1, 1, 1)
CARD_PRESSED = (0.88, 0.93, 0.94, 1)
TEXT = (0.11, 0.16, 0.19, 1)
MUTED = (0.38, 0.43, 0.46, 1)
ON_PRIMARY = (1, 1, 1, 1)
ERROR = (0.69, 0.0, 0.13, 1)
OK = (0.18, 0.49, 0.20, 1)
WARNING_BACKGROUND = (1.0, 0.93, 0.85, 1)
ERROR_BACKGROUND = (0.99, 0.89, 0.90, 1)
FIELD = (1, 1, 1, 1)
DIVIDER = (0.82, 0.85, 0.86, 1)

#: Sizes for gloved hands and tired eyes: every touch target at least TARGET_DP high (main actions
#: PRIMARY_TARGET_DP), and no text smaller than BODY_SP.
TARGET_DP = 48
PRIMARY_TARGET_DP = 56
BODY_SP = "16sp"

#: Colour of the sync strip for each sync state.
SYNC_STATE_COLOURS = {
    "idle": OK,
    "syncing": PRIMARY,
    "offline": MUTED,
    "retrying": ACCENT,
    "needs_password": ACCENT,
    "update_required": ERROR,
    "error": ERROR,
    "revoked": ERROR,
}
