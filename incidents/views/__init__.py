# The views subscript Django's generic views for the type checker (`FormView[ReportForm]`, as
# django-stubs expects), which Django's classes allow at runtime only once patched.
import django_stubs_ext

django_stubs_ext.monkeypatch()
