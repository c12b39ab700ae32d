from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Casework administration"
admin.site.site_title = "Casework"

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("incidents.urls")),
]
