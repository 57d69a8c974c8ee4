"""Reporting to the fleet service: the kiosk's health, usage figures and the results of remote commands.

`wire` holds the messages (shared with the fleet service, which imports them); `queue` keeps reports in
the kiosk's own SQLite file until the service took them; `reporter` sends them and runs the service's
commands through the kiosk's own routines. Nothing here is personal data, by construction.
"""
