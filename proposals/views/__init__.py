"""Server-rendered pages of proposals. Thin: gates from permissions, reads from selectors and
presenters, every write through :mod:`proposals.services` (the same path as the API).

Every page works without JavaScript. A form with text in it (a comment, a version, an
amendment, a reason) that the service refuses is drawn again with what was typed and the
service's message on the field; a plain button that is refused comes back with a message.
"""
