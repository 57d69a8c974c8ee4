"""Time as the kiosk sees it: Vietnam's time zone, the 15:00 cut-off and working days (clock), counted with the
public holidays kept as data in config/holidays/ (holidays)."""
