"""Peer support networks for students with SEMH needs, run by schools."""
