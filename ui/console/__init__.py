"""The staff side of the window: the hidden entry (five corner taps, then a PIN on a big pad; entry), the staff
console overlay with its status, actions, settings and statistics pages (staff), and the bar charts it draws
(charts)."""
