"""From timepoint responses and events to best overall response and time-to-event endpoints."""
