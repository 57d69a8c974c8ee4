"""Help for residents who need it: larger text and high contrast toggled from every screen's top bar, the read-
aloud button, and the assembly of these controls with the on-screen keyboard and scanner router into the kiosk
window (modes); speaking through a command-line speech engine (speech)."""
