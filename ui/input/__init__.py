"""Input devices on the Qt side: the on-screen keyboard docked under the screens (keyboard, Telex through
kiosk/input/telex.py) and the router that catches a USB scanner's keystroke bursts before they reach a field
(scanner)."""
