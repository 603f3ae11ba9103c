"""What every app shares and no app owns: the service errors every adapter maps the same way,
the hook registry through which apps follow each other's changes, and small helpers."""
