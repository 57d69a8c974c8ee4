"""The resident's journey as a state machine: the screens, the events the UI sends, the one transition function
(machine.Journey.dispatch), how long each screen waits before the idle reset (idle), and the dossier built from
the answers for the portal (dossier). Everything a resident can do goes through Journey.dispatch; the UI only
shows Journey.state and listens to transitions."""
