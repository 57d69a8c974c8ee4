"""What the kiosk window does besides showing screens, one named controller per concern: storing a submitted
dossier and preparing its receipt (submission), printing slips and checklists (printing), the resident's idle
clock and its overlay (idle), daily purge and usage statistics (housekeeping), settings changes from the staff
console, the portal or the fleet service (settings), the staff console (console) and the fleet service's
reports and commands (fleet). Each is a QObject child of the window and gets what it needs passed in; none
imports the window."""
