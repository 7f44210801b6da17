"""The web app behind `voc app`: review and label themes, and the pain-point dashboard (see app.server)."""
