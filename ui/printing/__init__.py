"""Printing on the Qt side: one renderer draws the slip and the checklist with QPainter for the screen preview,
PDF, system printers and thermal rolls (slip_render); print jobs run off the GUI thread, with reprints of
today's slips (service). ESC/POS bytes and printer transports are in kiosk/printing/."""
