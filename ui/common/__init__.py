"""Building blocks shared by every part of the Qt layer: the theme (colours, style sheet, fonts), layouts and
buttons whose texts wrap, small widgets, named timers tests can find, and the TaskRunner that runs slow work off
the GUI thread."""
