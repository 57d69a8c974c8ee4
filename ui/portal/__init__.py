"""The running kiosk's background conversation with the portal: sync rounds, heartbeats, commands and catalog
updates, each on its own worker thread and named timers, results back to the GUI thread by signal (service). The
blocking calls themselves are in kiosk/portal/."""
