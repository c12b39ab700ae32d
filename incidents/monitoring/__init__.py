"""Monitoring the policy: its versions and review, staff acknowledgements, and the figures governors and HR see."""
