"""Test support: the fake LINE server, event factories, data factories and a chat driver."""
