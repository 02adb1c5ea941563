"""Helpers shared by the tests: a loopback feed server, feed builders."""
