"""Scanning the resident's papers: device access (SANE), image processing, the papers of a dossier.

Not to be confused with `kiosk.input.scanner`, the ID-card QR reader that types like a keyboard. Nothing here imports
Qt; the scan screen (`ui.screens.scan`) runs `Scanner.scan` on a worker thread.
"""
