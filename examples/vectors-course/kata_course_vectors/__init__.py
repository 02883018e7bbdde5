"""Vectors in plain Python: an example kata course, shipped as a package.

This folder is the course (kata.toml, exercises/, checks/, solutions/); the
`kata.courses` entry point names this package, and kata reads the folder.
"""
