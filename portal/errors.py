class DomainError(Exception):
    """A refusal a person can read: the message says what is wrong and what to do."""

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.details = [str(d) for d in details or []]


class InvalidTransition(DomainError):
    pass
