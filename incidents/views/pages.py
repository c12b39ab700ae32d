from django.views.generic import TemplateView

from incidents.views.access import PublicMixin


class AccessibilityStatementView(PublicMixin, TemplateView):
    template_name = "pages/accessibility.html"
