"""The refusals of the domain, each with a sentence for the person refused.

- `StepNotAvailable`: the case is not at a stage where the step can be taken, or a
  condition of the procedure does not hold;
- `NotPermitted`: the person may not do this on this case;
- `django.core.exceptions.ValidationError`: the input is wrong (keyed by input);
- `CaseConflict`: someone else changed the case first;
- `LetterTampered`: a stored letter no longer matches what was issued.
"""

from django.core.exceptions import PermissionDenied


class StepNotAvailable(Exception):
    """The step cannot be taken at this stage of the case."""


class NotPermitted(PermissionDenied):
    """This person may not take this step on this case."""


class CaseConflict(Exception):
    """Someone else changed the case between reading it and acting on it."""


class LetterTampered(Exception):
    """A stored letter no longer matches the SHA-256 it was issued with."""
