"""Multi-peer scenarios: real peer processes on a shared store, traffic,
failures, and an exact check of what arrived. Run ``python3 -m scenarios``."""
