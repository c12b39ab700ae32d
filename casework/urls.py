from django.contrib import admin
from django.urls import path

admin.site.site_header = "Casework administration"
admin.site.site_title = "Casework"

urlpatterns = [
    path("admin/", admin.site.urls),
]
