"""Tests of the fake Twilio itself, by subject."""
